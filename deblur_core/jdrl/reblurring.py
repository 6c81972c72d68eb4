"""JDRL's reblurring module: isotropic per-pixel kernels from seeds (JDRL Sec. 3.3, Eq. 6-9).

At every pixel, the kernel-prediction network outputs ``M = 2 + 3 + ... + m`` values,
split into seeds ``s_i = [a_0, ..., a_{i-1}]`` for ``i = 2..m`` (``m = 8``: 35 values).
Seed ``s_i`` becomes an isotropic ``(2i - 1) x (2i - 1)`` kernel (Eq. 7): a tap at
distance ``rho`` from the centre takes ``a_rho`` when ``rho`` is a whole number, the
linear interpolation of ``a_floor(rho)`` and ``a_ceil(rho)`` otherwise, and nothing
beyond ``rho = i - 1``. A softmax over the taps inside that disc makes the kernel
positive and sum to one (taps outside the disc are exactly zero; the paper's text
leaves them to the softmax, which would give them weight, so we read it this way).
Each kernel blurs the deblurred image ``I_hat`` into ``I_hat_B^i``; with the
un-reblurred ``I_hat_B^1 = I_hat`` and softmax weight maps ``W_1..W_m`` from the
weight-prediction network, the reblurred image is ``sum_i W_i * I_hat_B^i`` (Eq. 9).

Two implementations of Eq. 7-9 give the same numbers:

* :func:`reblur_reference` follows the equations literally: it builds every tap of
  every kernel at every pixel and multiplies it with an unfolded copy of the image.
  That is ``9 + 25 + ... + 225 = 679`` taps per pixel and channel, all kept for the
  backward pass.
* :func:`reblur_fast` uses the isotropy: a tap's weight depends only on its distance
  from the centre, and the taps of a 15 x 15 disc fall on 24 distinct distances
  (rings). The image's mean over each ring is computed once for all kernels, by one
  shifted add per tap of the largest disc (149); each kernel is then a softmax over
  at most 24 rings (weighted by the number of taps in each) applied to those means.

Images are padded by reflection (``m - 1`` pixels) so that every pixel has a full
neighbourhood.

Examples
--------
>>> import torch
>>> kernel = isotropic_kernel(torch.tensor([1.0, 0.0, -1.0]))
>>> kernel.shape, round(float(kernel.sum()), 6), bool(torch.equal(kernel, kernel.T))
(torch.Size([5, 5]), 1.0, True)
"""

from __future__ import annotations

import math
from functools import cache

import torch
import torch.nn.functional as F
from torch import nn

DEFAULT_LEVELS = 8  # m: kernels of 3, 5, ..., 15 px plus the un-reblurred image


def seed_channels(levels: int = DEFAULT_LEVELS) -> int:
    """``M = 2 + 3 + ... + m``, the number of seed values per pixel (35 for ``m = 8``)."""
    _check_levels(levels)
    return levels * (levels + 1) // 2 - 1


def _check_levels(levels: int) -> None:
    if int(levels) != levels or levels < 2:
        raise ValueError(f"levels (m) must be an integer >= 2, got {levels}")


@cache
def _rings(radius: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Squared distances of the distinct rings inside a disc of ``radius``, sorted, and their radii."""
    squares = sorted(
        {
            dy * dy + dx * dx
            for dy in range(-radius, radius + 1)
            for dx in range(-radius, radius + 1)
            if dy * dy + dx * dx <= radius * radius
        }
    )
    return tuple(squares), tuple(math.sqrt(s) for s in squares)


def _interpolation(radii, seed_length: int, dtype, device) -> torch.Tensor:
    """Matrix turning a seed ``[a_0 .. a_{i-1}]`` into the values at ``radii`` (Eq. 7), one row per radius."""
    matrix = torch.zeros(len(radii), seed_length, dtype=dtype, device=device)
    for row, rho in enumerate(radii):
        low, frac = int(math.floor(rho)), rho - math.floor(rho)
        matrix[row, low] += 1 - frac
        if frac > 0:
            matrix[row, low + 1] += frac
    return matrix


def isotropic_kernel(seed: torch.Tensor) -> torch.Tensor:
    """Eq. 7 + softmax: the ``(2i-1) x (2i-1)`` kernel of a seed of length ``i`` (leading dims kept)."""
    length = seed.shape[-1]
    if length < 2:
        raise ValueError(f"a seed needs at least 2 values (a 3 x 3 kernel), got {length}")
    radius = length - 1
    offsets = torch.arange(-radius, radius + 1, dtype=seed.dtype, device=seed.device)
    rho = torch.sqrt(offsets[:, None] ** 2 + offsets[None, :] ** 2).flatten()
    inside = rho <= radius + 1e-9
    matrix = _interpolation(
        [float(r) if r <= radius + 1e-9 else 0.0 for r in rho.tolist()], length, seed.dtype, seed.device
    )
    logits = (seed @ matrix.T).masked_fill(~inside, float("-inf"))
    return torch.softmax(logits, dim=-1).reshape(*seed.shape[:-1], 2 * radius + 1, 2 * radius + 1)


def split_seeds(seeds: torch.Tensor, levels: int = DEFAULT_LEVELS) -> list[torch.Tensor]:
    """Split ``(B, M, H, W)`` seeds into ``[s_2, ..., s_m]``, each ``(B, i, H, W)``."""
    expected = seed_channels(levels)
    if seeds.shape[1] != expected:
        raise ValueError(f"seeds have {seeds.shape[1]} channels; m = {levels} needs {expected} (2 + 3 + ... + m)")
    return list(torch.split(seeds, list(range(2, levels + 1)), dim=1))


def _check_inputs(image: torch.Tensor, seeds: torch.Tensor, weights: torch.Tensor, levels: int) -> None:
    if image.ndim != 4 or seeds.ndim != 4 or weights.ndim != 4:
        raise ValueError("image, seeds and weights must be (B, C, H, W) tensors")
    if (
        image.shape[0] != seeds.shape[0]
        or image.shape[-2:] != seeds.shape[-2:]
        or weights.shape[-2:] != image.shape[-2:]
        or weights.shape[0] != image.shape[0]
    ):
        raise ValueError(
            f"image {tuple(image.shape)}, seeds {tuple(seeds.shape)} and weights "
            f"{tuple(weights.shape)} must share batch size, height and width"
        )
    if weights.shape[1] != levels:
        raise ValueError(f"weights have {weights.shape[1]} maps; m = {levels} needs {levels}")
    if min(image.shape[-2:]) <= levels - 1:
        raise ValueError(f"image {tuple(image.shape[-2:])} is too small for kernels of {2 * levels - 1} px")


def reblur_reference(
    image: torch.Tensor, seeds: torch.Tensor, weights: torch.Tensor, levels: int = DEFAULT_LEVELS
) -> torch.Tensor:
    """Eq. 7-9 tap by tap: every kernel materialised at every pixel (slow; the tests' yardstick).

    Parameters
    ----------
    image : (B, C, H, W) deblurred image ``I_hat``.
    seeds : (B, M, H, W) kernel seeds from the kernel-prediction network.
    weights : (B, m, H, W) weight maps, already softmax-normalised over the ``m`` maps.
    """
    _check_inputs(image, seeds, weights, levels)
    kernels = [
        isotropic_kernel(seed.permute(0, 2, 3, 1)).flatten(-2).permute(0, 3, 1, 2)
        for seed in split_seeds(seeds, levels)
    ]
    return _apply_pixel_kernels(image, kernels, weights, levels)


def _apply_pixel_kernels(
    image: torch.Tensor, kernels: list[torch.Tensor], weights: torch.Tensor, levels: int
) -> torch.Tensor:
    """Eq. 9 with explicit per-pixel kernels: ``kernels[j]`` is (B, (2j+3)^2, H, W), taps row by row."""
    pad = levels - 1
    padded = F.pad(image, (pad,) * 4, mode="reflect")
    batch, channels, height, width = image.shape
    result = weights[:, :1] * image
    for level, kernel in enumerate(kernels, start=1):
        radius = level
        size = 2 * radius + 1
        crop = pad - radius
        region = padded[..., crop : padded.shape[-2] - crop, crop : padded.shape[-1] - crop]
        patches = F.unfold(region, size).reshape(batch, channels, size * size, height, width)
        blurred = (patches * kernel[:, None]).sum(dim=2)
        result = result + weights[:, level : level + 1] * blurred
    return result


def free_kernel_channels(levels: int = DEFAULT_LEVELS) -> int:
    """Channels of unconstrained kernels of 3, 5, ..., 2m-1 px: 679 for ``m = 8`` (ablation #5)."""
    _check_levels(levels)
    return sum((2 * i - 1) ** 2 for i in range(2, levels + 1))


def reblur_free(
    image: torch.Tensor, kernel_logits: torch.Tensor, weights: torch.Tensor, levels: int = DEFAULT_LEVELS
) -> torch.Tensor:
    """Eq. 9 with unconstrained per-pixel kernels (JDRL ablation #5, 'without the isotropic design').

    ``kernel_logits`` is (B, 9 + 25 + ... + (2m-1)^2, H, W); each kernel is a softmax over
    all its taps, so it may be lopsided and shift the image, which isotropy rules out.
    """
    expected = free_kernel_channels(levels)
    if kernel_logits.shape[1] != expected:
        raise ValueError(f"kernel logits have {kernel_logits.shape[1]} channels; m = {levels} needs {expected}")
    _check_inputs(image, kernel_logits[:, : seed_channels(levels)], weights, levels)
    sizes = [(2 * i - 1) ** 2 for i in range(2, levels + 1)]
    kernels = [torch.softmax(chunk, dim=1) for chunk in torch.split(kernel_logits, sizes, dim=1)]
    return _apply_pixel_kernels(image, kernels, weights, levels)


@cache
def _ring_taps(levels: int) -> tuple[tuple[tuple[int, int, int], ...], torch.Tensor, tuple[float, ...]]:
    """Every tap of the largest disc as (ring, row offset, column offset) into the padded image,
    the number of taps per ring, and the ring radii."""
    radius = levels - 1
    squares, radii = _rings(radius)
    index = {s: n for n, s in enumerate(squares)}
    taps = tuple(
        (index[dy * dy + dx * dx], dy + radius, dx + radius)
        for dy in range(-radius, radius + 1)
        for dx in range(-radius, radius + 1)
        if dy * dy + dx * dx in index
    )
    counts = torch.bincount(torch.tensor([t[0] for t in taps]), minlength=len(squares)).double()
    return taps, counts, radii


class _RingMeans(torch.autograd.Function):
    """Mean over each ring, by one shifted add per tap (149 for m = 8) instead of a dense 15 x 15 bank.

    The backward pass scatters the ring gradients back through the same shifts.
    """

    @staticmethod
    def forward(ctx, padded: torch.Tensor, levels: int) -> torch.Tensor:
        taps, counts, _ = _ring_taps(levels)
        pad = levels - 1
        height, width = padded.shape[-2] - 2 * pad, padded.shape[-1] - 2 * pad
        sums = padded.new_zeros(padded.shape[0], len(counts), height, width)
        for ring, dy, dx in taps:
            sums[:, ring] += padded[:, dy : dy + height, dx : dx + width]
        scale = (1 / counts).to(device=padded.device, dtype=padded.dtype)
        ctx.levels, ctx.padded_shape = levels, padded.shape
        ctx.save_for_backward(scale)
        return sums * scale[:, None, None]

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (scale,) = ctx.saved_tensors
        taps, _, _ = _ring_taps(ctx.levels)
        scaled = grad * scale[:, None, None]
        height, width = grad.shape[-2:]
        grad_padded = grad.new_zeros(ctx.padded_shape)
        for ring, dy, dx in taps:
            grad_padded[:, dy : dy + height, dx : dx + width] += scaled[:, ring]
        return grad_padded, None


def ring_means(image: torch.Tensor, levels: int = DEFAULT_LEVELS) -> torch.Tensor:
    """Mean of the (reflect-padded) image over each ring around each pixel: (B, C, rings, H, W)."""
    batch, channels, height, width = image.shape
    pad = levels - 1
    padded = F.pad(image, (pad,) * 4, mode="reflect").reshape(batch * channels, height + 2 * pad, width + 2 * pad)
    means = _RingMeans.apply(padded, levels)
    return means.reshape(batch, channels, means.shape[1], height, width)


def reblur_fast(
    image: torch.Tensor, seeds: torch.Tensor, weights: torch.Tensor, levels: int = DEFAULT_LEVELS
) -> torch.Tensor:
    """Eq. 7-9 by ring sums: the same result as :func:`reblur_reference`, a fraction of the work and memory."""
    _check_inputs(image, seeds, weights, levels)
    _, counts, radii = _ring_taps(levels)
    means = ring_means(image, levels)
    log_counts = counts.log().to(device=image.device, dtype=image.dtype)
    result = weights[:, :1] * image
    for level, seed in enumerate(split_seeds(seeds, levels), start=1):
        radius = seed.shape[1] - 1
        rings = sum(1 for r in radii if r <= radius + 1e-9)
        matrix = _interpolation(radii[:rings], radius + 1, image.dtype, image.device)
        # a ring of n taps carries n equal taps: softmax over rings with log n added is the softmax over taps
        logits = torch.einsum("ri,bihw->brhw", matrix, seed) + log_counts[:rings, None, None]
        ring_weights = torch.softmax(logits, dim=1)
        # a broadcast product and sum: einsum would route this through batched matmuls and layout copies
        blurred = (ring_weights[:, None] * means[:, :, :rings]).sum(dim=2)
        result = result + weights[:, level : level + 1] * blurred
    return result


def _conv_stack(in_channels: int, width: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, width, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(width, width, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(width, out_channels, 3, padding=1),
    )


class ReblurModule(nn.Module):
    """Kernel- and weight-prediction networks plus reblurring (JDRL Fig. 3, Eq. 6-9).

    Both networks read the concatenation of the deblurred and the blurry image. ``forward``
    returns the reblurred image ``I_hat_B``. The two switches give the ablation variants:
    ``isotropic=False`` predicts unconstrained kernels (#5), and ``weight_prediction=False``
    drops the weight network and averages the ``m`` images with equal weights (#6).
    """

    def __init__(
        self,
        channels: int = 3,
        levels: int = DEFAULT_LEVELS,
        width: int = 32,
        *,
        isotropic: bool = True,
        weight_prediction: bool = True,
    ):
        super().__init__()
        _check_levels(levels)
        self.levels, self.isotropic = levels, isotropic
        outputs = seed_channels(levels) if isotropic else free_kernel_channels(levels)
        self.kernel_prediction = _conv_stack(2 * channels, width, outputs)
        self.weight_prediction = _conv_stack(2 * channels, width, levels) if weight_prediction else None

    def predict(self, deblurred: torch.Tensor, blurry: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Seeds (or free kernel logits) and the weight maps ``W`` (B, m, H, W), summing to one."""
        both = torch.cat([deblurred, blurry], dim=1)
        if self.weight_prediction is None:
            weights = deblurred.new_full((deblurred.shape[0], self.levels, *deblurred.shape[-2:]), 1 / self.levels)
        else:
            weights = torch.softmax(self.weight_prediction(both), dim=1)
        return self.kernel_prediction(both), weights

    def forward(self, deblurred: torch.Tensor, blurry: torch.Tensor) -> torch.Tensor:
        kernels, weights = self.predict(deblurred, blurry)
        reblur = reblur_fast if self.isotropic else reblur_free
        return reblur(deblurred, kernels, weights, self.levels)
