"""The dead-leaves generator: deterministic per seed, covering, scale invariant as it claims."""

import numpy as np
import pytest

from deblur_core.data.corpus import load_bundled
from deblur_core.data.dead_leaves import (
    dead_leaves,
    is_scene_name,
    power_law_radii,
    scene_names,
    scene_seed,
    spectrum_slope,
)
from deblur_core.profiles import profile_settings
from deblur_core.regions.dataset import split_examples, training_images


def test_same_seed_same_image_other_seed_other_image():
    a, b, c = dead_leaves(96, seed=5), dead_leaves(96, seed=5), dead_leaves(96, seed=6)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_every_pixel_is_a_leaf_drawn_from_the_given_levels():
    levels = np.array([0.1, 0.5, 0.9])
    image = dead_leaves(80, seed=1, levels=levels)
    assert set(np.unique(image)) <= set(levels) and len(np.unique(image)) == 3


def test_radii_follow_the_power_law():
    radii = power_law_radii(np.random.default_rng(0), 200_000, 1.0, 100.0, 3.0)
    assert radii.min() >= 1.0 and radii.max() <= 100.0
    # density ~ r**-3: P(R > r) = (r**-2 - 100**-2) / (1 - 100**-2)
    for r in (2.0, 5.0, 20.0):
        expected = (r**-2 - 100.0**-2) / (1 - 100.0**-2)
        assert abs((radii > r).mean() - expected) < 0.01


def test_spectrum_falls_as_natural_images_do_and_the_check_can_fail():
    slopes = [spectrum_slope(dead_leaves(128, seed=s)) for s in range(4)]
    assert -2.3 < np.mean(slopes) < -1.4, slopes  # natural images: about -2
    noise = np.random.default_rng(0).random((128, 128))
    assert spectrum_slope(noise) > -0.5  # white noise: flat


@pytest.mark.parametrize("kwargs", [{"size": 1}, {"size": 32, "r_min": 0}, {"size": 32, "r_min": 20, "r_max": 10}])
def test_bad_arguments_are_one_line_errors(kwargs):
    with pytest.raises(ValueError):
        dead_leaves(seed=0, **kwargs)


def test_levels_must_be_grey_values():
    with pytest.raises(ValueError, match="levels"):
        dead_leaves(32, seed=0, levels=np.array([0.2, 1.5]))


def test_colour_leaves_take_their_colours_from_the_palette():
    palette = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    image = dead_leaves(48, seed=2, levels=palette)
    assert image.shape == (48, 48, 3)
    assert {tuple(p) for p in image.reshape(-1, 3)} == {(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)}


def test_jdrl_pairs_can_be_made_from_dead_leaves_scenes():
    from deblur_core.jdrl.data import make_pair, synthetic_pairs

    a, b = make_pair("dead-leaves-4", 0, 32), make_pair("dead-leaves-4", 0, 32)
    assert a.name == "dead-leaves-4_0" and np.array_equal(a.blurry, b.blurry) and a.blurry.shape == (32, 32, 3)
    assert not np.array_equal(make_pair("dead-leaves-5", 0, 32).aligned_sharp, a.aligned_sharp)
    names = [p.name for p in synthetic_pairs(["dead-leaves-1", "rocket"], 1, size=24)]
    assert names == ["dead-leaves-1_0_0", "rocket_0_0"]
    with pytest.raises(ValueError, match="dead-leaves-N"):
        synthetic_pairs(["dead-leaves-one"], 1, size=24)


def test_scene_names_round_trip_and_reject_other_names():
    names = scene_names(3)
    assert names == ["dead-leaves-0", "dead-leaves-1", "dead-leaves-2"]
    assert [scene_seed(name) for name in names] == [0, 1, 2]
    assert not is_scene_name("dead-leaves-x") and not is_scene_name("chelsea")
    with pytest.raises(ValueError, match="not a dead-leaves scene name"):
        scene_seed("dead-leaves-")
    with pytest.raises(ValueError, match="0 or more"):
        scene_names(-1)


def test_region_training_images_add_grey_dead_leaves_that_only_train():
    settings = profile_settings("regions", "smoke", image_size=41, dead_leaves=2)
    assert training_images(settings)[-2:] == ["dead-leaves-0", "dead-leaves-1"]
    split = split_examples(settings)
    synthetic = [e for e in split["train"] if e.image_name.startswith("dead-leaves-")]
    assert len(synthetic) == 2 * settings.kernel_count
    assert all(e.category == "synthetic" and e.sharp.shape == (41, 41) for e in synthetic)
    # the sharp picture is the dead-leaves scene itself (made at the size needed, no resampling)
    margin = max(e.kernel.shape[0] for e in synthetic) // 2
    assert np.array_equal(synthetic[0].sharp, dead_leaves(41 + 2 * margin, 0)[margin:-margin, margin:-margin])
    assert not any(e.image_name.startswith("dead-leaves-") for e in split["val"] + split["test"])
    with pytest.raises(ValueError, match="has no bundled file"):
        load_bundled("dead-leaves-0")
