"""The non-blind step behind notebook 03's known-kernel row, SelfDeblurΔ and the classical row, measured.

Our known-kernel row on long's real Levin cases is 1.2 dB under the paper's (33.30 against 34.53 dB), so the
non-blind step is one suspect. Two standard solvers are compared on the true kernels:

* ``hyper-Laplacian (w)``: :func:`deblur_core.deconv.deconvolve_hyper_laplacian`, Krishnan & Fergus's half-quadratic
  splitting with FFTs and an edge-tapered border, data weight ``w`` (2000 is the default);
* ``IRLS (w)``: :func:`deblur_core.deconv.deconvolve_irls`, Levin et al.'s sparse prior by reweighted least squares on a
  'valid' data term (no boundary assumed), prior weight ``w`` (2e-3 is the default); the step the paper names.

Each solver's weight is **chosen on the offline Levin-like stand-in** (32 synthetic cases, half scale), never on the
real benchmark, and then scored on Levin et al.'s 32 real cases at long's half scale and full scale, paired with the
default hyper-Laplacian, with bootstrap 95 % CIs resampling the 8 recorded kernels (the cases of one kernel are not
independent). PSNR after Levin's sub-pixel alignment, as in the tables.

    DEBLUR_LEVIN_DIR=... python benchmarks/selfdeblur_nonblind.py

Ends with one JSON line: the chosen weights, each solver's mean PSNR per data set, the paired differences with CIs.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pandas as pd

from deblur_core.data.levin import load_benchmark
from deblur_core.deconv import deconvolve_hyper_laplacian, deconvolve_irls
from deblur_core.device import cpu_flags, cpu_model
from deblur_core.evaluation import compare_with_levin_border
from deblur_core.stats import paired_comparison

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "data" / "cache"
HYPER_LAPLACIAN_WEIGHTS = (1000.0, 2000.0, 4000.0, 8000.0, 16000.0)
IRLS_WEIGHTS = (5e-5, 1e-4, 2e-4, 5e-4, 1e-3)
DEFAULT = "hyper-Laplacian (2000)"


def solvers() -> dict:
    """Every candidate: name -> function of (blurry, kernel)."""
    candidates = {
        f"hyper-Laplacian ({w:g})": (lambda b, k, w=w: deconvolve_hyper_laplacian(b, k, weight=w))
        for w in HYPER_LAPLACIAN_WEIGHTS
    }
    candidates.update(
        {f"IRLS ({w:g})": (lambda b, k, w=w: deconvolve_irls(b, k, prior_weight=w)) for w in IRLS_WEIGHTS}
    )
    return candidates


def psnr_table(cases, candidates: dict) -> pd.DataFrame:
    """PSNR of every candidate on every case (rows), with each case's kernel, and seconds per image per candidate."""
    rows, seconds = [], {name: 0.0 for name in candidates}
    for case in cases:
        row = {"case": case.name, "kernel": case.kernel_id}
        for name, solve in candidates.items():
            started = time.perf_counter()
            restored = solve(case.blurry, case.kernel)
            seconds[name] += time.perf_counter() - started
            row[name] = compare_with_levin_border(restored, case.sharp).psnr
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["seconds per image"] = {name: s / len(cases) for name, s in seconds.items()}
    return table


def main() -> None:
    flags = cpu_flags() or set()
    print(f"CPU: {cpu_model()} ({'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else 'no AVX2'})")
    folder = os.environ.get("DEBLUR_LEVIN_DIR")
    candidates = solvers()

    stand_in, _ = load_benchmark("levin-like", scale=0.5, cache_dir=CACHE)
    tuning = psnr_table(stand_in, candidates)
    means = tuning[list(candidates)].mean()
    chosen = {family: means[[n for n in candidates if n.startswith(family)]].idxmax() for family in ("hyper", "IRLS")}
    print("\nTuning on the Levin-like stand-in (32 synthetic cases, half scale): mean PSNR (dB)")
    for name in candidates:
        print(f"  {name:<26} {means[name]:6.2f}{'   <- chosen' if name in chosen.values() else ''}")

    compared = {name: candidates[name] for name in dict.fromkeys([DEFAULT, *chosen.values()])}
    figures = {"cpu": cpu_model(), "chosen": chosen, "stand_in_mean_psnr": means.round(3).to_dict(), "real": {}}
    for scale in (0.5, 1.0):
        real, label = load_benchmark("levin", scale=scale, folder=folder, cache_dir=CACHE)
        table = psnr_table(real, compared)
        print(f"\n{label}: 32 cases, known kernels; differences against {DEFAULT}, CIs resampling the 8 kernels")
        print(f"  {'solver':<26} {'mean PSNR':>9} {'difference':>11} {'95 % CI':>18} {'verdict':>13} {'s/image':>8}")
        results = {}
        for name in compared:
            comparison = paired_comparison(table[name], table[DEFAULT], claim=name, clusters=table["kernel"])
            seconds = table.attrs["seconds per image"][name]
            print(
                f"  {name:<26} {table[name].mean():9.2f} {comparison.mean:+11.2f} "
                f"[{comparison.low:+.2f}, {comparison.high:+.2f}] {comparison.verdict:>13} {seconds:8.2f}"
            )
            results[name] = {
                "mean_psnr_db": round(float(table[name].mean()), 3),
                "difference_db": round(comparison.mean, 3),
                "ci": [round(comparison.low, 3), round(comparison.high, 3)],
                "verdict": comparison.verdict,
                "seconds_per_image": round(seconds, 3),
            }
        figures["real"][f"scale {scale:g}"] = results
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
