"""Data, labels and evaluation of the region-selection pipeline (small odd-sized images)."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage

from deblur_core.kernels import random_motion_kernel, recorded_shake_kernel
from deblur_core.profiles import profile_settings
from deblur_core.regions import evaluation as evaluation_module
from deblur_core.regions import labels as labels_module
from deblur_core.regions.dataset import kernel_bank, make_examples, split_examples
from deblur_core.regions.evaluation import (
    BEST_SIMILARITY,
    BEST_WINDOW,
    EXPECTED_CHANCE,
    WHOLE_IMAGE,
    evaluate_choices,
    kernel_size_confound,
    score_windows,
    selector_choices,
    selector_claims,
    size_only_auc,
    success_rates,
    within_image_table,
)
from deblur_core.regions.labels import LabelledExample, label_summary, label_windows, stack_labelled
from deblur_core.regions.selectors import FergusSelector, RandomSelector
from deblur_core.regions.windows import paper_window_count, window_grid

FAST = {"iterations_per_scale": 2}


def small_examples(split="train", names=("text", "coins")):
    return make_examples(list(names), split, image_size=61, kernel_sizes=(5, 7), kernel_count=2)


def test_window_grid_covers_the_image_and_counts_like_the_paper():
    windows = window_grid((61, 75), size=33, stride=16)
    assert {w.x for w in windows} == {0, 16, 32, 42} and {w.y for w in windows} == {0, 16, 28}
    covered = np.zeros((61, 75), bool)
    for w in windows:
        covered[w.slices()] = True
    assert covered.all()
    assert paper_window_count((450, 450), 228, 20) == 121
    with pytest.raises(ValueError, match="larger than the image"):
        window_grid((61, 75), size=62, stride=4)
    with pytest.raises(ValueError, match="stride"):
        window_grid((61, 75), size=33, stride=0)


def test_examples_are_deterministic_and_split_by_image():
    first, second = small_examples(), small_examples()
    assert all(np.array_equal(a.blurry, b.blurry) for a, b in zip(first, second))
    assert [e.name for e in first] == ["text_k1", "text_k2", "coins_k1", "coins_k2"]
    assert all(e.blurry.shape == (61, 61) and e.sharp.shape == (61, 61) for e in first)
    test = small_examples("test", names=("camera",))
    assert not np.array_equal(test[0].kernel, first[0].kernel)  # test kernels come from another bank
    splits = split_examples(profile_settings("regions", "smoke"))
    names = {split: {e.image_name for e in examples} for split, examples in splits.items()}
    assert not (names["train"] & names["test"]) and not (names["train"] & names["val"])
    with pytest.raises(ValueError, match="more than one split"):
        split_examples(replace(profile_settings("regions", "smoke"), test_images=("text",)))


def test_kernel_bank_sizes_and_errors():
    assert [k.shape[0] for k in kernel_bank(3, (5, 9), seed=0)] == [5, 7, 9]
    with pytest.raises(ValueError, match="odd"):
        kernel_bank(3, (4, 9), seed=0)


def test_kernel_bank_draws_from_the_chosen_kernel_model():
    trajectory = kernel_bank(2, (9, 11), seed=0)
    # the default draws exactly the constant-speed kernels every cached label was computed from
    assert all(np.array_equal(k, random_motion_kernel(k.shape[0], seed=i)) for i, k in enumerate(trajectory))
    shake = kernel_bank(2, (9, 11), seed=0, kernel_model="recorded-shake")
    assert all(np.array_equal(k, recorded_shake_kernel(k.shape[0], seed=i)) for i, k in enumerate(shake))
    assert [k.shape for k in shake] == [k.shape for k in trajectory]
    with pytest.raises(ValueError, match="unknown kernel model"):
        kernel_bank(2, (9, 11), seed=0, kernel_model="gaussian")


def test_labels_are_cached_and_resume_after_an_interruption(tmp_path, monkeypatch):
    examples = small_examples()[:3]
    calls = []
    real = labels_module._label_one

    def counting(example, *args):
        calls.append(example.name)
        if example.name == "coins_k1" and len(calls) == 3 and not getattr(counting, "done", False):
            counting.done = True
            raise KeyboardInterrupt  # the user stops the run during the third image
        return real(example, *args)

    monkeypatch.setattr(labels_module, "_label_one", counting)
    with pytest.raises(KeyboardInterrupt):
        label_windows(examples, 33, 14, estimator_options=FAST, cache_dir=tmp_path, progress=False)
    assert calls == ["text_k1", "text_k2", "coins_k1"]
    resumed = label_windows(examples, 33, 14, estimator_options=FAST, cache_dir=tmp_path, progress=False)
    assert calls[3:] == ["coins_k1"]  # only the unfinished image is estimated again
    again = label_windows(examples, 33, 14, estimator_options=FAST, cache_dir=tmp_path, progress=False)
    assert calls[4:] == []
    for a, b in zip(resumed, again):
        assert np.array_equal(a.similarities, b.similarities) and np.array_equal(a.kernels, b.kernels)
    other = label_windows(
        examples[:1], 33, 14, estimator_options={"iterations_per_scale": 3}, cache_dir=tmp_path, progress=False
    )
    assert calls[4:] == ["text_k1"] and len(other[0].windows) == 9  # other settings: a fresh entry


def test_labels_follow_the_threshold():
    item = LabelledExample(
        small_examples()[0],
        window_grid((61, 61), 33, 14),
        np.zeros((9, 5, 5)),
        np.array([0.5, 0.6, 0.7, 0.74, 0.75, 0.76, 0.8, 0.9, 1.0]),
    )
    assert item.labels(0.75).tolist() == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    assert item.per_image_labels().tolist() == [0, 0, 0, 0, 0, 1, 1, 1, 1]  # median 0.75
    shifted = LabelledExample(item.example, item.windows, item.kernels, item.similarities - 0.4)
    assert shifted.labels(0.75).sum() == 0 and shifted.per_image_labels().sum() == 4  # blur-size free
    with pytest.raises(ValueError, match="unknown labelling"):
        stack_labelled([item], labelling="relative")
    summary = label_summary([item], 0.75)
    assert summary["windows"] == 9 and summary["positives"] == 4


@pytest.fixture(scope="module")
def scored_item():
    example = small_examples(names=("text",))[1]
    windows = window_grid(example.blurry.shape, 33, 14)
    kernels = np.zeros((len(windows), 7, 7))
    kernels[:, 3, 3] = 1.0  # every window 'estimates' no blur ...
    kernels[4] = example.kernel  # ... except window 4, which finds the truth
    widened = ndimage.gaussian_filter(example.kernel, 1.0)
    kernels[6] = widened / widened.sum()  # ... and window 6 a widened one, given the highest similarity
    similarities = np.full(len(windows), 0.4)
    similarities[4], similarities[6] = 0.95, 1.0
    item = LabelledExample(example, windows, kernels, similarities)
    return item, score_windows([item], progress=False)


def test_every_window_is_scored_and_the_true_kernel_has_error_ratio_one(scored_item):
    item, window_scores = scored_item
    assert len(window_scores) == len(item.windows)
    assert window_scores.loc[4, "error ratio"] == pytest.approx(1.0)
    assert window_scores.loc[0, "error ratio"] > 1.5  # the no-blur kernel leaves the blur in


def test_upper_bound_best_similarity_and_expected_chance(scored_item):
    item, window_scores = scored_item
    whole = [np.pad(item.example.kernel, 1)]
    selectors = {"fergus": FergusSelector(), "random": RandomSelector(0)}
    choices = selector_choices([item], selectors, whole)
    assert set(choices["selector"]) == {"fergus", "random", BEST_SIMILARITY, WHOLE_IMAGE}
    scored = evaluate_choices([item], choices, window_scores, whole).set_index("selector")
    assert scored.loc[BEST_SIMILARITY, "window"] == 6  # the most similar kernel is not the best one ...
    assert scored.loc[BEST_WINDOW, "window"] == 4  # ... the true kernel is
    windows_only = scored.drop(index=[WHOLE_IMAGE, EXPECTED_CHANCE])
    assert (scored.loc[BEST_WINDOW, "error ratio"] <= windows_only["error ratio"]).all()
    assert scored.loc[BEST_WINDOW, "regret"] == 1.0 and (windows_only["regret"] >= 1.0).all()
    assert scored.loc[EXPECTED_CHANCE, "error ratio"] == pytest.approx(window_scores["error ratio"].mean())
    assert scored.loc[EXPECTED_CHANCE, "similarity"] == pytest.approx(item.similarities.mean())
    assert scored.loc[WHOLE_IMAGE, "error ratio"] == pytest.approx(1.0, abs=0.05)  # same kernel, padded
    rates = success_rates(scored.reset_index(), window_scores)
    assert rates.loc[BEST_WINDOW, "ER ≤ 1.5"] == 1.0
    share = (window_scores["error ratio"] <= 1.5).mean()
    assert rates.loc[EXPECTED_CHANCE, "ER ≤ 1.5"] == pytest.approx(share) and 0 < share < 1


def test_window_scores_are_cached(scored_item, tmp_path, monkeypatch):
    item, window_scores = scored_item
    first = score_windows([item], cache_dir=tmp_path, progress=False)
    monkeypatch.setattr(evaluation_module, "score", lambda *a: pytest.fail("a cached example was scored again"))
    again = score_windows([item], cache_dir=tmp_path, progress=False)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, window_scores)


def test_claims_and_within_image_metrics_on_constructed_regrets():
    rng = np.random.default_rng(0)
    rows = []
    for example in range(12):
        good, noisy = 1.0 + rng.uniform(0, 0.05), 1.0 + rng.uniform(0, 0.05)
        rows += [
            {"example": example, "selector": "good", "regret": good, "rank correlation": 0.8},
            {"example": example, "selector": "bad", "regret": good + 1.0, "rank correlation": 0.1},
            {"example": example, "selector": "same", "regret": noisy, "rank correlation": 0.8},
        ]
    evaluation = pd.DataFrame(rows)
    claims = selector_claims(evaluation, [("good", "bad"), ("bad", "good"), ("good", "same")]).set_index("claim")
    assert claims["verdict"].tolist() == ["confirmed", "contradicted", "inconclusive"]
    table = within_image_table(evaluation).set_index("selector")
    assert table.loc["bad", "regret CI low"] > table.loc["good", "regret CI high"]


def test_claims_by_image_resample_whole_images():
    rows = []
    for example in range(12):
        image = f"scene{example % 3}"  # 3 sharp images under 4 kernels each
        rows += [
            {"example": example, "selector": "A", "regret": 1.0, "image": image},
            {"example": example, "selector": "B", "regret": 2.0 + 0.01 * example, "image": image},
        ]
    claims = selector_claims(pd.DataFrame(rows), [("A", "B")], clusters_by="image").iloc[0]
    # 12 examples are enough for a verdict; 3 images are not, however clear the difference
    assert (claims["clusters"], claims["verdict"]) == (12, "confirmed")
    assert (claims["images"], claims["verdict by image"]) == (3, "inconclusive")
    assert np.isnan(claims["CI 95% low by image"]) and np.isnan(claims["CI 95% high by image"])
    six_images = pd.DataFrame(rows).assign(image=lambda t: [f"scene{e % 6}" for e in t["example"]])
    claims = selector_claims(six_images, [("A", "B")], clusters_by="image").iloc[0]
    assert (claims["images"], claims["verdict by image"]) == (6, "confirmed")
    assert 0 < claims["CI 95% low by image"] <= claims["CI 95% high by image"]


def test_kernel_size_confound_and_size_only_auc():
    examples = make_examples(["text"], "train", image_size=61, kernel_sizes=(5, 9), kernel_count=2)
    windows = window_grid((61, 61), 33, 14)
    small, large = (
        LabelledExample(e, windows, np.zeros((9, 5, 5)), np.full(9, s)) for e, s in zip(examples, (0.9, 0.5))
    )
    table = kernel_size_confound([small, large]).set_index("kernel size")
    assert table["good share"].to_dict() == {5: 1.0, 9: 0.0}
    assert size_only_auc([small, large]) == 1.0  # blur size alone predicts every label


def test_labels_cache_entry_changes_with_every_estimator_setting_and_the_grid():
    example = make_examples(["text"], "train", image_size=61, kernel_sizes=(5, 9), kernel_count=2)[0]
    default = labels_module._label_path("cache", example, 64, 32, {})
    assert labels_module._label_path("cache", example, 64, 32, {"cleanup_threshold": 0.05}) == default  # the default
    assert labels_module._label_path("cache", example, 64, 32, {"cleanup_threshold": 0.02}) != default
    assert labels_module._label_path("cache", example, 64, 16, {}) != default
    assert labels_module._label_path(None, example, 64, 32, {}) is None
