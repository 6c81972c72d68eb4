import numpy as np
import pytest
import torch
import torch.nn.functional as F

from deblur_core.data.corpus import load_bundled
from deblur_core.kernel_estimation import (
    EstimatorConfig,
    _min_filter,
    _otf,
    estimate_kernel,
    estimate_kernels,
    kernel_step,
    periodic_extension,
    pyramid_kernel_sizes,
)
from deblur_core.kernels import kernel_similarity, random_motion_kernel
from deblur_core.physics.blur import convolve


@pytest.fixture(scope="module")
def blurred_crop():
    sharp = load_bundled("camera")[60:221, 80:241]  # 161 x 161: odd on purpose
    kernel = random_motion_kernel(11, seed=1)
    blurry = convolve(torch.tensor(sharp), torch.tensor(kernel), "valid").numpy()
    blurry = np.round(np.clip(blurry + np.random.default_rng(0).normal(0, 0.005, blurry.shape), 0, 1) * 255) / 255
    return blurry, kernel


def test_recovers_a_known_kernel_at_a_generous_budget(blurred_crop):
    blurry, kernel = blurred_crop
    estimate = estimate_kernel(blurry, 13)  # a support larger than the kernel, default settings
    assert kernel_similarity(kernel, estimate) >= 0.9


def test_a_flipped_truth_scores_lower_than_the_estimate(blurred_crop):
    blurry, kernel = blurred_crop
    estimate = estimate_kernel(blurry, 13)
    assert kernel_similarity(kernel, estimate) > kernel_similarity(kernel[::-1, ::-1], estimate) + 0.05


@pytest.mark.parametrize("image", ["noise", "constant", "ramp"])
def test_always_returns_normalised_non_negative_kernels(image):
    rng = np.random.default_rng(1)
    pixels = {
        "noise": rng.random((41, 45)),
        "constant": np.full((41, 45), 0.3),
        "ramp": np.tile(np.linspace(0, 1, 45), (41, 1)),
    }[image]
    with pytest.warns(UserWarning, match="constant") if image == "constant" else _no_warning():
        k = estimate_kernel(pixels, 7, iterations_per_scale=2)
    assert k.shape == (7, 7) and np.all(k >= 0) and np.isclose(k.sum(), 1) and np.all(np.isfinite(k))
    if image == "constant":
        assert k[3, 3] == 1  # documented fallback: a delta


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_batched_equals_one_at_a_time(blurred_crop):
    blurry, _ = blurred_crop
    windows = np.stack([blurry[:75, :75], blurry[40:115, 30:105], blurry[-75:, -75:]])
    config = EstimatorConfig(9, iterations_per_scale=3)
    batched = estimate_kernels(windows, config, batch_size=3)
    single = np.stack([estimate_kernels(w[None], config)[0] for w in windows])
    # the same arithmetic up to float32 rounding, which the hard L0 thresholds can nudge a little
    assert all(kernel_similarity(a, b) > 0.98 for a, b in zip(batched, single))


def test_kernel_step_recovers_the_kernel_from_the_true_latent_image():
    rng = np.random.default_rng(2)
    sharp = torch.tensor(np.kron(rng.random((12, 12)), np.ones((6, 6))), dtype=torch.float64)[None]
    kernel = torch.tensor(random_motion_kernel(9, seed=7))[None]
    blurry = torch.fft.irfft2(torch.fft.rfft2(sharp) * _otf(kernel, sharp.shape[-2:]), s=sharp.shape[-2:])
    start = torch.full_like(kernel, 1 / 81)
    estimate = kernel_step(
        sharp, blurry, start, kernel_weight=1e-6, steps=200, gradient_threshold=torch.zeros(1, dtype=torch.float64)
    )
    np.testing.assert_allclose(estimate[0].numpy(), kernel[0].numpy(), atol=2e-3)


def test_periodic_extension_keeps_the_image_and_closes_the_seams():
    image = torch.rand(1, 21, 17, dtype=torch.float64)
    extended = periodic_extension(image, 8, 6)
    assert extended.shape == (1, 29, 23)
    assert torch.equal(extended[:, :21, :17], image)
    # the wrap-around step is no larger than the largest step inside the band
    column_steps = (torch.roll(extended, -1, dims=-1) - extended)[:, :21, 16:].abs()
    assert column_steps[..., -1].max() <= column_steps.max() + 1e-12
    assert column_steps.max() < (image[..., 0] - image[..., -1]).abs().max() / 2 + 1e-12


@pytest.mark.parametrize("size", [1, 3, 7, 35])
def test_min_filter_matches_max_pool(size):
    x = torch.rand(2, 37, 41)
    reference = -F.max_pool2d(-x[:, None], size, stride=1, padding=size // 2)[:, 0]
    assert torch.equal(_min_filter(x, size), reference)


def test_pyramid_runs_from_3_px_to_the_kernel_size():
    for size in (3, 11, 27, 55):
        sizes = pyramid_kernel_sizes(size)
        assert sizes[0] == 3 and sizes[-1] == size and all(s % 2 == 1 for s in sizes)
        assert all(b > a for a, b in zip(sizes, sizes[1:]))


def test_bad_input_is_a_one_line_error():
    image = np.random.default_rng(0).random((40, 40))
    with pytest.raises(ValueError, match="odd"):
        estimate_kernel(image, 8)
    with pytest.raises(ValueError, match="larger than the image"):
        estimate_kernel(image[:20, :20], 21)
    broken = image.copy()
    broken[3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        estimate_kernel(broken, 7)
    with pytest.raises(ValueError, match="grey"):
        estimate_kernel(np.zeros((2, 3, 40, 40)), 7)
    with pytest.raises(ValueError, match="cleanup_threshold must lie in"):
        estimate_kernel(image, 7, cleanup_threshold=1.0)
