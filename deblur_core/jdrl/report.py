"""Notebook 02's report: the paper's Table 4 numbers and the findings in words (JDRL Sec. 4.4, Table 4, Fig. 8).

Everything here reads the run's own tables; nothing is typed in by hand but the paper's reference numbers
(:data:`PAPER_TABLE4`), which stay next to the claims that use them.

Examples
--------
>>> paper_difference("final > #1 baseline", "PSNR")
'+1.2'
>>> paper_difference("final > blurry input", "PSNR")
'not reported'
"""

from __future__ import annotations

import pandas as pd

from ..tables import claims_markdown, interval_text
from .experiment import BASELINE, CONTROL, FINAL, INPUT

# JDRL Table 4 (SDD test set): PSNR, SSIM, MAE, LPIPS per variant
PAPER_TABLE4 = {
    "#1 baseline": (24.62, 0.758, 0.0360, 0.344),
    "#2 w/o cycle deformation": (24.80, 0.758, 0.0353, 0.347),
    "#3 w/o calibration mask": (25.78, 0.780, 0.0326, 0.309),
    "#4 w/o reblurring": (25.58, 0.777, 0.0335, 0.311),
    "#5 w/o isotropic design": (25.68, 0.778, 0.0329, 0.311),
    "#6 w/o weight prediction": (25.74, 0.778, 0.0330, 0.332),
    "final": (25.82, 0.783, 0.0320, 0.305),
}
PAPER_METRICS = ("PSNR", "SSIM", "MAE", "LPIPS")

NOT_COVERED = """\
**What this notebook does not cover, and why.**
JDRL's Table 1 (JDRL applied to other defocus-deblurring networks) and Tables 2-3 (SDD and DPDD test sets against
published methods): the networks' weights and the data sets cannot be fetched here, and a 2-core CPU could not train
them; pass `SDD_DIR` or `DPDD_DIR` to run this table on a real data set. LPIPS: its network weights cannot be
downloaded offline. PWC-Net: DIS optical flow stands in for it, in training and in the evaluation protocol. The
paper's budget (a 64-wide UNet, 100 epochs on 4,830 patches of 512 px) is the `paper` profile's, for a GPU."""


def paper_table(index) -> pd.DataFrame:
    """The paper's Table 4 as a frame (rows ``index``: variants without a paper row get NaN)."""
    return pd.DataFrame(PAPER_TABLE4, index=list(PAPER_METRICS)).T.reindex(index)


def paper_difference(claim: str, metric: str) -> str:
    """``final`` minus the other variant in the paper's Table 4, oriented like ours (positive favours final)."""
    other = claim.removeprefix("final > ")
    if other not in PAPER_TABLE4:
        return "not reported"
    column = PAPER_METRICS.index(metric)
    difference = PAPER_TABLE4[FINAL][column] - PAPER_TABLE4[other][column]
    return f"{difference if metric != 'MAE' else -difference:+.4g}"


def _claim_sentence(row: pd.Series, unit: str) -> str:
    return f"{row['mean difference']:+.2f} {unit} {interval_text(row['CI 95% low'], row['CI 95% high'])}".strip()


def findings_markdown(claims: pd.DataFrame, movement: pd.DataFrame, *, profile: str, scenes: int) -> str:
    """ "What we found": the PSNR verdicts in words, the paper's difference beside ours, and the baseline's failure.

    ``claims`` is :func:`~.experiment.ablation_comparisons`' table; ``movement`` has one row per variant with
    ``displacement (px)`` and, on synthetic data, ``sharpness`` (:func:`~.evaluation.relative_sharpness`).
    """
    psnr = claims[claims["metric"] == "PSNR"].set_index(["claim", "ground truth"])
    truth = "aligned GT" if "aligned GT" in psnr.index.get_level_values("ground truth") else "deformed GT"
    lines = [f"### What we found (`{profile}`, {scenes} held-out test scenes, PSNR against the {truth})", ""]
    deblurs = psnr.loc[(f"final > {INPUT}", truth)]
    lines.append(
        f"* **Does the final model deblur?** It changes the blurry input's PSNR by {_claim_sentence(deblurs, 'dB')}: "
        f"**{deblurs['verdict']}**. The paper reports no score of its input."
    )
    baseline = psnr.loc[(f"final > {BASELINE}", truth)]
    lines.append(
        f"* **JDRL against the plain pixel loss (#1).** Paper: {paper_difference(f'final > {BASELINE}', 'PSNR')} dB; "
        f"ours: {_claim_sentence(baseline, 'dB')}, **{baseline['verdict']}**."
    )
    ablations = [c for c in psnr.index.get_level_values("claim").unique() if c.removeprefix("final > ") in PAPER_TABLE4]
    ablations = [c for c in ablations if c != f"final > {BASELINE}"]
    if ablations:
        rows = psnr.xs(truth, level="ground truth").loc[ablations].reset_index()
        rows["paper"] = [paper_difference(claim, "PSNR") for claim in rows["claim"]]
        lines += ["", claims_markdown(rows, paper_column="paper", unit="dB"), ""]
    if BASELINE in movement.index and FINAL in movement.index:
        moved = movement["displacement (px)"]
        sentence = (
            f"* **What the baseline learns.** Its output moved {moved[BASELINE]:.2f} px from the input on average, the "
            f"final model's {moved[FINAL]:.2f} px"
        )
        if CONTROL in movement.index:
            sentence += f", the control's (#1 trained on aligned pairs) {moved[CONTROL]:.2f} px"
        sentence += "."
        if "sharpness" in movement:
            sharp = movement["sharpness"]
            sentence += (
                f" Sharpness against the aligned truth (1 = as sharp): input {sharp[INPUT]:.2f}, baseline "
                f"{sharp[BASELINE]:.2f}, final {sharp[FINAL]:.2f}"
                + (f", control {sharp[CONTROL]:.2f}" if CONTROL in sharp.index else "")
                + "."
            )
        lines.append(sentence)
    if (f"final > {CONTROL}", truth) in psnr.index:
        control = psnr.loc[(f"final > {CONTROL}", truth)]
        lines.append(
            f"* **Final against the control** (the same budget on perfectly aligned pairs, which real data never "
            f"give): {_claim_sentence(control, 'dB')}, {control['verdict']}."
        )
    return "\n".join(lines) + "\n\n" + NOT_COVERED
