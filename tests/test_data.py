import numpy as np
import pytest
import torch
from scipy import ndimage
from scipy.io import savemat
from skimage import io as skio

from deblur_core.data.corpus import CATEGORIES, load_bundled, sharp_corpus
from deblur_core.data.io import read_image, read_kernel_image, to_grey
from deblur_core.data.levin import (
    LEVIN_KERNEL_SIZES,
    SELFDEBLUR_KERNEL_SIZES,
    BlurCase,
    blur_residual,
    crop_case,
    generate_levin_like,
    kernel_orientations,
    levin_like_benchmark,
    levin_like_sizes,
    load_benchmark,
    load_levin,
    rescale_case,
    rescale_kernel,
)
from deblur_core.kernels import flip_kernel, kernel_similarity
from deblur_core.physics.blur import convolve


def test_corpus_covers_every_category_offline():
    corpus = sharp_corpus()
    assert {item.category for item in corpus} == set(CATEGORIES)
    for item in corpus:
        assert item.image.ndim == 2 and 0 <= item.image.min() and item.image.max() <= 1
    with pytest.raises(ValueError, match="not in the corpus"):
        load_bundled("eagle")  # would need a download


@pytest.fixture(scope="module")
def levin_like(tmp_path_factory):
    return levin_like_benchmark(tmp_path_factory.mktemp("cache"))


def test_levin_like_layout(levin_like):
    assert len(levin_like) == 32
    for case in levin_like:
        assert case.blurry.shape == case.sharp.shape == (255, 255)
        assert case.kernel.shape[0] == LEVIN_KERNEL_SIZES[case.kernel_id - 1]
        assert case.estimation_size == SELFDEBLUR_KERNEL_SIZES[case.kernel_id - 1]
        assert abs(case.kernel.sum() - 1) < 1e-9
        # 8-bit quantised like a real capture
        assert np.allclose(case.blurry * 255, np.round(case.blurry * 255))


def test_levin_like_is_deterministic_and_cached(levin_like, tmp_path):
    fresh = generate_levin_like()
    for a, b in zip(levin_like, fresh):
        assert np.abs(a.blurry - b.blurry).max() < 1e-6 and np.array_equal(a.kernel, b.kernel)


def test_half_scale_benchmark(tmp_path):
    size, true_sizes, estimation_sizes = levin_like_sizes(0.5)
    assert size == 127
    assert all(t % 2 == 1 and e % 2 == 1 and e <= t for t, e in zip(true_sizes, estimation_sizes))
    cases = levin_like_benchmark(tmp_path, scale=0.5)
    assert len(cases) == 32 and cases[0].blurry.shape == (127, 127)
    assert cases[0].kernel.shape == (true_sizes[0],) * 2 and cases[0].estimation_size == estimation_sizes[0]
    with pytest.raises(ValueError, match="scale"):
        levin_like_sizes(2.0)


def test_recorded_shake_set_differs_in_kernels_and_noise_only(levin_like, tmp_path):
    shake = levin_like_benchmark(tmp_path, kernel_model="recorded-shake")
    assert len(shake) == 32 and len(list(tmp_path.glob("levin_like_*.npz"))) == 1
    assert all(np.array_equal(a.sharp, b.sharp) and a.kernel.shape == b.kernel.shape for a, b in zip(levin_like, shake))
    assert not np.array_equal(levin_like[0].kernel, shake[0].kernel)
    with pytest.raises(ValueError, match="unknown kernel model 'real'"):
        levin_like_benchmark(tmp_path, kernel_model="real")


def test_crop_case(levin_like):
    case = crop_case(levin_like[0], 63)
    assert case.blurry.shape == case.sharp.shape == (63, 63)
    with pytest.raises(ValueError, match="not larger than"):
        crop_case(levin_like[0], 15)


def write_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    skio.imsave(path, array, check_contrast=False)


def test_load_selfdeblur_layout(tmp_path):
    rng = np.random.default_rng(0)
    write_png(tmp_path / "im1_kernel2_img.png", (rng.random((31, 31)) * 255).astype(np.uint8))
    write_png(tmp_path / "gt" / "im1.png", (rng.random((31, 31)) * 255).astype(np.uint8))
    kernel = np.zeros((17, 17), np.uint8)
    kernel[8, 4:13] = 255
    write_png(tmp_path / "gt" / "kernel2.png", kernel)
    cases = load_levin(tmp_path)
    assert len(cases) == 1 and cases[0].name == "im1_kernel2"
    assert abs(cases[0].kernel.sum() - 1) < 1e-12 and cases[0].estimation_size == 15


def test_load_mat_layout(tmp_path):
    rng = np.random.default_rng(1)
    f = np.zeros((19, 19))
    f[9, 3:16] = 1
    savemat(tmp_path / "im05_flit01.mat", {"x": rng.random((31, 31)), "y": rng.random((31, 31)), "f": f})
    cases = load_levin(tmp_path)
    assert (cases[0].image_id, cases[0].kernel_id) == (5, 1)
    assert abs(cases[0].kernel.sum() - 1) < 1e-12


def test_load_errors(tmp_path):
    with pytest.raises(ValueError, match="matches neither Levin layout"):
        load_levin(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_levin(tmp_path / "missing")
    write_png(tmp_path / "im1_kernel1_img.png", np.zeros((9, 9), np.uint8))
    with pytest.raises(FileNotFoundError, match="no ground truth"):
        load_levin(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    savemat(other / "im01_flit01.mat", {"x": np.ones((3, 3))})
    with pytest.raises(ValueError, match="lacks the variable"):
        load_levin(other)


def test_read_image_variants(tmp_path):
    rgba = np.zeros((5, 7, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[..., 3] = 0  # fully transparent: white after compositing
    write_png(tmp_path / "rgba.png", rgba)
    assert np.allclose(read_image(tmp_path / "rgba.png"), 1.0)
    grey16 = np.full((5, 7), 65535, np.uint16)
    write_png(tmp_path / "grey16.png", grey16)
    assert np.allclose(read_image(tmp_path / "grey16.png"), 1.0)
    assert to_grey(np.ones((3, 3, 3))).shape == (3, 3)
    (tmp_path / "broken.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="cannot read"):
        read_image(tmp_path / "broken.png")
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path / "absent.png")


def smooth_scene(size=96, seed=0):
    rng = np.random.default_rng(seed)
    scene = ndimage.gaussian_filter(rng.random((size, size)), 2.0)
    return (scene - scene.min()) / np.ptp(scene)


def skewed_kernel():
    """A streak with a heavy end: its 180-degree rotation blurs visibly differently."""
    kernel = np.zeros((9, 9))
    kernel[4, 1:8] = np.linspace(1, 0.1, 7)
    kernel[2, 6] = 0.8
    return kernel / kernel.sum()


def blurred(sharp, kernel):
    return convolve(torch.from_numpy(sharp), torch.from_numpy(kernel), mode="same").numpy()


def _case(blurry, sharp, kernel, image_id=1, kernel_id=1):
    return BlurCase(image_id, kernel_id, blurry, sharp, kernel, kernel.shape[0])


def test_one_orientation_per_kernel_file_keeps_convolution_kernels_and_rotates_correlation_ones():
    kernel = skewed_kernel()
    scenes = [smooth_scene(seed=seed) for seed in range(3)]
    stored_as_convolution = [_case(blurred(x, kernel), x, kernel, i, 1) for i, x in enumerate(scenes, 1)]
    stored_rotated = [_case(blurred(x, kernel), x, flip_kernel(kernel), i, 2) for i, x in enumerate(scenes, 1)]
    assert kernel_orientations(stored_as_convolution + stored_rotated) == {1: False, 2: True}


def test_orientation_survives_an_off_centre_kernel_and_an_offset_copy():
    kernel = np.pad(skewed_kernel(), ((0, 8), (8, 0)))  # taps 4 px off the centre of a 17 px kernel
    scenes = [smooth_scene(seed=seed) for seed in range(2)]
    shifted = [_case(np.roll(blurred(x, kernel), 2, axis=1), x, flip_kernel(kernel), i) for i, x in enumerate(scenes)]
    assert kernel_orientations(shifted) == {1: True}
    assert blur_residual(blurred(scenes[0], kernel), scenes[0], kernel) < 1e-12


def test_load_levin_rotates_kernels_stored_as_correlation_filters_with_a_warning(tmp_path):
    sharp, kernel = smooth_scene(), skewed_kernel()
    write_png(tmp_path / "im1_kernel1_img.png", (blurred(sharp, kernel) * 255).round().astype(np.uint8))
    write_png(tmp_path / "gt" / "im1.png", (sharp * 255).round().astype(np.uint8))
    stored = flip_kernel(kernel)  # this copy stores the correlation filter
    write_png(tmp_path / "gt" / "kernel1.png", (stored / stored.max() * 255).round().astype(np.uint8))
    with pytest.warns(UserWarning, match="kernel file.* 1 of .* rotated by 180 degrees"):
        (case,) = load_levin(tmp_path)
    assert kernel_similarity(case.kernel, kernel) > kernel_similarity(case.kernel, flip_kernel(kernel))


@pytest.fixture(scope="module")
def real_levin(shared_levin):
    with pytest.warns(UserWarning, match="kernel file"):
        return load_levin(shared_levin)


def test_shared_copy_orientation_per_kernel_file(real_levin, shared_levin):
    """SelfDeblur's copy: kernels 2, 5, 6, 7 stored rotated, 4 and 8 as convolution kernels (the 180-degree
    rotation fits every image of 4 and 8 more than 15 times worse); the four images of a kernel agree."""
    stored = {k: read_kernel_image(shared_levin / "gt" / f"kernel{k}.png") for k in range(1, 9)}
    rotated = {case.kernel_id for case in real_levin if not np.allclose(case.kernel, stored[case.kernel_id])}
    assert rotated >= {2, 5, 6, 7} and not rotated & {4, 8}
    for kernel_id in range(1, 9):
        kernels = [case.kernel for case in real_levin if case.kernel_id == kernel_id]
        assert len(kernels) == 4 and all(np.array_equal(kernels[0], k) for k in kernels[1:])
    for case in real_levin:
        kept = blur_residual(case.blurry, case.sharp, case.kernel)
        assert kept < 4e-4, case.name  # 8-bit camera captures: a few grey levels
        if case.kernel_id not in (1, 3):  # 1 and 3 are nearly symmetric: either orientation fits
            assert blur_residual(case.blurry, case.sharp, flip_kernel(case.kernel)) > 1.5 * kept, case.name


def test_half_scale_real_case_keeps_the_blur_model(real_levin):
    case = next(c for c in real_levin if c.name == "im1_kernel6")
    half = rescale_case(case, 0.5)
    assert half.blurry.shape == half.sharp.shape == (127, 127)
    assert half.kernel.shape == (11, 11) and half.estimation_size == 11
    assert abs(half.kernel.sum() - 1) < 1e-12
    # the resized kernel explains the resized images far better than its rotation does
    assert blur_residual(half.blurry, half.sharp, half.kernel) < 0.5 * blur_residual(
        half.blurry, half.sharp, flip_kernel(half.kernel)
    )


def test_rescaled_kernel_matches_blurring_then_resizing():
    from skimage.transform import resize

    sharp, kernel = smooth_scene(size=129, seed=4), np.pad(skewed_kernel(), 4)
    small_blur = resize(blurred(sharp, kernel), (65, 65), anti_aliasing=True, order=3)
    small_sharp = resize(sharp, (65, 65), anti_aliasing=True, order=3)
    halved = rescale_kernel(kernel, 65 / 129, 9)
    inner = (slice(12, -12), slice(12, -12))
    error = np.mean((blurred(small_sharp, halved) - small_blur)[inner] ** 2)
    rotated_error = np.mean((blurred(small_sharp, flip_kernel(halved)) - small_blur)[inner] ** 2)
    assert error < 0.1 * rotated_error
    with pytest.raises(ValueError, match="odd"):
        rescale_kernel(kernel, 0.5, 8)


def test_load_benchmark_names_its_data(tmp_path, monkeypatch, shared_levin):
    monkeypatch.setenv("DEBLUR_LEVIN_DIR", str(shared_levin))
    with pytest.warns(UserWarning, match="kernel file"):
        cases, label = load_benchmark("levin", scale=0.5)
    assert len(cases) == 32 and label == "real Levin et al. 2009 (scale 0.5, 127 px)"
    _, label = load_benchmark("levin-like", scale=0.5, cache_dir=tmp_path)
    assert label == "Levin-like synthetic stand-in (scale 0.5)"
    with pytest.raises(ValueError, match="unknown benchmark"):
        load_benchmark("levin2")
