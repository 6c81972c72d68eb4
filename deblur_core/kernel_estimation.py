"""Blind kernel estimation: a batched, coarse-to-fine L0 MAP estimator.

The region-selection paper labels windows by how well a classical estimator
recovers the true kernel from them (Sec. 3.4) and evaluates with Pan et al.'s
dark-channel estimator (Sec. 4). This module implements that family (Pan, Hu, Su &
Yang 2014, L0 gradient prior; Pan, Sun, Pfister & Yang 2016, optional dark-channel
term) in torch, so that one call estimates the kernels of a whole batch of windows.

For each image of the batch, at each scale of a pyramid (ratio 1/sqrt(2), kernel
from 3 px up to ``kernel_size``), ``iterations_per_scale`` times:

1. **latent step** -- ``min_x ||k * x - y||^2 + lam ||grad x||_0 (+ mu ||D(x)||_0)``
   by half-quadratic splitting: auxiliary gradients are hard-thresholded
   (``|g|^2 < lam / beta`` -> 0), the dark channel ``D`` (patch minimum) likewise,
   and the quadratic ``x`` problem is solved exactly with FFTs while ``beta`` grows
   from ``2 lam`` to ``1e5``;
2. **kernel step** in the gradient domain --
   ``min_k ||grad x * k - grad y||^2 + gamma ||k||^2`` with ``k`` confined to its
   ``kernel_size`` support, by conjugate gradients whose operator is applied with
   FFTs. Only the latent image's salient gradients take part: the strongest ones,
   enough of them in each of four directions (Cho & Lee's rule, used by Pan et al.),
   with the threshold relaxed by 1.1 per alternation;
3. **clean-up** -- negative taps and taps below ``1/20`` of the peak are zeroed,
   isolated specks (8-connected components holding < 10 % of the mass) removed,
   the kernel renormalised; ``lam`` shrinks by 1.1.

Between scales the kernel is upsampled and re-centred on its centroid; the final
kernel is re-centred too, since a blind estimate is defined only up to a shift.

Boundaries: FFTs treat an image as periodic, and a window cut out of a photograph
is not. Each image is therefore extended by the kernel size with rows and columns
that blend its right edge into its left (and bottom into top), which makes it
periodic without a jump; the extension is cut off again at the end.

Blur follows the convention of :mod:`deblur_core.physics.blur` (true convolution,
centre at ``(k // 2, k // 2)``).

Examples
--------
>>> import numpy as np, torch
>>> from deblur_core.physics.blur import convolve
>>> from deblur_core.kernels import random_motion_kernel, kernel_similarity
>>> from deblur_core.data.corpus import load_bundled
>>> sharp = load_bundled("camera")[100:230, 100:230]
>>> kernel = random_motion_kernel(9, seed=1)
>>> blurry = convolve(torch.tensor(sharp), torch.tensor(kernel), "valid").numpy()
>>> estimate = estimate_kernel(blurry, 11)
>>> estimate.shape, bool(np.isclose(estimate.sum(), 1)), bool((estimate >= 0).all())
((11, 11), True, True)
>>> kernel_similarity(kernel, estimate) > 0.8
True
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from .device import select_device
from .kernels import check_kernel_size, delta_kernel
from .progress import progress_bar

SCALE_RATIO = 1 / math.sqrt(2)
COARSEST_KERNEL = 3
BETA_MAX = 1e5
DARK_CHANNEL_FLOOR = (0.5 / 255) ** 2


@dataclass(frozen=True)
class EstimatorConfig:
    """Settings of :func:`estimate_kernels`.

    The weights are Pan et al.'s (2016). Three settings differ from theirs, chosen on
    the Levin-like benchmark: 10 alternations per scale instead of 5 (fewer failures
    on the textured image), a splitting weight that grows by 3 instead of 2 per step
    (a third fewer steps at an unchanged error ratio), and 10 conjugate-gradient
    steps per kernel update instead of 20 (warm-started from the previous kernel,
    they lose nothing measurable and save a fifth of the time).
    ``benchmarks/kernel_estimation.py`` compares the default with Pan et al.'s settings.

    Attributes
    ----------
    kernel_size : odd side of the estimated kernel.
    gradient_weight : ``lam``, weight of the L0 gradient prior at the start of each scale.
    dark_channel_weight : ``mu``, weight of the L0 dark-channel prior; 0 switches it off.
    dark_channel_patch : side of the dark channel's minimum filter (odd).
    kernel_weight : ``gamma``, Tikhonov weight of the kernel step.
    iterations_per_scale : latent/kernel alternations at each scale.
    beta_rate : growth factor of the splitting weight in the latent step.
    conjugate_gradient_steps : iterations of the kernel step's solver.
    cleanup_threshold : taps below this fraction of the peak are zeroed after every kernel step.
    """

    kernel_size: int
    gradient_weight: float = 4e-3
    dark_channel_weight: float = 4e-3
    dark_channel_patch: int = 35
    kernel_weight: float = 2.0
    iterations_per_scale: int = 10
    beta_rate: float = 3.0
    conjugate_gradient_steps: int = 10
    cleanup_threshold: float = 0.05

    def __post_init__(self):
        check_kernel_size(self.kernel_size)
        if self.dark_channel_patch % 2 == 0 or self.dark_channel_patch < 1:
            raise ValueError(f"dark_channel_patch must be a positive odd integer, got {self.dark_channel_patch}")
        if self.beta_rate <= 1:
            raise ValueError(f"beta_rate must exceed 1, got {self.beta_rate}")
        if self.gradient_weight <= 0 or self.kernel_weight <= 0 or self.dark_channel_weight < 0:
            raise ValueError("gradient_weight and kernel_weight must be positive, dark_channel_weight >= 0")
        if not 0 <= self.cleanup_threshold < 1:
            raise ValueError(f"cleanup_threshold must lie in [0, 1), got {self.cleanup_threshold}")

    def to_dict(self) -> dict:
        return asdict(self)


def pyramid_kernel_sizes(kernel_size: int) -> list[int]:
    """Odd kernel sizes from coarse to fine, each about ``1/sqrt(2)`` of the next.

    >>> pyramid_kernel_sizes(27)
    [3, 5, 9, 13, 19, 27]
    """
    sizes = [kernel_size]
    while sizes[-1] > COARSEST_KERNEL:
        smaller = int(round(sizes[-1] * SCALE_RATIO))
        smaller = max(COARSEST_KERNEL, smaller - (smaller % 2 == 0))
        sizes.append(smaller if smaller < sizes[-1] else sizes[-1] - 2)
    return sizes[::-1]


def periodic_extension(images: torch.Tensor, extra_rows: int, extra_columns: int) -> torch.Tensor:
    """Append rows and columns that blend each border into the opposite one.

    The result, seen as a periodic image, has no jump at its borders, so FFT-based
    solvers do not ring there. ``images`` is ``(B, H, W)``.
    """

    def ramp(count):
        t = torch.arange(1, count + 1, dtype=images.dtype, device=images.device) / (count + 1)
        return 0.5 - 0.5 * torch.cos(math.pi * t)

    # the added band rises smoothly from the last pixel's value to the first pixel's
    t = ramp(extra_columns)
    widened = torch.cat([images, images[..., -1:] * (1 - t) + images[..., :1] * t], dim=-1)
    t = ramp(extra_rows)[:, None]
    return torch.cat([widened, widened[..., -1:, :] * (1 - t) + widened[..., :1, :] * t], dim=-2)


def _grad(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Circular forward differences along columns and rows."""
    return torch.roll(x, -1, dims=-1) - x, torch.roll(x, -1, dims=-2) - x


def _grad_adjoint(gx: torch.Tensor, gy: torch.Tensor) -> torch.Tensor:
    return (torch.roll(gx, 1, dims=-1) - gx) + (torch.roll(gy, 1, dims=-2) - gy)


# every signal here is real, so half-spectra (rfft2) carry everything at half the cost
def _fft(x: torch.Tensor) -> torch.Tensor:
    return torch.fft.rfft2(x)


def _ifft(spectrum: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    return torch.fft.irfft2(spectrum, s=shape)


def fft_friendly(length: int) -> int:
    """Smallest integer >= ``length`` with no prime factor above 7 (fast FFT sizes).

    >>> fft_friendly(255), fft_friendly(256), fft_friendly(263)
    (256, 256, 270)
    """
    n = length
    while True:
        m = n
        for p in (2, 3, 5, 7):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


def _otf(kernels: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """Half-spectrum of each ``(B, kh, kw)`` kernel zero-padded to ``shape``, centre rolled to (0, 0)."""
    kh, kw = kernels.shape[-2:]
    padded = kernels.new_zeros(kernels.shape[0], *shape)
    padded[:, :kh, :kw] = kernels
    return _fft(torch.roll(padded, (-(kh // 2), -(kw // 2)), dims=(-2, -1)))


def _support(spectra: torch.Tensor, shape: tuple[int, int], size: int) -> torch.Tensor:
    """Inverse of :func:`_otf`: the ``size x size`` taps around the centre of an inverse FFT."""
    spatial = _ifft(spectra, shape)
    return torch.roll(spatial, (size // 2, size // 2), dims=(-2, -1))[:, :size, :size]


def _difference_spectrum(shape, dtype, device) -> torch.Tensor:
    """``|F dx|^2 + |F dy|^2`` of the forward differences on a periodic grid (half-spectrum)."""
    wy = 2 * math.pi * torch.fft.fftfreq(shape[0], device=device, dtype=dtype)
    wx = 2 * math.pi * torch.fft.rfftfreq(shape[1], device=device, dtype=dtype)
    return (2 - 2 * torch.cos(wy))[:, None] + (2 - 2 * torch.cos(wx))[None, :]


def _sliding_min(x: torch.Tensor, size: int, dim: int) -> torch.Tensor:
    """Centred running minimum of odd width ``size`` along ``dim`` (outside counts as +inf).

    Minima over windows of 1, 2, 4, ... samples are built by doubling, and two
    overlapping power-of-two windows cover any width: log2(size) operations per
    sample instead of ``size``.
    """
    pad = [0, 0] * (x.ndim - 1 - dim % x.ndim) + [size // 2, size // 2]
    padded = F.pad(x, pad, value=math.inf)
    length = x.shape[dim]
    span, minima = 1, padded
    while 2 * span <= size:
        n = minima.shape[dim] - span
        minima = torch.minimum(minima.narrow(dim, 0, n), minima.narrow(dim, span, n))
        span *= 2
    return torch.minimum(minima.narrow(dim, 0, length), minima.narrow(dim, size - span, length))


def _min_filter(x: torch.Tensor, size: int) -> torch.Tensor:
    return _sliding_min(_sliding_min(x, size, -1), size, -2)


def _max_filter(x: torch.Tensor, size: int) -> torch.Tensor:
    return -_min_filter(-x, size)


def dark_channel(x: torch.Tensor, patch: int) -> torch.Tensor:
    """Minimum of each ``patch x patch`` neighbourhood of a grey ``(B, H, W)`` stack (He et al.'s dark channel)."""
    return _min_filter(x, patch)


def _dark_channel_target(x: torch.Tensor, patch: int, threshold: float) -> torch.Tensor:
    """Pan et al.'s dark-channel sub-step: ``x`` with its dark channel hard-thresholded.

    The dark channel's values whose square falls below ``threshold`` become zero
    and go back to the pixels they came from; other pixels keep their value. A pixel
    supplies the minimum of some patch exactly when it equals the largest dark-channel
    value among the patches that contain it, which finds those pixels with two
    separable filters instead of tracking arg-minima.
    """
    supplies_minimum = _max_filter(dark_channel(x, patch), patch) == x
    return x.masked_fill(supplies_minimum & (x**2 < threshold), 0.0)


def latent_step(
    blurry_spectrum: torch.Tensor,
    kernel_otf: torch.Tensor,
    differences: torch.Tensor,
    shape: tuple[int, int],
    gradient_weight: float,
    dark_channel_weight: float,
    dark_channel_patch: int,
    beta_rate: float,
) -> torch.Tensor:
    """L0-regularised latent image for fixed kernels, by half-quadratic splitting."""
    data_numerator = torch.conj(kernel_otf) * blurry_spectrum
    data_denominator = kernel_otf.abs() ** 2
    latent = _ifft(blurry_spectrum, shape)
    use_dark = dark_channel_weight > 0
    # the dark channel's splitting weight grows alongside the gradients' (one loop, not Pan's nested two)
    beta = 2 * gradient_weight
    dark_beta = 2 * dark_channel_weight
    while beta < BETA_MAX:
        gx, gy = _grad(latent)
        small = gx**2 + gy**2 < gradient_weight / beta
        gx = gx.masked_fill(small, 0.0)
        gy = gy.masked_fill(small, 0.0)
        # the prior targets are summed in the image domain: one FFT per step, not one per term
        prior_target = beta * _grad_adjoint(gx, gy)
        denominator = data_denominator + beta * differences
        # once the threshold is below half a grey level, the dark-channel step changes nothing visible
        if use_dark and dark_channel_weight / dark_beta >= DARK_CHANNEL_FLOOR:
            target = _dark_channel_target(latent, dark_channel_patch, dark_channel_weight / dark_beta)
            prior_target = prior_target + dark_beta * target
            denominator = denominator + dark_beta
            dark_beta *= beta_rate
        latent = _ifft((data_numerator + _fft(prior_target)) / denominator, shape)
        beta *= beta_rate
    return latent


def salient_gradient_threshold(gx: torch.Tensor, gy: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """Per image, the largest squared gradient magnitude that still keeps ``20 x kernel_size``
    gradients in each of four orientation bins (Cho & Lee's rule, as Pan et al. use it).

    Keeping every direction represented is what lets the kernel step see the blur
    along all directions instead of only along the image's dominant edges.
    """
    magnitude = gx**2 + gy**2
    angle = torch.atan2(gy, gx) % math.pi
    bins = torch.clamp((angle / (math.pi / 4)).long(), max=3)
    wanted = min(20 * kernel_size, magnitude[0].numel() // 4)
    flat_magnitude, flat_bins = magnitude.flatten(1), bins.flatten(1)
    per_bin = [
        torch.where(flat_bins == b, flat_magnitude, torch.zeros_like(flat_magnitude)).topk(wanted, dim=1).values[:, -1]
        for b in range(4)
    ]
    return torch.stack(per_bin, dim=1).min(dim=1).values


def kernel_step(
    latent: torch.Tensor,
    blurry: torch.Tensor,
    kernels: torch.Tensor,
    kernel_weight: float,
    steps: int,
    gradient_threshold: torch.Tensor,
) -> torch.Tensor:
    """Least-squares kernels in the gradient domain, confined to their support (conjugate gradients).

    Only latent gradients whose squared magnitude reaches ``gradient_threshold`` (one
    value per image) take part: faint gradients carry noise and ringing, not blur.
    """
    size = kernels.shape[-1]
    shape = tuple(latent.shape[-2:])
    gx, gy = _grad(latent)
    faint = (gx**2 + gy**2) < gradient_threshold[:, None, None]
    lx, ly = (_fft(g.masked_fill(faint, 0.0)) for g in (gx, gy))
    bx, by = (_fft(g) for g in _grad(blurry))
    gram = lx.abs() ** 2 + ly.abs() ** 2
    rhs = _support(torch.conj(lx) * bx + torch.conj(ly) * by, shape, size)

    def apply(k):
        return _support(gram * _otf(k, shape), shape, size) + kernel_weight * k

    k = kernels
    residual = rhs - apply(k)
    direction = residual
    rr = (residual**2).sum(dim=(-2, -1), keepdim=True)
    for _ in range(steps):
        a_dir = apply(direction)
        alpha = rr / (direction * a_dir).sum(dim=(-2, -1), keepdim=True).clamp_min(1e-30)
        k = k + alpha * direction
        residual = residual - alpha * a_dir
        rr_next = (residual**2).sum(dim=(-2, -1), keepdim=True)
        direction = residual + (rr_next / rr.clamp_min(1e-30)) * direction
        rr = rr_next
    return k


def clean_kernels(
    kernels: torch.Tensor, relative_threshold: float = 0.05, min_component_mass: float = 0.1
) -> torch.Tensor:
    """Zero negative, faint (< ``relative_threshold`` x peak) and isolated taps; renormalise.

    A kernel left with no positive tap becomes a delta (the no-blur estimate).
    """
    cleaned = []
    for k in kernels.detach().cpu().double().numpy():
        k = np.clip(k, 0, None)
        if k.max() <= 0 or not np.isfinite(k).all():
            cleaned.append(delta_kernel(k.shape[0]))
            continue
        k[k < relative_threshold * k.max()] = 0
        components, count = ndimage.label(k > 0, structure=np.ones((3, 3)))
        if count > 1:
            masses = ndimage.sum(k, components, index=np.arange(1, count + 1))
            for index in np.flatnonzero(masses < min_component_mass * masses.sum()):
                k[components == index + 1] = 0
        cleaned.append(k / k.sum())
    return torch.as_tensor(np.stack(cleaned), dtype=kernels.dtype, device=kernels.device)


def recentre_kernels(kernels: torch.Tensor) -> torch.Tensor:
    """Shift each kernel by whole pixels so that its centroid sits on the centre tap."""
    size = kernels.shape[-1]
    coords = torch.arange(size, dtype=kernels.dtype, device=kernels.device)
    mass = kernels.sum(dim=(-2, -1))
    cy = (kernels.sum(-1) * coords).sum(-1) / mass
    cx = (kernels.sum(-2) * coords).sum(-1) / mass
    shifted = []
    for k, y, x in zip(kernels, cy.tolist(), cx.tolist()):
        dy, dx = size // 2 - int(round(y)), size // 2 - int(round(x))
        moved = torch.zeros_like(k)
        src_y, dst_y = slice(max(0, -dy), size - max(0, dy)), slice(max(0, dy), size - max(0, -dy))
        src_x, dst_x = slice(max(0, -dx), size - max(0, dx)), slice(max(0, dx), size - max(0, -dx))
        moved[dst_y, dst_x] = k[src_y, src_x]
        shifted.append(moved / moved.sum().clamp_min(1e-12))
    return torch.stack(shifted)


def _resize(images: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    if tuple(images.shape[-2:]) == tuple(shape):
        return images
    return F.interpolate(images[:, None], size=shape, mode="bilinear", align_corners=False, antialias=True)[:, 0]


def _initial_kernels(batch: int, dtype, device) -> torch.Tensor:
    # a small isotropic blob: no preferred direction, and not the delta that the L0 prior would keep
    blob = torch.tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]], dtype=dtype, device=device)
    return (blob / blob.sum()).expand(batch, 3, 3).clone()


def check_blurry_batch(blurry: np.ndarray, kernel_size: int) -> np.ndarray:
    """Validate images for estimation: finite, 2-D or a stack, larger than the kernel, not constant."""
    blurry = np.asarray(blurry, dtype=np.float64)
    if blurry.ndim not in (2, 3):
        raise ValueError(
            f"expected a grey image (H, W) or a stack (N, H, W), got shape {blurry.shape}; "
            "convert colour images to grey first"
        )
    if blurry.size == 0:
        raise ValueError("no image given: the array is empty")
    if not np.all(np.isfinite(blurry)):
        raise ValueError("blurry image contains NaN or infinite values; clean or re-read the file")
    check_kernel_size(kernel_size, blurry.shape[-2:])
    stack = blurry.reshape(-1, *blurry.shape[-2:])
    flat = np.ptp(stack.reshape(len(stack), -1), axis=1) < 1e-6
    if flat.any():
        warnings.warn(
            f"{int(flat.sum())} image(s) are constant (no edges): their kernel cannot be "
            "estimated and is returned as a delta",
            stacklevel=3,
        )
    return blurry


def _estimate_batch(blurry: torch.Tensor, config: EstimatorConfig) -> torch.Tensor:
    batch, height, width = blurry.shape
    kernels = _initial_kernels(batch, blurry.dtype, blurry.device)
    for size in pyramid_kernel_sizes(config.kernel_size):
        factor = size / config.kernel_size
        shape = (max(size, round(height * factor)), max(size, round(width * factor)))
        # extend by at least the kernel size, up to a size whose FFT is fast
        observed = periodic_extension(
            _resize(blurry, shape), fft_friendly(shape[0] + size) - shape[0], fft_friendly(shape[1] + size) - shape[1]
        )
        padded_shape = tuple(observed.shape[-2:])
        kernels = recentre_kernels(clean_kernels(_resize(kernels, (size, size)).clamp_min(0), config.cleanup_threshold))
        spectrum = _fft(observed)
        differences = _difference_spectrum(padded_shape, blurry.dtype, blurry.device)
        weight = config.gradient_weight
        threshold = None
        for _ in range(config.iterations_per_scale):
            latent = latent_step(
                spectrum,
                _otf(kernels, padded_shape),
                differences,
                padded_shape,
                weight,
                config.dark_channel_weight,
                config.dark_channel_patch,
                config.beta_rate,
            )
            if threshold is None:
                threshold = salient_gradient_threshold(*_grad(latent), size)
            kernels = kernel_step(
                latent, observed, kernels, config.kernel_weight, config.conjugate_gradient_steps, threshold
            )
            threshold = threshold / 1.1
            kernels = clean_kernels(kernels, config.cleanup_threshold)
            weight = max(weight / 1.1, 1e-4)
    return recentre_kernels(kernels)


def estimate_kernels(
    blurry: np.ndarray,
    config: EstimatorConfig,
    *,
    batch_size: int = 16,
    device: torch.device | str | None = None,
    progress: bool = False,
    description: str = "kernel estimation",
) -> np.ndarray:
    """Estimate one kernel per image of a stack ``(N, H, W)``, ``batch_size`` images per call.

    Returns an array ``(N, k, k)`` of non-negative kernels summing to one. Constant
    images (no edges) get a delta kernel and a warning.
    """
    blurry = check_blurry_batch(blurry, config.kernel_size)
    stack = blurry.reshape(-1, *blurry.shape[-2:])
    device = select_device(str(device) if device is not None else None)
    results = []
    bar = progress_bar(total=len(stack), desc=description, enabled=progress)
    for start in range(0, len(stack), batch_size):
        chunk = torch.as_tensor(stack[start : start + batch_size], dtype=torch.float32, device=device)
        with torch.no_grad():
            results.append(_estimate_batch(chunk, config).double().cpu().numpy())
        bar.update(len(chunk))
    bar.close()
    kernels = np.concatenate(results)
    constant = np.ptp(stack.reshape(len(stack), -1), axis=1) < 1e-6
    kernels[constant] = 0
    kernels[constant, config.kernel_size // 2, config.kernel_size // 2] = 1
    return kernels / kernels.sum(axis=(-2, -1), keepdims=True)


def estimate_kernel(blurry: np.ndarray, kernel_size: int, **options) -> np.ndarray:
    """Estimate the kernel of one grey image ``(H, W)`` in [0, 1]; ``options`` go to :class:`EstimatorConfig`."""
    blurry = np.asarray(blurry)
    if blurry.ndim != 2:
        raise ValueError(
            f"estimate_kernel takes one grey image (H, W), got shape {blurry.shape}; use estimate_kernels for a stack"
        )
    return estimate_kernels(blurry[None], EstimatorConfig(kernel_size, **options))[0]
