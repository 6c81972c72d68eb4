"""Non-blind deconvolution with a hyper-Laplacian gradient prior.

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
    blurry = np.asarray(blurry, dtype=np.float64)
    if blurry.ndim != 2:
        raise ValueError(f"deconvolve one grey channel at a time; got shape {blurry.shape}")
    if not np.all(np.isfinite(blurry)):
        raise ValueError("blurry image contains NaN or infinite values")
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
