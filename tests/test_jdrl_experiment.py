import numpy as np
import pandas as pd
import pytest

from deblur_core.jdrl.data import scene_of
from deblur_core.jdrl.experiment import (
    BASELINE,
    FINAL,
    INPUT,
    ablation_comparisons,
    synthetic_splits,
)
from deblur_core.profiles import profile_settings


def scores(variant, seed, psnr, images=8):
    return pd.DataFrame(
        {
            "image": [f"img{i}" for i in range(images)],
            "variant": variant,
            "seed": seed,
            "PSNR (deformed GT)": psnr,
            "MAE (deformed GT)": np.asarray(psnr, dtype=float) / 100,  # grows with PSNR: the orientation test
        }
    )


def test_claims_pair_final_with_each_variant_and_the_input_by_image_and_seed():
    rng = np.random.default_rng(0)
    base = rng.normal(25, 1, 8)
    noise = rng.normal(0, 0.3, 8)  # #4 differs from final by +noise, -noise and 0 over the seeds: no net effect
    per_image = pd.concat(
        [scores(FINAL, seed, base + 1 + 0.1 * seed) for seed in (0, 1, 2)]
        + [scores(BASELINE, seed, base + 0.1 * seed) for seed in (0, 1, 2)]
        + [
            scores("#4 w/o reblurring", seed, base + 1 + 0.1 * seed + sign * noise)
            for seed, sign in zip((0, 1, 2), (1, -1, 0))
        ]
    )
    inputs = scores(INPUT, 0, base + 2).drop(columns=["variant", "seed"])
    claims = ablation_comparisons(per_image, inputs).set_index(["claim", "metric"])
    assert set(claims["ground truth"]) == {"deformed GT"}  # no aligned columns given
    baseline = claims.loc[(f"final > {BASELINE}", "PSNR")]
    assert baseline["mean difference"] == pytest.approx(1.0)
    assert baseline["verdict"] == "confirmed" and baseline["paired samples"] == 24 and baseline["clusters"] == 8
    # MAE: lower is better, so final's higher "MAE" here counts against it
    assert claims.loc[(f"final > {BASELINE}", "MAE"), "verdict"] == "contradicted"
    assert claims.loc[(f"final > {INPUT}", "PSNR"), "verdict"] == "contradicted"
    assert claims.loc[(f"final > {INPUT}", "PSNR"), "mean difference"] == pytest.approx(-0.9)
    assert claims.loc[("final > #4 w/o reblurring", "PSNR"), "verdict"] == "inconclusive"


def test_claims_need_shared_images_and_seeds():
    per_image = pd.concat([scores(FINAL, 0, np.ones(8)), scores(BASELINE, 1, np.ones(8))])
    with pytest.raises(ValueError, match="same seeds"):
        ablation_comparisons(per_image)


def test_profiles_give_configs_and_disjoint_splits():
    settings = profile_settings("jdrl", "smoke")
    assert settings.training_config(seed=3).seed == 3
    train, test = synthetic_splits(settings)
    assert len(train) == len(settings.train_scenes) * settings.pairs_per_scene
    assert not {p.name for p in train} & {p.name for p in test}
    long = profile_settings("jdrl", "long")
    assert long.output == "residual" and long.dead_leaves > 0 and long.random_view
    assert len(set(long.test_scenes)) >= 6 and not set(long.test_scenes) & set(long.train_scenes)
    assert profile_settings("jdrl", "paper").output == "sigmoid"  # the paper's head


def test_claims_resample_scenes_not_the_pairs_of_one_scene():
    # 12 pairs of 2 scenes: however consistent the pairs, 2 scenes are too few units for a verdict
    images = [f"{scene}_1_{k}" for scene in ("chelsea", "camera") for k in range(6)]
    final = pd.DataFrame({"image": images, "variant": FINAL, "seed": 0, "PSNR (deformed GT)": 26.0})
    baseline = final.assign(variant=BASELINE, **{"PSNR (deformed GT)": 25.0})
    claim = ablation_comparisons(pd.concat([final, baseline])).iloc[0]
    assert claim["paired samples"] == 12 and claim["clusters"] == 2 and claim["verdict"] == "inconclusive"


def test_a_split_that_tests_on_a_training_scene_is_refused():
    leaking = profile_settings("jdrl", "smoke", test_scenes=("chelsea", "coffee"))
    with pytest.raises(ValueError, match="coffee.*both train_scenes and test_scenes"):
        synthetic_splits(leaking)


def test_dead_leaves_scenes_join_the_training_pairs():
    settings = profile_settings("jdrl", "smoke", dead_leaves=2)
    train, test = synthetic_splits(settings)
    scenes = {scene_of(p.name) for p in train}
    assert scenes == set(settings.train_scenes) | {"dead-leaves-0", "dead-leaves-1"}
    assert not scenes & {scene_of(p.name) for p in test}
