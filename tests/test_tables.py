"""Rounding convention of result tables (deblur_core.tables) and its use by storage.save_table."""

import math

import pandas as pd
import pytest

from deblur_core import storage, tables


@pytest.mark.parametrize(
    ("name", "decimals"),
    [
        ("PSNR (ours, deformed GT)", 2),
        ("range over seeds (dB)", 2),
        ("SSIM (paper)", 3),
        ("MAE (ours, aligned GT)", 4),
        ("kernel similarity", 3),
        ("mean rank correlation", 3),
        ("error ratio", 2),
        ("ER ≤ 2.5", 3),
        ("positive share", 3),
        ("seconds", None),
    ],
)
def test_decimals_follow_the_column_name(name, decimals):
    assert tables.decimals_for(name) == decimals


def test_claims_rows_are_rounded_by_their_metric():
    claims = pd.DataFrame(
        {
            "metric": ["PSNR", "SSIM", "MAE"],
            "mean difference": [0.350612, 0.0048712, 0.00123456],
            "CI 95% low": [0.305111, -0.0012345, 0.0009871],
        }
    )
    out = tables.rounded(claims)
    assert out["mean difference"].tolist() == [0.35, 0.0049, 0.0012]
    assert out["CI 95% low"].tolist() == [0.31, -0.0012, 0.00099]


def test_other_numbers_keep_four_significant_digits_and_non_finite_pass():
    frame = pd.DataFrame({"seconds": [130.2456, 0.0481234, -math.inf, math.nan], "variant": ["a", "b", "c", "d"]})
    text = tables.formatted(frame)
    assert text["seconds"].tolist() == ["130.2", "0.04812", "-inf", "–"]
    assert text["variant"].tolist() == ["a", "b", "c", "d"]


def test_formatted_keeps_fixed_decimals_for_metrics():
    text = tables.formatted(pd.DataFrame({"PSNR": [27.3, 25.0], "SSIM": [0.7, 0.81234]}))
    assert text["PSNR"].tolist() == ["27.30", "25.00"]
    assert text["SSIM"].tolist() == ["0.700", "0.812"]


def test_rounded_does_not_touch_its_input():
    frame = pd.DataFrame({"PSNR": [27.31678]})
    tables.rounded(frame)
    assert frame["PSNR"].iloc[0] == 27.31678


def test_save_table_rounds_markdown_but_keeps_csv_exact(tmp_path):
    frame = pd.DataFrame({"variant": ["final"], "PSNR (ours)": [27.316789], "SSIM (ours)": [0.7741234]})
    csv_path, md_path = storage.save_table(frame, tmp_path / "table4")
    assert "| final | 27.32 | 0.774 |" in md_path.read_text()
    assert pd.read_csv(csv_path)["PSNR (ours)"].iloc[0] == pytest.approx(27.316789, abs=1e-9)


def test_a_claim_the_paper_does_not_make_is_not_read_as_the_papers():
    from deblur_core.tables import claims_markdown

    rows = pd.DataFrame(
        {
            "claim": ["CNN beats mean gradient", "CNN beats Xu & Jia"],
            "mean difference": [0.4, 0.4],
            "CI 95% low": [0.1, 0.1],
            "CI 95% high": [0.8, 0.8],
            "clusters": [8, 8],
            "verdict": ["confirmed", "confirmed"],
            "paper": ["not in the paper", "CNN's curve highest"],
        }
    )
    first, second = claims_markdown(rows, paper_column="paper").splitlines()[2:]
    assert "support the claim (the paper does not make it)" in first and "paper's claim" not in first
    assert "our data support the paper's claim" in second
