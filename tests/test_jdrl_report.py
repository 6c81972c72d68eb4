import numpy as np
import pandas as pd

from deblur_core.jdrl.experiment import BASELINE, CONTROL, FINAL, INPUT, ablation_comparisons
from deblur_core.jdrl.report import PAPER_TABLE4, findings_markdown, paper_table


def scores(variant, psnr, scenes=("chelsea", "camera", "coins", "grass", "brick", "moon")):
    images = [f"{scene}_1_{k}" for scene in scenes for k in range(2)]
    return pd.DataFrame({"image": images, "variant": variant, "seed": 0, "PSNR (aligned)": psnr})


def test_findings_are_written_from_the_claims_with_the_paper_beside_them():
    rng = np.random.default_rng(0)
    base = rng.normal(25, 1, 12)
    per_image = pd.concat(
        [scores(FINAL, base + 1), scores(BASELINE, base), scores(CONTROL, base + 1.5 + rng.normal(0, 0.01, 12))]
    )
    inputs = scores(INPUT, base - 0.5).drop(columns=["variant", "seed"])
    claims = ablation_comparisons(per_image, inputs)
    movement = pd.DataFrame(
        {"displacement (px)": [2.5, 0.1, 0.05, 0.0], "sharpness": [0.7, 0.9, 0.95, 0.6]},
        index=[BASELINE, FINAL, CONTROL, INPUT],
    )
    text = findings_markdown(claims, movement, profile="long", scenes=6)
    assert "(`long`, 6 held-out test scenes, PSNR against the aligned GT)" in text
    assert "It changes the blurry input's PSNR by +1.50 dB [" in text and "**confirmed**" in text
    assert "Paper: +1.2 dB; ours: +1.00 dB" in text
    assert "moved 2.50 px" in text and "control 0.95" in text
    assert "Final against the control" in text and "contradicted" in text
    assert "does not cover" in text


def test_the_paper_table_has_a_row_per_variant_and_none_for_ours_only():
    table = paper_table([FINAL, CONTROL])
    assert table.loc[FINAL, "PSNR"] == PAPER_TABLE4[FINAL][0] and table.loc[CONTROL].isna().all()
