import numpy as np
import pandas as pd
import pytest

from deblur_core.regions.evaluation import within_image_share
from deblur_core.regions.labels import LabelledExample
from deblur_core.regions.report import findings_markdown


def claims(groups: str, units: int, verdict_by_group: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "claim": ["CNN beats Fergus et al.", "CNN beats whole image"],
            "mean difference": [-0.2, 0.3],
            "CI 95% low": [-0.5, 0.1],
            "CI 95% high": [0.1, 0.5],
            "paired samples": 36,
            "clusters": 36,
            "verdict": ["inconclusive", "confirmed"],
            f"CI 95% low by {groups}": [np.nan if units < 6 else -0.6, np.nan if units < 6 else 0.05],
            f"CI 95% high by {groups}": [np.nan if units < 6 else 0.2, np.nan if units < 6 else 0.6],
            f"{groups}s": units,
            f"verdict by {groups}": ["inconclusive", verdict_by_group],
            "paper (Fig. 8)": ["CNN's curve highest", "CNN comparable or better (Sec. 4.3)"],
        }
    )


CNN = pd.Series(
    {
        "regret": 2.17,
        "regret CI low": 1.55,
        "regret CI high": 3.08,
        "rank correlation": 0.15,
        "rank correlation CI low": 0.07,
        "rank correlation CI high": 0.22,
    }
)


def test_findings_read_the_verdicts_of_independent_units_and_weigh_the_label_evidence():
    text = findings_markdown(
        claims("image", 3, "inconclusive"),
        CNN,
        profile="long",
        test_auc=0.66,
        size_auc=0.76,
        scene_claims=claims("image", 13, "confirmed"),
        cnn_scenes=CNN,
        real_claims=claims("kernel", 8, "confirmed"),
    )
    # 3 sharp images: the by-image reading can have no verdict, whatever the per-example one says
    assert "3 independent unit(s), fewer than 6: no verdict is possible" in text
    assert "no interval (fewer than 6 units)" in text
    assert "**Every scene held out once** (13 scenes" in text and "resampling the 8 recorded kernels" in text
    row = "| CNN beats whole image | CNN comparable or better (Sec. 4.3) | +0.30 [+0.05, +0.60] | **confirmed**"
    assert row in text
    assert "mean regret is 2.17 [+1.55, +3.08]" in text and "at +0.15 [+0.07, +0.22]" in text
    assert "blur size alone predicts the same labels at 0.76" in text and "learns mostly the blur size" in text
    assert "does not cover" in text


def test_without_cross_validation_or_real_data_those_sections_are_left_out():
    text = findings_markdown(claims("image", 2, "inconclusive"), CNN, profile="quick", test_auc=0.8, size_auc=0.6)
    assert "Every scene held out once" not in text and "Levin" not in text.split("does not cover")[0]
    assert "learns more from the windows than the blur size alone" in text


@pytest.mark.parametrize(
    ("train_auc", "reading"),
    [(0.95, "more data, not capacity, is lacking"), (0.6, "capacity or label noise limits it"), (0.7, "neither")],
)
def test_the_capacity_reading_follows_the_training_and_test_auc(train_auc, reading):
    text = findings_markdown(
        claims("image", 2, "inconclusive"), CNN, profile="quick", test_auc=0.66, size_auc=0.6, train_auc=train_auc
    )
    assert f"ROC-AUC is {train_auc:.2f} on its training windows against 0.66" in text and reading in text


def test_within_image_share_splits_the_variance_and_says_so():
    flat = [LabelledExample(None, [], np.zeros(0), np.full(4, value)) for value in (0.2, 0.9)]
    assert within_image_share(flat) == 0.0  # every window of an image alike: nothing to choose
    varied = [LabelledExample(None, [], np.zeros(0), np.array([0.2, 0.8, 0.2, 0.8])) for _ in range(2)]
    assert within_image_share(varied) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no labelled windows"):
        within_image_share([])
    text = findings_markdown(
        claims("image", 2, "inconclusive"), CNN, profile="quick", test_auc=0.8, size_auc=0.6, within_share=0.23
    )
    assert "Only 23% of the test windows' kernel-similarity variance lies within an image" in text


def test_one_class_test_windows_say_so_instead_of_printing_nan():
    text = findings_markdown(
        claims("image", 2, "inconclusive"), CNN, profile="smoke", test_auc=np.nan, size_auc=np.nan, train_auc=0.6
    )
    assert "hold one class only" in text and "nan" not in text and "Capacity" not in text
