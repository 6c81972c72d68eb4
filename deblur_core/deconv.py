"""Non-blind deconvolution with a hyper-Laplacian gradient prior, in two standard solvers.

Krishnan & Fergus, *Fast Image Deconvolution using Hyper-Laplacian Priors* (NIPS 2009):

    min_x  (weight / 2) ||k * x - y||^2  +  sum_i |(f_i * x)|^alpha,

with ``f_i`` the horizontal and vertical difference filters and ``alpha`` around 2/3.
Half-quadratic splitting adds auxiliary gradients ``w_i`` and alternates

* a ``w`` step, a separable per-pixel problem ``min_w |w|^alpha + beta/2 (w - v)^2``,
  solved here by generalised shrinkage-thresholding (Zuo et al. 2013) for any alpha;
* an ``x`` step, a quadratic problem that FFTs diagonalise,

while ``beta`` grows from 1 to 256 by factors of 2 * sqrt(2).

FFTs assume a periodic image; real blurry images are not periodic, so by default
the image is padded by the kernel size and its padded border tapered towards its
own circular blur (MATLAB's ``edgetaper`` idea): no artificial edge, no ringing.

Used for SelfDeblur-Delta (SelfDeblur's kernel, this deconvolution; SelfDeblur Sec. 4.2)
and for the error ratio's reference (the same method with the true kernel).

:func:`deconvolve_irls` is the second solver, after Levin et al. (*Image and depth from a conventional camera with a
coded aperture*, SIGGRAPH 2007), the non-blind step the SelfDeblur paper names for SelfDeblurΔ: the same sparse
prior minimised by iteratively reweighted least squares with conjugate gradients, on an unknown image larger than
the blurry one by the kernel, so that the data term is a 'valid' convolution and no boundary is assumed.
``benchmarks/selfdeblur_nonblind.py`` measures the two against each other.

Examples
--------
>>> import numpy as np, torch
>>> from deblur_core.physics.blur import convolve
>>> rng = np.random.default_rng(0)
>>> sharp = np.kron(rng.random((9, 9)), np.ones((7, 7)))          # blocky 63 x 63 image
>>> kernel = np.ones((5, 5)) / 25
>>> blurry = convolve(torch.tensor(sharp), torch.tensor(kernel), "circular").numpy()
>>> restored = deconvolve_hyper_laplacian(blurry, kernel, boundary="circular")
>>> bool(np.abs(restored - sharp)[8:-8, 8:-8].mean() < np.abs(blurry - sharp)[8:-8, 8:-8].mean())
True
"""

from __future__ import annotations

import numpy as np
import torch

from .data.io import checked_grey
from .kernels import normalize_kernel
from .physics.blur import psf2otf

BOUNDARIES = ("taper", "circular")


def _otf(kernel: np.ndarray, shape) -> np.ndarray:
    return psf2otf(torch.as_tensor(kernel, dtype=torch.float64), tuple(shape)).numpy()


def generalized_shrinkage(v: np.ndarray, alpha: float, beta: float, iterations: int = 4) -> np.ndarray:
    """Minimiser of ``|w|^alpha + beta/2 (w - v)^2`` for each entry of ``v`` (0 < alpha < 1).

    Entries below the threshold go to zero; the others solve the stationarity equation
    ``t + (alpha/beta) t^(alpha-1) = |v|`` by fixed-point iteration from ``t = |v|``.
    """
    lam = 1.0 / beta
    tau = (2 * lam * (1 - alpha)) ** (1 / (2 - alpha)) + lam * alpha * (2 * lam * (1 - alpha)) ** (
        (alpha - 1) / (2 - alpha)
    )
    magnitude = np.abs(v)
    t = magnitude.copy()
    keep = magnitude > tau
    for _ in range(iterations):
        t[keep] = magnitude[keep] - lam * alpha * t[keep] ** (alpha - 1)
    return np.where(keep, np.sign(v) * t, 0.0)


def edge_taper(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Blend the image towards its circular blur near the borders (periodic-friendly)."""
    h, w = image.shape
    blurred = np.real(np.fft.ifft2(np.fft.fft2(image) * _otf(kernel, (h, w))))
    kh, kw = kernel.shape

    def ramp(n, width):
        width = max(int(width), 1)
        r = np.ones(n)
        t = 0.5 - 0.5 * np.cos(np.pi * np.arange(width) / width)
        r[:width], r[n - width :] = t, t[::-1]
        return r

    alpha = np.outer(ramp(h, kh), ramp(w, kw))
    return alpha * image + (1 - alpha) * blurred


def deconvolve_hyper_laplacian(
    blurry: np.ndarray,
    kernel: np.ndarray,
    *,
    weight: float = 2000.0,
    alpha: float = 2 / 3,
    beta_start: float = 1.0,
    beta_max: float = 256.0,
    beta_rate: float = 2 * np.sqrt(2),
    boundary: str = "taper",
) -> np.ndarray:
    """Deconvolve a grey image in [0, 1] with a known kernel (true-convolution convention).

    Parameters
    ----------
    blurry : ndarray (H, W)
    kernel : ndarray (kh, kw)
        Normalised on entry.
    weight : float
        Weight of the data term (Krishnan & Fergus's lambda; larger for less noise).
    alpha : float
        Exponent of the gradient prior, in (0, 1).
    boundary : {'taper', 'circular'}
        ``'taper'`` pads by the kernel size and tapers the border; ``'circular'``
        assumes a periodic image.

    Returns
    -------
    ndarray (H, W), clipped to [0, 1].
    """
    if boundary not in BOUNDARIES:
        raise ValueError(f"unknown boundary {boundary!r}; use one of {', '.join(BOUNDARIES)}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    blurry = checked_grey(blurry, task="deconvolution", name="blurry image")
    kernel = normalize_kernel(kernel)
    h, w = blurry.shape
    if boundary == "taper":
        pad_h, pad_w = kernel.shape
        image = np.pad(blurry, ((pad_h, pad_h), (pad_w, pad_w)), mode="symmetric")
        for _ in range(3):
            image = edge_taper(image, kernel)
    else:
        pad_h = pad_w = 0
        image = blurry

    shape = image.shape
    otf_k = _otf(kernel, shape)
    # forward differences x[i, j+1] - x[i, j] and x[i+1, j] - x[i, j] in the true-convolution convention
    otf_dx = _otf(np.array([[1.0, -1.0, 0.0]]), shape)
    otf_dy = _otf(np.array([[1.0], [-1.0], [0.0]]), shape)
    numerator_data = weight * np.conj(otf_k) * np.fft.fft2(image)
    denominator_data = weight * np.abs(otf_k) ** 2
    denominator_grad = np.abs(otf_dx) ** 2 + np.abs(otf_dy) ** 2

    x = image.copy()
    beta = beta_start
    while beta < beta_max:
        x_hat = np.fft.fft2(x)
        gx = np.real(np.fft.ifft2(otf_dx * x_hat))
        gy = np.real(np.fft.ifft2(otf_dy * x_hat))
        wx = generalized_shrinkage(gx, alpha, beta)
        wy = generalized_shrinkage(gy, alpha, beta)
        numerator = numerator_data + beta * (np.conj(otf_dx) * np.fft.fft2(wx) + np.conj(otf_dy) * np.fft.fft2(wy))
        x = np.real(np.fft.ifft2(numerator / (denominator_data + beta * denominator_grad)))
        beta *= beta_rate
    return np.clip(x[pad_h : pad_h + h, pad_w : pad_w + w], 0.0, 1.0)


def _forward_differences(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x[:, 1:] - x[:, :-1], x[1:, :] - x[:-1, :]


def _forward_differences_adjoint(gx: np.ndarray, gy: np.ndarray, shape) -> np.ndarray:
    out = np.zeros(shape)
    out[:, 1:] += gx
    out[:, :-1] -= gx
    out[1:, :] += gy
    out[:-1, :] -= gy
    return out


def _conjugate_gradients(apply, rhs: np.ndarray, start: np.ndarray, iterations: int) -> np.ndarray:
    """``iterations`` steps of conjugate gradients on ``apply(x) = rhs`` (``apply`` symmetric positive definite)."""
    x = start.copy()
    residual = rhs - apply(x)
    direction = residual.copy()
    norm = float(np.vdot(residual, residual))
    for _ in range(iterations):
        if norm <= 1e-20:
            break
        applied = apply(direction)
        step = norm / float(np.vdot(direction, applied))
        x += step * direction
        residual -= step * applied
        new_norm = float(np.vdot(residual, residual))
        direction = residual + (new_norm / norm) * direction
        norm = new_norm
    return x


def deconvolve_irls(
    blurry: np.ndarray,
    kernel: np.ndarray,
    *,
    prior_weight: float = 2e-3,
    alpha: float = 0.8,
    reweightings: int = 6,
    cg_iterations: int = 40,
    floor: float = 1e-2,
) -> np.ndarray:
    """Deconvolve a grey image in [0, 1] with a known kernel by IRLS on a sparse gradient prior, after Levin et al.

    Minimises ``||k * x - y||^2 + prior_weight * sum |d x|^alpha`` over horizontal and vertical forward differences
    ``d``, where ``k * x`` is the 'valid' true convolution of :func:`deblur_core.physics.blur.convolve`: ``x`` is
    larger than ``y`` by the kernel minus one, so the border of ``y`` needs no assumption. A Gaussian-prior solve
    (``alpha = 2``) starts it; each reweighting then replaces ``|g|^alpha`` by ``w g^2`` with
    ``w = max(|g|, floor)^(alpha - 2)`` at the current gradients ``g`` and solves by conjugate gradients.

    Parameters
    ----------
    blurry : ndarray (H, W)
    kernel : ndarray (kh, kw)
        Normalised on entry.
    prior_weight : float
        Weight of the prior against the data term (larger for more noise).
    alpha : float
        Exponent of the gradient prior, in (0, 2).
    reweightings, cg_iterations : int
        IRLS steps after the Gaussian start, and conjugate-gradient steps per solve.
    floor : float
        Smallest gradient magnitude in a weight, which keeps flat regions' weights finite.

    Returns
    -------
    ndarray (H, W), clipped to [0, 1]: the part of ``x`` under ``y``, at the kernel centre's offset.

    Examples
    --------
    >>> from deblur_core.physics.blur import convolve
    >>> rng = np.random.default_rng(0)
    >>> sharp = np.kron(rng.random((9, 9)), np.ones((7, 7)))
    >>> kernel = np.ones((5, 5)) / 25
    >>> blurry = convolve(torch.tensor(sharp), torch.tensor(kernel)).numpy()      # 'valid': 59 x 59
    >>> restored = deconvolve_irls(blurry, kernel)
    >>> inner = sharp[2:-2, 2:-2]
    >>> bool(np.abs(restored - inner).mean() < 0.5 * np.abs(blurry - inner).mean())
    True
    """
    from scipy.signal import fftconvolve

    if not 0 < alpha < 2:
        raise ValueError(f"alpha must lie in (0, 2), got {alpha}")
    if not prior_weight > 0 or not floor > 0:
        raise ValueError(f"prior_weight and floor must be positive, got {prior_weight} and {floor}")
    blurry = checked_grey(blurry, task="deconvolution", name="blurry image")
    kernel = normalize_kernel(kernel)
    kh, kw = kernel.shape
    shape = (blurry.shape[0] + kh - 1, blurry.shape[1] + kw - 1)
    flipped = kernel[::-1, ::-1]

    # the 'valid' true convolution of physics.blur.convolve (a test holds them equal) and its adjoint, by FFTs
    def blur(x):
        return fftconvolve(x, kernel, mode="valid")

    def blur_adjoint(r):
        return fftconvolve(r, flipped, mode="full")

    top, left = (kh - 1) // 2, (kw - 1) // 2
    start = np.pad(blurry, ((top, kh - 1 - top), (left, kw - 1 - left)), mode="edge")
    rhs = blur_adjoint(blurry)
    weights = (np.ones((shape[0], shape[1] - 1)), np.ones((shape[0] - 1, shape[1])))
    x = start
    for _ in range(reweightings + 1):

        def normal_operator(v, wx=weights[0], wy=weights[1]):
            gx, gy = _forward_differences(v)
            return blur_adjoint(blur(v)) + prior_weight * _forward_differences_adjoint(wx * gx, wy * gy, shape)

        x = _conjugate_gradients(normal_operator, rhs, x, cg_iterations)
        gx, gy = _forward_differences(x)
        weights = tuple(np.maximum(np.abs(g), floor) ** (alpha - 2) for g in (gx, gy))
    return np.clip(x[top : top + blurry.shape[0], left : left + blurry.shape[1]], 0.0, 1.0)
