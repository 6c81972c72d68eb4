"""Image-quality metrics and Levin et al.'s comparison up to a shift.

Images are NumPy arrays in [0, 1], grey ``(H, W)`` or colour ``(H, W, C)``.

A blind method recovers the image only up to a translation (a shifted kernel
with the opposite shift in the image explains the blurry image equally well), so
the deblurring benchmarks (Levin et al. 2009; SelfDeblur, Sec. 4.1; region
selection, Sec. 4.2) compare an estimate with the truth after the best sub-pixel
shift: ``shifts`` of +-5 px in steps of 0.25 px with bilinear resampling, scored on
the image without a 15 px border.

Examples
--------
>>> import numpy as np
>>> sharp = np.random.default_rng(0).random((61, 61))
>>> moved = np.roll(sharp, (2, -1), axis=(0, 1))
>>> res = compare_up_to_shift(moved, sharp, border=8)
>>> res.shift, res.psnr > 100
((2.0, -1.0), True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

LEVIN_MAX_SHIFT = 5.0
LEVIN_SHIFT_STEP = 0.25
LEVIN_BORDER = 15


def _pair(estimate, reference) -> tuple[np.ndarray, np.ndarray]:
    estimate = np.asarray(estimate, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if estimate.shape != reference.shape:
        raise ValueError(
            f"estimate {estimate.shape} and reference {reference.shape} differ in shape; "
            "compare images of the same size"
        )
    if not (np.all(np.isfinite(estimate)) and np.all(np.isfinite(reference))):
        raise ValueError("image contains NaN or infinite values")
    return estimate, reference


def psnr(estimate, reference) -> float:
    """Peak signal-to-noise ratio in dB for images in [0, 1] (scikit-image)."""
    estimate, reference = _pair(estimate, reference)
    estimate = np.clip(estimate, 0, 1)
    if np.array_equal(estimate, reference):
        return float("inf")
    return float(peak_signal_noise_ratio(reference, estimate, data_range=1.0))


def ssim(estimate, reference) -> float:
    """Structural similarity (scikit-image, Gaussian-weighted as in Wang et al. 2004)."""
    estimate, reference = _pair(estimate, reference)
    channel_axis = -1 if reference.ndim == 3 else None
    return float(
        structural_similarity(
            reference,
            np.clip(estimate, 0, 1),
            data_range=1.0,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            channel_axis=channel_axis,
        )
    )


def mae(estimate, reference) -> float:
    """Mean absolute error."""
    estimate, reference = _pair(estimate, reference)
    return float(np.abs(estimate - reference).mean())


@dataclass(frozen=True)
class ShiftComparison:
    """Result of :func:`compare_up_to_shift`: scores of the best-aligned estimate."""

    psnr: float
    ssim: float
    sse: float
    shift: tuple[float, float]
    aligned: np.ndarray


def _bilinear_crop(image: np.ndarray, border: int, dy: float, dx: float) -> np.ndarray:
    """The crop of ``image`` sampled at p + (dy, dx) for p in the inner region (bilinear)."""
    h, w = image.shape[:2]
    iy, fy = int(np.floor(dy)), dy - np.floor(dy)
    ix, fx = int(np.floor(dx)), dx - np.floor(dx)

    def take(oy, ox):
        return image[border + iy + oy : h - border + iy + oy, border + ix + ox : w - border + ix + ox]

    top = (1 - fx) * take(0, 0) + fx * take(0, 1)
    bottom = (1 - fx) * take(1, 0) + fx * take(1, 1)
    return (1 - fy) * top + fy * bottom


def _box_sums(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Sums of ``values`` over every ``size`` window ('valid' positions), from an integral image."""
    integral = np.zeros((values.shape[0] + 1, values.shape[1] + 1))
    integral[1:, 1:] = values.cumsum(0).cumsum(1)
    sh, sw = size
    return integral[sh:, sw:] - integral[:-sh, sw:] - integral[sh:, :-sw] + integral[:-sh, :-sw]


def _shift_errors(estimate: np.ndarray, target: np.ndarray, border: int, shifts: np.ndarray) -> np.ndarray:
    """The squared error of every shift ``(shifts[i], shifts[j])``, to about 1e-12 of ``sum(target**2)``.

    A bilinear shift is a fixed blend of the image (one per fractional part) read at a whole-pixel offset, so
    ``SSE = sum(crop**2) - 2 sum(crop * target) + sum(target**2)`` takes one box sum and one FFT correlation per
    fractional part instead of one pass over the image per shift.
    """
    from scipy.signal import fftconvolve

    h, w = estimate.shape[:2]
    channels = estimate.reshape(h, w, -1)
    target_channels = target.reshape(target.shape[0], target.shape[1], -1)
    whole, fraction = np.floor(shifts).astype(int), shifts - np.floor(shifts)
    errors = np.empty((len(shifts), len(shifts)))
    for fy in np.unique(fraction):
        rows = np.flatnonzero(fraction == fy)
        for fx in np.unique(fraction):
            cols = np.flatnonzero(fraction == fx)
            y0, y1, x0, x1 = whole[rows].min(), whole[rows].max(), whole[cols].min(), whole[cols].max()
            grid = np.zeros((y1 - y0 + 1, x1 - x0 + 1))
            for c in range(channels.shape[2]):
                e = channels[..., c]
                blend = (1 - fy) * (1 - fx) * e[:-1, :-1] + (1 - fy) * fx * e[:-1, 1:] + fy * (1 - fx) * e[1:, :-1]
                blend = blend + fy * fx * e[1:, 1:]
                region = blend[border + y0 : h - border + y1, border + x0 : w - border + x1]
                t = target_channels[..., c]
                grid += _box_sums(region**2, t.shape) - 2 * fftconvolve(region, t[::-1, ::-1], mode="valid")
                grid += float(np.sum(t**2))
            errors[np.ix_(rows, cols)] = grid[np.ix_(whole[rows] - y0, whole[cols] - x0)]
    return errors


def levin_border(shape) -> int:
    """Levin's 15 px border, shrunk for small crops (at least 6 px, an eighth of the side)."""
    return min(LEVIN_BORDER, max(6, min(shape[:2]) // 8))


def compare_up_to_shift(
    estimate, reference, max_shift: float = LEVIN_MAX_SHIFT, step: float = LEVIN_SHIFT_STEP, border: int = LEVIN_BORDER
) -> ShiftComparison:
    """Align ``estimate`` to ``reference`` by the sub-pixel shift with the least squared
    error, then score it (Levin et al.'s ``comp_upto_shift``).

    Parameters
    ----------
    max_shift, step : float
        Shifts searched in each direction: ``-max_shift .. max_shift`` in ``step``.
    border : int
        Pixels dropped on every side before scoring; must exceed ``max_shift``.
    """
    estimate, reference = _pair(estimate, reference)
    if border <= max_shift:
        raise ValueError(f"border ({border}) must exceed the largest shift ({max_shift})")
    if min(reference.shape[:2]) <= 2 * border + 2:
        raise ValueError(f"image {reference.shape[:2]} is too small for a {border} px border")
    target = reference[border:-border, border:-border]
    shifts = np.arange(-max_shift, max_shift + step / 2, step)
    # the fast errors narrow the search to near-ties, which are then computed exactly in the search order, so the
    # result is the exhaustive search's: the first shift of least error, dy before dx
    errors = _shift_errors(estimate, target, border, shifts)
    tolerance = 1e-9 * (float(np.sum(target**2)) + 1.0)
    best = None
    for i, j in zip(*np.nonzero(errors <= errors.min() + tolerance)):
        crop = _bilinear_crop(estimate, border, float(shifts[i]), float(shifts[j]))
        sse = float(np.sum((crop - target) ** 2))
        if best is None or sse < best[0]:
            best = (sse, (float(shifts[i]), float(shifts[j])), crop)
    sse, shift, aligned = best
    return ShiftComparison(
        psnr=psnr(aligned, target), ssim=ssim(aligned, target), sse=sse, shift=shift, aligned=aligned
    )


def compare_with_levin_border(estimate, reference, step: float = LEVIN_SHIFT_STEP) -> ShiftComparison:
    """:func:`compare_up_to_shift` with Levin's border shrunk for small images
    (:func:`levin_border`) and the shift range kept inside it."""
    border = levin_border(np.shape(reference))
    return compare_up_to_shift(
        estimate, reference, max_shift=min(LEVIN_MAX_SHIFT, border - 1), step=step, border=border
    )


def error_ratio(estimate, estimate_true_kernel, reference, **shift_options) -> float:
    """Levin et al.'s error ratio ``||x_hat - x||^2 / ||x_hat_k - x||^2``.

    ``estimate_true_kernel`` is the same blurry image deconvolved with the true kernel
    by the same non-blind method; both errors are measured up to a shift. A ratio of 1
    means the blind estimate is as good as knowing the kernel.
    """
    blind = compare_up_to_shift(estimate, reference, **shift_options).sse
    known = compare_up_to_shift(estimate_true_kernel, reference, **shift_options).sse
    if known == 0:
        raise ValueError("deconvolution with the true kernel is exact; the error ratio is undefined")
    return blind / known
