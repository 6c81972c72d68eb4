"""Data, labels and evaluation of the region-selection pipeline (small odd-sized images)."""

import numpy as np
import pytest

from deblur_core.profiles import profile_settings
from deblur_core.regions import labels as labels_module
from deblur_core.regions.dataset import kernel_bank, make_examples, split_examples
from deblur_core.regions.evaluation import ORACLE, WHOLE_IMAGE, evaluate_choices, selector_choices, success_rates
from deblur_core.regions.labels import LabelledExample, label_summary, label_windows
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
        split_examples(profile_settings("regions", "smoke") | {"test_images": ("text",)})


def test_kernel_bank_sizes_and_errors():
    assert [k.shape[0] for k in kernel_bank(3, (5, 9), seed=0)] == [5, 7, 9]
    with pytest.raises(ValueError, match="odd"):
        kernel_bank(3, (4, 9), seed=0)


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
    summary = label_summary([item], 0.75)
    assert summary["windows"] == 9 and summary["positives"] == 4


def test_evaluation_scores_the_true_kernel_as_an_error_ratio_of_one():
    example = small_examples(names=("text",))[1]
    windows = window_grid(example.blurry.shape, 33, 14)
    kernels = np.zeros((len(windows), 7, 7))
    kernels[:, 3, 3] = 1.0  # every window 'estimates' no blur ...
    kernels[4] = example.kernel  # ... except window 4, which finds the truth
    similarities = np.full(len(windows), 0.4)
    similarities[4] = 1.0
    item = LabelledExample(example, windows, kernels, similarities)
    whole = [np.pad(example.kernel, 1)]
    choices = selector_choices([item], {"fergus": FergusSelector(), "random": RandomSelector(0)}, whole)
    assert set(choices["selector"]) == {"fergus", "random", ORACLE, WHOLE_IMAGE}
    oracle = choices.set_index("selector").loc[ORACLE]
    assert oracle["window"] == 4 and oracle["similarity"] == 1.0
    scored = evaluate_choices([item], choices, whole, progress=False).set_index("selector")
    assert scored.loc[ORACLE, "error ratio"] == pytest.approx(1.0)
    assert scored.loc[WHOLE_IMAGE, "error ratio"] == pytest.approx(1.0, abs=0.05)  # same kernel, padded
    if scored.loc["fergus", "window"] != 4:
        assert scored.loc["fergus", "error ratio"] > 1.5  # the no-blur kernel leaves the blur in
    rates = success_rates(scored.reset_index())
    assert rates.loc[ORACLE, "ER ≤ 1.5"] == 1.0
