"""Cross-validation of the region selectors over held-out scenes (regions.crossval)."""

from dataclasses import replace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from deblur_core.data.dead_leaves import scene_names  # noqa: E402
from deblur_core.plotting import plot_claim_differences  # noqa: E402
from deblur_core.profiles import profile_settings  # noqa: E402
from deblur_core.regions.crossval import cross_validate_selectors, pooled_banks, scene_folds  # noqa: E402
from deblur_core.regions.dataset import split_examples  # noqa: E402
from deblur_core.regions.evaluation import (  # noqa: E402
    BEST_WINDOW,
    PAPER_CLAIMS,
    PER_IMAGE_CLAIMS,
    WHOLE_IMAGE,
    claim_differences_by,
    selector_claims,
    within_image_table,
)
from deblur_core.regions.selectors import MEAN_GRADIENT, PER_IMAGE_CNN  # noqa: E402
from deblur_core.regions.training import ClassifierTrainingConfig  # noqa: E402


def test_scene_folds_hold_out_every_image_once_with_categories_spread():
    images = ["grass", "gravel", "moon", "brick", "coffee", "rocket", "text", "astronaut", "camera", "chelsea"]
    folds = scene_folds(images, 4)
    flat = [name for fold in folds for name in fold]
    assert sorted(flat) == sorted(images)
    assert sorted(len(fold) for fold in folds) == [2, 2, 3, 3]
    natural = {"grass", "gravel", "moon", "chelsea"}
    assert all(len(natural & set(fold)) == 1 for fold in folds)  # 4 natural images, one per fold
    assert scene_folds(images, 4) == folds
    assert scene_folds(images[::-1], 4) != folds  # the given order decides ties, nothing hidden


@pytest.mark.parametrize("folds", [1, 4, 2.5, True])
def test_scene_folds_reject_impossible_counts(folds):
    with pytest.raises(ValueError, match="scene_folds must be an integer from 2 to the number of images"):
        scene_folds(["grass", "camera", "text"], folds)


def test_scene_folds_name_the_fix():
    with pytest.raises(ValueError, match="grass listed twice"):
        scene_folds(["grass", "camera", "grass"], 2)
    with pytest.raises(ValueError, match="this profile has no scene_folds; set it to an integer"):
        scene_folds(["grass", "camera", "text"], None)


def test_pooled_banks_keep_the_splits_own_examples():
    settings = profile_settings("regions", "smoke", image_size=41)
    split = split_examples(settings)
    train_bank, test_bank = pooled_banks(settings)
    pooled = set(settings.train_images) | set(settings.test_images)
    synthetic = set(scene_names(settings.dead_leaves))
    assert synthetic, "the smoke profile should exercise dead-leaves training scenes"
    # dead-leaves scenes train every fold and are never a test scene
    assert {e.image_name for e in train_bank} == pooled | synthetic
    assert {e.image_name for e in test_bank} == pooled
    for bank, own in ((train_bank, split["train"]), (test_bank, split["test"])):
        # same kernels and the same noise as the split's examples, so their cached labels and scores carry over
        assert all(np.array_equal(a.blurry, b.blurry) for a, b in zip(bank, own))
        assert [e.name for e in bank[: len(own)]] == [e.name for e in own]
    assert len(test_bank) == settings.test_kernel_count * len(pooled)
    with pytest.raises(ValueError, match="appear in more than one split"):
        pooled_banks(replace(settings, val_images=settings.test_images))
    with pytest.raises(ValueError, match="val_images has 1 image"):
        pooled_banks(replace(settings, val_images=("coins",)))
    with pytest.raises(ValueError, match="dead-leaves-0: synthetic scenes may only train"):
        pooled_banks(replace(settings, test_images=("camera", "dead-leaves-0")))


@pytest.fixture(scope="module")
def smoke_cross_validation(tmp_path_factory):
    settings = profile_settings("regions", "smoke", image_size=61, window_size=31, stride=15, iterations_per_scale=2)
    config = ClassifierTrainingConfig(input_size=31, width=4, blocks=(1, 1, 1, 1), epochs=1, batch_size=8)
    cache = tmp_path_factory.mktemp("cache")
    result = cross_validate_selectors(
        settings,
        config,
        estimator_options={"iterations_per_scale": 2},
        cache_dir=cache,
        progress=False,
    )
    return settings, config, cache, result


def test_every_scene_is_tested_once_and_never_trained_on(smoke_cross_validation):
    settings, _, _, result = smoke_cross_validation
    pooled = list(settings.train_images) + list(settings.test_images)
    evaluation, folds = result.evaluation, result.folds
    assert sorted(evaluation["image"].unique()) == sorted(pooled)
    per_fold = evaluation.groupby("fold")["image"].agg(lambda names: ", ".join(dict.fromkeys(names)))
    windows_per_image = settings.kernel_count * 9  # a 61 px image has 3 x 3 windows of 31 px every 15 px
    for row in folds.to_dict("records"):
        held_out, trained_on = set(row["held-out images"].split(", ")), set(row["training images"].split(", "))
        assert set(per_fold[row["fold"]].split(", ")) == held_out
        synthetic = set(scene_names(settings.dead_leaves))
        assert not held_out & trained_on and held_out | trained_on == set(pooled) | synthetic
        assert row["training windows"] == len(trained_on) * windows_per_image
    tested = settings.test_kernel_count * len(pooled)
    assert evaluation["example"].nunique() == tested == folds["test examples"].sum()
    # each example's best window is no worse than any selector's pick on it
    ratios = evaluation.pivot_table(index="example", columns="selector", values="error ratio")
    assert (ratios.drop(columns=BEST_WINDOW).ge(ratios[BEST_WINDOW] - 1e-12, axis=0)).all().all()


def test_split_test_images_keep_their_examples(smoke_cross_validation):
    settings, _, _, result = smoke_cross_validation
    split_test = split_examples(settings)["test"]
    name = split_test[0].image_name
    rows = result.evaluation[(result.evaluation["image"] == name) & (result.evaluation["selector"] == BEST_WINDOW)]
    assert len(rows) == settings.test_kernel_count
    # the split's test examples are the cross-validation's: same kernels, same noise, so cached scores carry over
    assert sorted(rows["kernel size"]) == sorted(e.kernel.shape[0] for e in split_test if e.image_name == name)


def test_claims_over_cross_validated_scenes(smoke_cross_validation):
    _, _, _, result = smoke_cross_validation
    claims = selector_claims(result.evaluation, PAPER_CLAIMS, clusters_by="image")
    # the folds score no whole image: that claim is left out, the others are all tested
    scored = [(a, b) for a, b in PAPER_CLAIMS if b != WHOLE_IMAGE]
    assert list(claims["claim"]) == [f"{a} beats {b}" for a, b in scored] and len(scored) == len(PAPER_CLAIMS) - 1
    assert (claims["images"] == 4).all()
    assert (claims["verdict by image"] == "inconclusive").all()  # 4 scenes are below a verdict's 6


def test_each_fold_also_trains_the_per_image_classifier_and_scores_the_mean_gradient(smoke_cross_validation):
    settings, _, _, result = smoke_cross_validation
    assert settings.compare_labellings
    scored = set(result.evaluation["selector"])
    assert {PER_IMAGE_CNN, MEAN_GRADIENT, "CNN"} <= scored
    claims = selector_claims(result.evaluation, PER_IMAGE_CLAIMS, clusters_by="image")
    # every claim of the per-image classifier but the whole image's, which the folds do not score
    assert list(claims["claim"]) == [f"{a} beats {b}" for a, b in PER_IMAGE_CLAIMS if b != WHOLE_IMAGE]


def test_a_second_run_trains_nothing(smoke_cross_validation):
    settings, config, cache, first = smoke_cross_validation
    assert not first.folds["from cache"].any()
    again = cross_validate_selectors(
        settings, config, estimator_options={"iterations_per_scale": 2}, cache_dir=cache, progress=False
    )
    assert again.folds["from cache"].all()
    assert np.allclose(again.evaluation["error ratio"], first.evaluation["error ratio"])


def test_cross_validation_needs_a_fold_count():
    settings = profile_settings("regions", "quick")
    assert settings.scene_folds is None
    with pytest.raises(ValueError, match="has no scene_folds"):
        cross_validate_selectors(settings, ClassifierTrainingConfig(input_size=31, width=4, blocks=(1, 1, 1, 1)))


def constructed_evaluation():
    rows = []
    for example in range(12):
        image = f"scene{example % 6}"
        rows += [
            {"example": example, "selector": "A", "regret": 1.0, "image": image},
            {"example": example, "selector": "B", "regret": 1.5 + (example % 6) * 0.1, "image": image},
        ]
    return pd.DataFrame(rows)


def test_claim_differences_by_image_are_the_points_behind_the_interval():
    evaluation = constructed_evaluation()
    differences = claim_differences_by(evaluation, [("A", "B"), ("B", "A")])
    assert list(differences.index) == [f"scene{i}" for i in range(6)]
    assert np.allclose(differences["A beats B"], 0.5 + np.arange(6) * 0.1)  # lower regret is better
    assert np.allclose(differences["B beats A"], -differences["A beats B"])
    claims = selector_claims(evaluation, [("A", "B")], clusters_by="image").iloc[0]
    assert np.isclose(differences["A beats B"].mean(), claims["mean difference"])  # equal groups: same mean


def test_claim_difference_plot_draws_each_scene_and_the_verdict():
    evaluation = constructed_evaluation()
    pairs = [("A", "B"), ("B", "A")]
    differences = claim_differences_by(evaluation, pairs)
    claims = selector_claims(evaluation, pairs, clusters_by="image")
    fig, ax = plt.subplots()
    plot_claim_differences(ax, differences, claims)
    assert sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets")) >= 12
    assert [t.get_text() for t in ax.texts] == ["confirmed", "contradicted"]
    with pytest.raises(ValueError, match="different claims"):
        plot_claim_differences(ax, differences[["B beats A"]], claims)
    plt.close(fig)


def test_within_image_intervals_can_resample_whole_images():
    evaluation = constructed_evaluation().assign(**{"rank correlation": 0.0})
    by_example = within_image_table(evaluation, ["B"]).iloc[0]
    by_image = within_image_table(evaluation, ["B"], clusters_by="image").iloc[0]
    assert by_example["regret"] == by_image["regret"]
    # 6 images each repeated twice: resampling images draws pairs together, so the interval widens
    assert (
        by_image["regret CI high"] - by_image["regret CI low"]
        > by_example["regret CI high"] - by_example["regret CI low"]
    )
