"""Where our SelfDeblur differs from the authors' released Levin script, and what each difference costs.

Differences (their code read to understand it; see the notebook and README for the full list):

1. Learning-rate schedule. Theirs halves both rates at iterations 2,000, 3,000 and 4,000 whatever the
   budget, so a run of 2,000 iterations or fewer never decays. Ours (``schedule="scaled"``) halves at
   40/60/80 % of any budget. ``schedule="fixed"`` reproduces theirs.
2. Loss. Theirs is plain MSE (no TV term) until iteration 1,000, then 1 - SSIM. Ours follows the paper's
   Eq. 6: MSE + lambda TV with lambda = 0.1 sigma. Runs of at most 1,000 iterations therefore differ only
   by the TV term, which ``tv_weight=0`` removes.
3. Non-local blocks at the three deepest encoder levels of G_x (theirs; their paper does not mention
   them). Ours has none by default; ``non_local_levels=3`` adds them (deblur_core.models.non_local).

Each variant adds one of the authors' choices to the previous one, on the long profile's SelfDeblur
cases (half-scale Levin-like benchmark, G_x 64 channels) and seeds, at 500 and 1,000 iterations. With
the fixed schedule nothing depends on the budget, so its 500-iteration figures are read from the
1,000-iteration run at iteration 500; the scaled schedule needs its own 500-iteration run. PSNR is the
runs' own curve (Levin border, whole-pixel alignment) so that every budget is scored the same way.

    python benchmarks/selfdeblur_parity.py

Runs go through the run cache (data/cache/selfdeblur): an interrupted benchmark resumes. Ends with one
JSON line of the per-variant means and the paired comparisons.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from deblur_core.data.levin import levin_like_benchmark
from deblur_core.device import cpu_model
from deblur_core.profiles import profile_settings
from deblur_core.selfdeblur import SelfDeblurConfig, run_selfdeblur_on_case
from deblur_core.stats import comparisons_table, paired_comparison

ROOT = Path(__file__).resolve().parents[1]
LONG = profile_settings("selfdeblur", "long")
BUDGETS = (500, 1000)
VARIANTS = {  # name: SelfDeblurConfig overrides, each adding one of the authors' choices
    "ours (scaled schedule, MSE + TV)": dict(schedule="scaled"),
    "+ fixed schedule": dict(schedule="fixed"),
    "+ no TV (authors' loss up to 1,000 it.)": dict(schedule="fixed", tv_weight=0.0),
    "+ non-local blocks": dict(schedule="fixed", tv_weight=0.0, non_local_levels=3),
}
STEPS = [  # (claim, variant, reference): each difference's effect, and all of them together
    ("fixed schedule > scaled", "+ fixed schedule", "ours (scaled schedule, MSE + TV)"),
    ("no TV > TV (fixed schedule)", "+ no TV (authors' loss up to 1,000 it.)", "+ fixed schedule"),
    ("non-local blocks > none", "+ non-local blocks", "+ no TV (authors' loss up to 1,000 it.)"),
    ("authors' choices > ours", "+ non-local blocks", "ours (scaled schedule, MSE + TV)"),
]


def runs_for(variant: dict) -> list[int]:
    """Budgets to run: one run of the largest budget when nothing depends on the budget."""
    return [max(BUDGETS)] if variant.get("schedule") == "fixed" else list(BUDGETS)


def main() -> None:
    cases = levin_like_benchmark(ROOT / "data" / "cache", scale=LONG.scale)
    cases = [c for c in cases if (c.image_id, c.kernel_id) in set(map(tuple, LONG.cases))]
    print(f"CPU: {cpu_model()}")
    print(f"{len(cases)} cases x seeds {LONG.seeds}, G_x {LONG.channels} channels, scale {LONG.scale}")
    rows = []
    for name, overrides in VARIANTS.items():
        for case in cases:
            for seed in LONG.seeds:
                for iterations in runs_for(overrides):
                    config = SelfDeblurConfig(
                        kernel_size=(case.estimation_size,) * 2,
                        iterations=iterations,
                        channels=LONG.channels,
                        seed=seed,
                        snapshot_count=LONG.snapshot_count,
                        eval_every=50,
                        **overrides,
                    )
                    result = run_selfdeblur_on_case(
                        case,
                        config,
                        cache_dir=ROOT / "data" / "cache" / "selfdeblur",
                        description=f"{name} im{case.image_id} k{case.kernel_id} s{seed} {iterations} it.",
                    )
                    history = result.history.set_index("iteration")
                    for budget in BUDGETS:
                        if budget <= iterations and (budget == iterations or overrides.get("schedule") == "fixed"):
                            rows.append(
                                {
                                    "variant": name,
                                    "case": f"im{case.image_id}_k{case.kernel_id}",
                                    "seed": seed,
                                    "iterations": budget,
                                    "PSNR": float(history.loc[budget, "psnr"]),
                                    "kernel similarity": float(history.loc[budget, "kernel_similarity"]),
                                    "s/it": result.seconds / iterations,
                                }
                            )
    scores = pd.DataFrame(rows)
    means = scores.groupby(["iterations", "variant"], sort=False)[["PSNR", "kernel similarity", "s/it"]].mean()
    print()
    print(means.round(3).to_string())
    comparisons = []
    for budget in BUDGETS:
        at = scores[scores["iterations"] == budget]
        for claim, variant, reference in STEPS:
            a = at[at["variant"] == variant].sort_values(["case", "seed"])
            b = at[at["variant"] == reference].sort_values(["case", "seed"])
            comparisons.append(paired_comparison(a["PSNR"], b["PSNR"], claim=f"{claim} @ {budget}", clusters=a["case"]))
    table = comparisons_table(comparisons)
    print()
    print(table.round(3).to_string(index=False))
    print(
        json.dumps(
            {
                "cpu": cpu_model(),
                "means": {f"{i} it. | {v}": round(r["PSNR"], 3) for (i, v), r in means.iterrows()},
                "comparisons": {
                    c.claim: [round(c.mean, 3), round(c.low, 3), round(c.high, 3), c.verdict] for c in comparisons
                },
            }
        )
    )


if __name__ == "__main__":
    main()
