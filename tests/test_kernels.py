import hashlib

import numpy as np
import pytest

from deblur_core.kernels import (
    center_kernel,
    check_kernel_size,
    delta_kernel,
    flip_kernel,
    kernel_centroid,
    kernel_similarity,
    normalize_kernel,
    random_motion_kernel,
    recorded_shake_kernel,
)


@pytest.mark.parametrize("size", [11, 19, 27, 55])
def test_motion_kernel_is_a_centred_distribution(size):
    k = random_motion_kernel(size, seed=size)
    assert k.shape == (size, size)
    assert np.all(k >= 0) and abs(k.sum() - 1) < 1e-12
    cy, cx = kernel_centroid(k)
    assert abs(cy - size // 2) <= 0.5 and abs(cx - size // 2) <= 0.5
    # a motion path, not a blob: most of the support is empty
    assert (k > 1e-3).mean() < 0.5


def test_motion_kernel_reproducible_from_seed():
    assert np.array_equal(random_motion_kernel(21, seed=5), random_motion_kernel(21, seed=5))
    assert not np.array_equal(random_motion_kernel(21, seed=5), random_motion_kernel(21, seed=6))


def test_similarity_of_shifted_copy_is_one():
    k = random_motion_kernel(23, seed=1)
    shifted = np.roll(np.pad(k, 4), (3, -2), axis=(0, 1))
    assert kernel_similarity(k, shifted) == pytest.approx(1.0, abs=1e-9)


def test_delta_scores_below_threshold_against_motion_kernels():
    scores = [kernel_similarity(random_motion_kernel(s, seed=s), delta_kernel(s)) for s in (13, 19, 27, 35)]
    assert max(scores) < 0.75


def test_similarity_is_a_correlation_not_a_convolution():
    k = np.zeros((9, 9))
    k[4, 2:7] = [0.5, 0.25, 0.125, 0.0625, 0.0625]  # asymmetric line
    assert kernel_similarity(k, k) == pytest.approx(1.0)
    assert kernel_similarity(k, flip_kernel(k)) < 0.9


def test_centering_and_normalisation():
    k = np.zeros((9, 9))
    k[1, 1] = 2.0
    c = center_kernel(k)
    assert c[4, 4] == 1.0
    assert normalize_kernel(np.array([[1.0, -1.0], [1.0, 2.0]])).sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no positive tap"):
        normalize_kernel(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        kernel_similarity(np.full((3, 3), np.nan), np.ones((3, 3)))


@pytest.mark.parametrize("bad", [4, 2, 1, 0, -3])
def test_even_or_tiny_sizes_rejected(bad):
    with pytest.raises(ValueError):
        check_kernel_size(bad)


def test_kernel_larger_than_image_rejected():
    with pytest.raises(ValueError, match="larger than the image"):
        check_kernel_size(31, image_shape=(25, 40))


def test_constant_speed_kernels_are_those_of_earlier_versions():
    # the Levin-like benchmark and every cached run depend on these exact kernels
    digest = hashlib.sha256(random_motion_kernel(15, seed=3).tobytes()).hexdigest()[:16]
    assert digest == "22ee2447cbbeb635"


def test_recorded_shake_kernels_spread_their_mass_less_evenly():
    def unevenness(kernel):  # coefficient of variation of the taps that carry mass
        taps = kernel[kernel > kernel.max() / 20]
        return taps.std() / taps.mean()

    even = np.mean([unevenness(random_motion_kernel(21, seed=s)) for s in range(12)])
    shaken = np.mean([unevenness(recorded_shake_kernel(21, seed=s)) for s in range(12)])
    assert shaken > 1.2 * even
    with pytest.raises(ValueError, match="must be >= 0"):
        random_motion_kernel(9, seed=0, speed_variation=-1)
