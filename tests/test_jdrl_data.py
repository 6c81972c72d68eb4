import numpy as np
import pytest
from scipy import ndimage
from skimage import data as skdata
from skimage import io as skio
from skimage.transform import resize

from deblur_core.data.paired import load_dpdd, load_paired_folder
from deblur_core.jdrl import data as jdata
from deblur_core.jdrl.data import make_pair, synthetic_pairs
from deblur_core.physics.defocus import (
    defocus_blur,
    defocus_radius,
    disk_kernel,
    linear_to_srgb,
    motorcycle_depth,
    random_depth,
    srgb_to_linear,
)
from deblur_core.physics.misalignment import apply_similarity, misalign


def warp(moving, flow):
    """Backward warping of the module convention: warp(M, flow)(p) = M(p + flow(p)), bilinear."""
    height, width = flow.shape[:2]
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    where = [rows + flow[..., 1], cols + flow[..., 0]]
    return np.stack(
        [ndimage.map_coordinates(moving[..., c], where, order=1, mode="nearest") for c in range(moving.shape[2])],
        axis=-1,
    )


@pytest.fixture(scope="module")
def scene():
    return resize(skdata.astronaut()[100:400, 100:400] / 255.0, (65, 71), anti_aliasing=True)


def test_depth_maps_span_unit_range_and_are_smooth():
    for seed in range(3):
        depth = random_depth((65, 71), seed)
        assert depth.shape == (65, 71) and depth.min() == 0 and depth.max() == 1
        steps = np.concatenate([np.abs(np.diff(depth, axis=0)).ravel(), np.abs(np.diff(depth, axis=1)).ravel()])
        assert steps.max() < 0.3 and steps.mean() < 0.03  # no pixel-to-pixel jumps, mostly gentle slopes
    assert not np.array_equal(random_depth((65, 71), 0), random_depth((65, 71), 1))
    moto = motorcycle_depth((33, 47))
    assert moto.shape == (33, 47) and np.isfinite(moto).all() and moto.min() == 0 and moto.max() == 1
    with pytest.raises(ValueError, match="at least 8"):
        random_depth((5, 40), 0)


def test_srgb_round_trip():
    values = np.linspace(0, 1, 101)
    assert np.allclose(linear_to_srgb(srgb_to_linear(values)), values, atol=1e-12)
    assert srgb_to_linear(np.array([0.5]))[0] < 0.5  # mid-grey is darker in linear light


def test_zero_defocus_is_the_identity(scene):
    depth = random_depth(scene.shape[:2], 0)
    out = linear_to_srgb(defocus_blur(srgb_to_linear(scene), depth, focus_depth=0.3, max_radius=0))
    assert np.abs(out - scene).max() < 1e-12


def test_disk_kernel():
    assert np.array_equal(disk_kernel(0.4), np.ones((1, 1)))
    for radius in (1.0, 2.3, 4.0):
        kernel = disk_kernel(radius)
        assert abs(kernel.sum() - 1) < 1e-12 and np.allclose(kernel, kernel.T) and np.allclose(kernel, kernel[::-1])
        assert kernel.shape[0] == 2 * int(np.ceil(radius + 0.5)) - 1


def spread_radius(image):
    """Radius of a uniform disk with the same second moment as ``image`` (E r^2 = R^2 / 2)."""
    rows, cols = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    centre_r, centre_c = (image.shape[0] - 1) / 2, (image.shape[1] - 1) / 2
    second_moment = ((rows - centre_r) ** 2 + (cols - centre_c) ** 2) * image
    return np.sqrt(2 * second_moment.sum() / image.sum())


def test_point_source_spreads_into_a_growing_disk():
    point = np.zeros((41, 43, 1))
    point[20, 21] = 1.0
    radii = []
    for depth_value in (0.55, 0.62, 0.8, 1.0):  # radii 1.5, 2.2 (between two levels), 4 and 6 px
        depth = np.full(point.shape[:2], depth_value)
        spread = defocus_blur(point, depth, focus_depth=0.4, max_radius=6)[..., 0]
        expected = defocus_radius(depth, 0.4, 6)[0, 0]
        assert abs(spread.sum() - 1) < 1e-9
        rows, cols = np.mgrid[0:41, 0:43]
        distance = np.hypot(rows - 20, cols - 21)
        assert np.all(spread[distance > expected + 1] < 1e-9)  # nothing beyond the rim
        inner = spread[distance < expected - 1]
        assert inner.min() > 0.9 * inner.max()  # flat inside, a disk not a Gaussian
        radii.append(spread_radius(spread))
        assert abs(radii[-1] - expected) < 0.5
    assert np.all(np.diff(radii) > 0.5)


def test_defocus_blurs_out_of_focus_regions_only(scene):
    depth = np.zeros(scene.shape[:2])
    depth[:, 36:] = 1.0  # left half in focus, right half far from it
    out = defocus_blur(scene, depth, focus_depth=0.0, max_radius=3)
    assert np.array_equal(out[:, :30], scene[:, :30])
    assert np.abs(np.diff(out[:, 42:], axis=1)).mean() < 0.6 * np.abs(np.diff(scene[:, 42:], axis=1)).mean()
    with pytest.raises(ValueError, match="depth must lie in"):
        defocus_blur(scene, depth * 2, 0.5, 3)
    with pytest.raises(ValueError, match="one depth per pixel"):
        defocus_blur(scene, depth[1:], 0.5, 3)


def test_no_misalignment_gives_zero_flow(scene):
    moved, flow = misalign(scene, 0, max_zoom=0, max_shift=0, max_rotation_deg=0, noise=0)
    assert flow.shape == (65, 71, 2) and np.abs(flow).max() < 1e-12
    assert np.abs(moved - scene).max() < 1e-12


def test_known_shift_gives_a_constant_flow_of_the_right_sign(scene):
    moved, flow = apply_similarity(scene, shift=(3, -2))
    assert np.allclose(flow[..., 0], 3) and np.allclose(flow[..., 1], -2)
    # content moves 3 px right and 2 px up: moved(x, y) = scene(x - 3, y + 2)
    assert np.allclose(moved[5:55, 10:60], scene[7:57, 7:57])
    # and the flow, from the original frame to the moved one, brings it back
    assert np.allclose(warp(moved, flow)[5:55, 5:60], scene[5:55, 5:60])


def test_warping_back_with_the_true_flow_recovers_the_original(scene):
    # two bilinear resamplings smooth fine detail by about 0.02 on the raw picture; a
    # smoother one isolates the geometry
    scene = ndimage.gaussian_filter(scene, (1.5, 1.5, 0))
    moved, flow = misalign(scene, seed=3, max_zoom=0.03, max_shift=4, max_rotation_deg=1.0, noise=0.005)
    assert np.abs(flow).max() > 1  # a real misalignment
    inner = (slice(8, -8), slice(8, -8))
    error = np.abs(warp(moved, flow) - scene)[inner].mean()
    assert error < 0.01
    assert np.abs(moved - scene)[inner].mean() > 3 * error  # misaligned before warping
    assert np.abs(warp(moved, -flow) - scene)[inner].mean() > 3 * error  # the opposite sign does not align


def test_pairs_are_deterministic_per_seed_and_consistent():
    first, again, other = (
        make_pair("chelsea", 4, size=33),
        make_pair("chelsea", 4, size=33),
        make_pair("chelsea", 5, size=33),
    )
    for field in ("blurry", "sharp", "aligned_sharp", "flow", "depth"):
        assert np.array_equal(getattr(first, field), getattr(again, field))
    assert not np.array_equal(first.blurry, other.blurry) and not np.array_equal(first.flow, other.flow)
    assert first.name == "chelsea_4"
    assert first.blurry.shape == first.sharp.shape == first.aligned_sharp.shape == (33, 33, 3)
    assert np.allclose(first.blurry * 255, np.round(first.blurry * 255), atol=1e-3)  # 8-bit like a capture
    moto = make_pair("motorcycle", 0, size=33)
    assert np.array_equal(moto.depth, motorcycle_depth((33, 33)).astype(np.float32))
    with pytest.raises(ValueError, match="not a bundled photograph"):
        make_pair("eagle", 0, size=33)


def test_random_views_show_other_windows_of_one_photograph():
    whole = make_pair("astronaut", 3, size=32)
    view, again, other = (make_pair("astronaut", seed, size=32, random_view=True) for seed in (3, 3, 4))
    assert np.array_equal(view.blurry, again.blurry)
    assert not np.allclose(view.aligned_sharp, whole.aligned_sharp, atol=0.05)
    assert not np.allclose(view.aligned_sharp, other.aligned_sharp, atol=0.05)
    # the window changes the content only: depth, focus and misalignment come from the same seed as before
    assert np.array_equal(view.depth, whole.depth) and np.array_equal(view.flow, whole.flow)
    moto = make_pair("motorcycle", 1, size=32, random_view=True)
    assert moto.depth.min() == 0 and moto.depth.max() == 1
    assert not np.array_equal(moto.depth, motorcycle_depth((32, 32)).astype(np.float32))


def test_pair_flow_aligns_sharp_onto_the_blurry_frame():
    pair = make_pair("coffee", 1, size=64, max_shift=3)
    inner = (slice(6, -6), slice(6, -6))
    aligned = np.abs(warp(pair.sharp.astype(np.float64), pair.flow.astype(np.float64)) - pair.aligned_sharp)[inner]
    assert aligned.mean() < 0.03 < np.abs(pair.sharp - pair.aligned_sharp)[inner].mean()


def test_synthetic_pairs_cache_round_trip(tmp_path, monkeypatch):
    pairs = synthetic_pairs(["rocket", "coffee"], 2, size=24, seed=1, cache_dir=tmp_path)
    assert [p.name for p in pairs] == ["rocket_1_0", "rocket_1_1", "coffee_1_0", "coffee_1_1"]
    assert len(list(tmp_path.glob("*.npz"))) == 1

    def no_generation(*args, **kwargs):
        raise AssertionError("the second call must read the cache")

    monkeypatch.setattr(jdata, "make_pair", no_generation)
    cached = synthetic_pairs(["rocket", "coffee"], 2, size=24, seed=1, cache_dir=tmp_path)
    for a, b in zip(pairs, cached):
        assert a.name == b.name and all(
            np.array_equal(getattr(a, f), getattr(b, f)) for f in ("blurry", "sharp", "aligned_sharp", "flow", "depth")
        )
    monkeypatch.undo()
    synthetic_pairs(["rocket", "coffee"], 2, size=24, seed=1, cache_dir=tmp_path, max_shift=2)
    assert len(list(tmp_path.glob("*.npz"))) == 2  # other parameters, another file
    with pytest.raises(ValueError, match="unknown scene"):
        synthetic_pairs(["eagle"], 1, size=24)


def test_grey_photographs_become_grey_colour_scenes():
    (pair,) = synthetic_pairs(["camera"], 1, size=24)
    assert pair.sharp.shape == (24, 24, 3)
    assert np.allclose(pair.aligned_sharp[..., 0], pair.aligned_sharp[..., 2], atol=1e-6)


def write_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    skio.imsave(path, array, check_contrast=False)


def random_png(rng, shape=(9, 11, 3)):
    return (rng.random(shape) * 255).astype(np.uint8)


def test_load_paired_folder(tmp_path):
    rng = np.random.default_rng(0)
    blurry, sharp = random_png(rng), random_png(rng)
    write_png(tmp_path / "blur" / "a.png", blurry)
    write_png(tmp_path / "gt" / "a.png", sharp)
    write_png(tmp_path / "blur" / "b.png", random_png(rng, (9, 11)))  # grey files become three channels
    write_png(tmp_path / "gt" / "b.png", random_png(rng, (9, 11)))
    pairs = load_paired_folder(tmp_path)
    assert [p.name for p in pairs] == ["a", "b"]
    assert np.allclose(pairs[0].blurry, blurry / 255, atol=1e-6) and np.allclose(pairs[0].sharp, sharp / 255, atol=1e-6)
    assert pairs[1].blurry.shape == (9, 11, 3) and pairs[1].blurry.dtype == np.float32


def test_load_dpdd(tmp_path):
    rng = np.random.default_rng(1)
    write_png(tmp_path / "test_c" / "source" / "1P0A1.png", random_png(rng))
    write_png(tmp_path / "test_c" / "target" / "1P0A1.png", random_png(rng))
    ((name, blurry, sharp),) = load_dpdd(tmp_path)
    assert name == "1P0A1" and blurry.shape == sharp.shape == (9, 11, 3)
    with pytest.raises(ValueError, match=r"no train_c/source/ folder; expected the layout folder/train_c/source"):
        load_dpdd(tmp_path, split="train")
    with pytest.raises(ValueError, match="unknown DPDD split"):
        load_dpdd(tmp_path, split="validation")


def test_loaders_reject_bad_layouts(tmp_path):
    rng = np.random.default_rng(2)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_paired_folder(tmp_path / "missing")
    (tmp_path / "blur").mkdir()
    with pytest.raises(ValueError, match=r"has no gt/ folder; expected the layout folder/blur/\*\.png\|jpg"):
        load_paired_folder(tmp_path)
    (tmp_path / "gt").mkdir()
    with pytest.raises(ValueError, match="holds no .png or .jpg images"):
        load_paired_folder(tmp_path)
    for name in ("a.png", "b.png", "c.png"):
        write_png(tmp_path / "blur" / name, random_png(rng))
    write_png(tmp_path / "gt" / "a.png", random_png(rng))
    write_png(tmp_path / "gt" / "z.png", random_png(rng))
    with pytest.raises(
        ValueError,
        match=r"do not pair up: 2 in blur/ without a match \(b.png, c.png\); "
        r"1 in gt/ without a match \(z.png\)",
    ):
        load_paired_folder(tmp_path)
    for name in ("b.png", "c.png", "z.png"):
        (tmp_path / ("gt" if name == "z.png" else "blur") / name).unlink()
    write_png(tmp_path / "gt" / "a.png", random_png(rng, (9, 12, 3)))
    with pytest.raises(ValueError, match=r"a.png is 11x9 px in blur/ but 12x9 px in gt/"):
        load_paired_folder(tmp_path)
