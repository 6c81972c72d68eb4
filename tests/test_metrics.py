import numpy as np
import pytest
from scipy import ndimage

from deblur_core.metrics import (
    LEVIN_BORDER,
    LEVIN_MAX_SHIFT,
    LEVIN_SHIFT_STEP,
    compare_up_to_shift,
    error_ratio,
    mae,
    psnr,
    ssim,
)


def image(seed=0, size=71):
    rng = np.random.default_rng(seed)
    return ndimage.gaussian_filter(rng.random((size, size)), 1.0)


def test_psnr_known_value():
    ref = np.zeros((15, 15))
    assert psnr(ref + 0.1, ref) == pytest.approx(20.0)
    assert mae(ref + 0.1, ref) == pytest.approx(0.1)
    assert ssim(ref, ref) == pytest.approx(1.0)


def test_subpixel_shift_is_found():
    sharp = image(1)
    shifted = ndimage.shift(sharp, (1.25, -2.5), order=1, mode="nearest")
    result = compare_up_to_shift(shifted, sharp)
    assert result.shift == (1.25, -2.5)
    assert result.psnr > 30


def test_shift_search_beats_plain_psnr():
    sharp = image(2)
    moved = np.roll(sharp, 3, axis=1)
    assert compare_up_to_shift(moved, sharp).psnr > psnr(moved, sharp) + 10


def test_error_ratio():
    sharp = image(3)
    rng = np.random.default_rng(0)
    good = sharp + 0.01 * rng.standard_normal(sharp.shape)
    bad = sharp + 0.02 * rng.standard_normal(sharp.shape)
    assert error_ratio(bad, good, sharp) == pytest.approx(4.0, rel=0.1)
    assert error_ratio(good, good, sharp) == pytest.approx(1.0)


def test_bad_inputs():
    with pytest.raises(ValueError, match="differ in shape"):
        psnr(np.zeros((5, 5)), np.zeros((5, 6)))
    with pytest.raises(ValueError, match="NaN"):
        ssim(np.full((15, 15), np.nan), np.zeros((15, 15)))
    with pytest.raises(ValueError, match="too small"):
        compare_up_to_shift(np.zeros((25, 25)), np.zeros((25, 25)))


def exhaustive_shift(estimate, reference, border=LEVIN_BORDER, max_shift=LEVIN_MAX_SHIFT, step=LEVIN_SHIFT_STEP):
    """Levin et al.'s search written out: every shift, dy before dx, the first of least error wins."""
    h, w = estimate.shape[:2]
    target = reference[border:-border, border:-border]
    best = None
    for dy in np.arange(-max_shift, max_shift + step / 2, step):
        for dx in np.arange(-max_shift, max_shift + step / 2, step):
            moved = ndimage.shift(estimate, (-dy, -dx) + (0,) * (estimate.ndim - 2), order=1, mode="nearest")
            sse = float(np.sum((moved[border : h - border, border : w - border] - target) ** 2))
            if best is None or sse < best[0] - 1e-9:
                best = (sse, (float(dy), float(dx)))
    return best


@pytest.mark.parametrize("shape", [(48, 52), (40, 40, 3)])
def test_fast_shift_search_finds_the_exhaustive_searchs_shift(shape):
    rng = np.random.default_rng(7)
    sharp = ndimage.gaussian_filter(rng.random(shape), (1.5, 1.5) + (0,) * (len(shape) - 2))
    estimate = ndimage.shift(sharp, (0.6, -1.3) + (0,) * (len(shape) - 2), order=3, mode="nearest")
    estimate = estimate + 0.01 * rng.standard_normal(shape)
    result = compare_up_to_shift(estimate, sharp, border=8)
    sse, shift = exhaustive_shift(estimate, sharp, border=8)
    assert result.shift == shift and result.sse == pytest.approx(sse, rel=1e-9)


def test_ties_go_to_the_first_shift_in_search_order():
    flat = np.full((40, 40), 0.5)
    assert compare_up_to_shift(flat, flat, border=8).shift == (-5.0, -5.0)
