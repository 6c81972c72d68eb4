"""Two choices of SelfDeblur's `long` runs, each measured against its alternative at long's budget.

1. **Precision.** `long` runs in the precision :func:`deblur_core.device.select_precision` picks: bfloat16 autocast
   where the CPU computes bf16 natively, float32 elsewhere. Here SelfDeblur-J runs both ways on long's 8 real Levin
   cases (half scale, 800 iterations, seed 0): the PSNR difference bf16 - float32 with its bootstrap 95 % CI over
   cases, and the seconds per run. On a CPU without native bf16 the bf16 runs are emulated (slow but the same
   arithmetic), which the first line says.
2. **Schedule.** The paper halves both learning rates at 40, 60 and 80 % of 5,000 iterations; `long` compresses the
   halvings into its 800 iterations (``schedule="scaled"``). The alternative keeps the paper's milestones
   (``schedule="fixed"``), which all lie beyond 800 iterations: a constant rate. Paired over the same cases.

The default runs are the notebook's own (the same configurations, hence the same run cache as
``notebooks/03_selfdeblur.ipynb`` under ``long``), so they load in seconds once the notebook has run; every run is
cached, so a second call of this script takes seconds. PSNR after Levin et al.'s sub-pixel alignment, as in the tables.

    DEBLUR_LEVIN_DIR=... python benchmarks/selfdeblur_long_choices.py

Ends with one JSON line: per choice, both sides' mean PSNR, the paired difference, its CI and verdict, seconds per run.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from deblur_core.data.levin import load_benchmark
from deblur_core.device import cpu_channels_last_is_fast, cpu_flags, cpu_model, cpu_native_bf16, select_precision
from deblur_core.evaluation import compare_with_levin_border
from deblur_core.profiles import profile_settings
from deblur_core.selfdeblur import run_selfdeblur_on_case
from deblur_core.selfdeblur.experiment import VARIANTS, select_cases
from deblur_core.stats import paired_comparison

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "data" / "cache"
LONG = profile_settings("selfdeblur", "long")
METHOD = "SelfDeblur-J"


def long_config(case):
    """The configuration notebook 03 runs for ``METHOD`` on ``case`` under long (same cache entry)."""
    return LONG.run_config(case.estimation_size, LONG.seeds[0], "paper", VARIANTS[METHOD])


def main() -> None:
    flags = cpu_flags() or set()
    native = cpu_native_bf16(flags)
    float32 = "float32-channels-last" if cpu_channels_last_is_fast(flags) else "float32"
    default = select_precision().name
    print(
        f"CPU: {cpu_model()} ({'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else 'no AVX2'}, "
        f"native bf16: {'yes' if native else 'no, bf16 emulated'}); long's default precision here: {default}"
    )
    benchmark, label = load_benchmark(
        LONG.data, scale=LONG.scale, folder=os.environ.get("DEBLUR_LEVIN_DIR"), cache_dir=CACHE
    )
    cases = select_cases(benchmark, LONG.cases)
    print(f"{METHOD}, {label}, {len(cases)} cases, {LONG.iterations} iterations, G_x width {LONG.channels}, seed 0")

    def with_precision(config, side):
        # the side that "auto" resolves to here keeps "auto", so that it is the notebook's run (one cache entry)
        return config if select_precision(precision=side).name == default else replace(config, precision=side)

    choices = {
        "precision": ("bfloat16", float32, with_precision),
        "schedule": ("scaled", "fixed", lambda config, side: replace(config, schedule=side)),
    }
    figures = {"cpu": cpu_model(), "native_bf16": bool(native), "cases": len(cases)}
    print(
        f"\n{'choice':<10} {'A':<22} {'B':<22} {'PSNR A':>7} {'PSNR B':>7} {'A - B':>7} {'95 % CI':>17} "
        f"{'verdict':>13} {'s/run A':>8} {'s/run B':>8}"
    )
    for choice, (side_a, side_b, configure) in choices.items():
        psnr, seconds = {side_a: [], side_b: []}, {side_a: [], side_b: []}
        for case in cases:
            for side in (side_a, side_b):
                config = configure(long_config(case), side)
                result = run_selfdeblur_on_case(
                    case, config, cache_dir=CACHE / "selfdeblur", description=f"{choice} {side} {case.name}"
                )
                psnr[side].append(compare_with_levin_border(result.latent, case.sharp).psnr)
                seconds[side].append(result.seconds)
        comparison = paired_comparison(
            psnr[side_a], psnr[side_b], claim=f"{side_a} > {side_b}", clusters=[c.name for c in cases]
        )
        mean = {side: sum(values) / len(values) for side, values in psnr.items()}
        per_run = {side: sum(values) / len(values) for side, values in seconds.items()}
        print(
            f"{choice:<10} {side_a:<22} {side_b:<22} {mean[side_a]:7.2f} {mean[side_b]:7.2f} {comparison.mean:+7.2f} "
            f"[{comparison.low:+.2f}, {comparison.high:+.2f}] {comparison.verdict:>13} "
            f"{per_run[side_a]:8.1f} {per_run[side_b]:8.1f}"
        )
        figures[choice] = {
            "a": side_a,
            "b": side_b,
            "mean_psnr_db": {side: round(value, 3) for side, value in mean.items()},
            "difference_db": round(comparison.mean, 3),
            "ci": [round(comparison.low, 3), round(comparison.high, 3)],
            "verdict": comparison.verdict,
            "seconds_per_run": {side: round(value, 1) for side, value in per_run.items()},
            "per_case_db": {side: [round(v, 3) for v in values] for side, values in psnr.items()},
        }
    print(
        "\nSeconds per run are each run's own record (a cached run keeps the time it took when it ran), so compare "
        "them only between runs made on one machine."
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
