"""SelfDeblur's Table 2 at a CPU profile's settings: which kernel generator (FCN, k−, k+ or Double-DIP)?

Ren et al. 2020, Table 2 (Sec. 4.2) keeps joint optimisation and swaps the kernel generator: SelfDeblur's FCN with one
hidden layer against none (k−), two (k+) and a second DIP network (Double-DIP). Notebook 03 fills Table 2 only under a
profile whose variants hold all four (``smoke`` and ``paper``): ``long``'s hour on 2 cores goes to Table 1. This script
runs notebook 03's sweep at a profile's settings (default ``long``: 8 real Levin cases at half scale, 800 iterations,
a 64-channel G_x) with Table 2's four variants, through the notebook's run cache (its SelfDeblur-J runs are the
notebook's own), and scores them with the notebook's helpers:

* Table 2's means beside the paper's (32 images, full resolution, 5,000 iterations);
* the three claims "SelfDeblur-J > X", paired over cases, with bootstrap 95 % CIs, verdicts and the paper's difference;
* the claims along the iteration budget, from the runs' own logs;
* every run's kernel beside the true one, collapses marked.

    DEBLUR_LEVIN_DIR=... python benchmarks/selfdeblur_table2.py [--profile long] [--out DIR]

It writes ``findings.md`` (the claims and means in words), ``table2_kernel_generators``, ``claims_verdicts``,
``budget_curve`` and ``all_scores`` (``.csv`` and ``.md``), ``kernels.png`` and ``budget_curve.png`` to ``--out``
(default ``benchmarks/results/selfdeblur_table2_<profile>``, where notebook 03 reads them). Every run is cached, so a
repeated call takes seconds. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from deblur_core import storage, tables  # noqa: E402
from deblur_core.data.levin import crop_case, load_benchmark  # noqa: E402
from deblur_core.device import cpu_flags, cpu_model, select_precision  # noqa: E402
from deblur_core.profiles import PROFILES, profile_settings  # noqa: E402
from deblur_core.selfdeblur import report  # noqa: E402
from deblur_core.selfdeblur.experiment import (  # noqa: E402
    REFERENCE,
    budget_curve,
    claims_table,
    run_sweep,
    select_cases,
    variants_named,
)

ROOT = Path(__file__).resolve().parents[1]
TABLE2 = report.TABLE_VARIANTS["Table 2"]
CLAIMED = [(REFERENCE, other) for other in TABLE2 if other != REFERENCE]


def _finite(value) -> float | None:
    """``value`` rounded for the JSON line; ``None`` where there is no interval (one case: infinite bounds)."""
    return round(float(value), 3) if math.isfinite(value) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="long", choices=PROFILES, help="whose settings (default: long)")
    parser.add_argument("--folder", default=None, help="the Levin benchmark (default: $DEBLUR_LEVIN_DIR or fetch)")
    parser.add_argument("--cache-dir", default=str(ROOT / "data" / "cache"))
    parser.add_argument("--out", default=None, help=f"default: {report.TABLE2_RESULTS.format(profile='<profile>')}")
    args = parser.parse_args()
    started = time.perf_counter()

    settings = replace(profile_settings("selfdeblur", args.profile), variants=TABLE2)
    cache = Path(args.cache_dir)
    out = Path(args.out) if args.out else ROOT / report.TABLE2_RESULTS.format(profile=args.profile)
    flags = cpu_flags() or set()
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    print(f"CPU: {cpu_model()} ({isa}), {os.cpu_count()} cores; precision: {select_precision().name}")
    benchmark, source = load_benchmark(
        settings.data, scale=settings.scale, folder=args.folder or os.environ.get("DEBLUR_LEVIN_DIR"), cache_dir=cache
    )
    cases = [crop_case(case, settings.crop) for case in select_cases(benchmark, settings.cases)]
    seeds = tuple(settings.seeds)
    print(f"{args.profile}: {report.settings_text(settings, seeds)}; {source}, {len(cases)} cases")

    sweep = run_sweep(
        cases, settings, seeds=seeds, variants=variants_named(TABLE2), cache_dir=cache / "selfdeblur", progress=True
    )
    data = report.data_label(source, len(cases), len(seeds), settings.crop)
    context = dict(profile=args.profile, iterations=settings.iterations, data=data)
    means = report.paper_table(sweep.scores, list(TABLE2), columns=("PSNR", "SSIM"), **context)
    claims = report.claims_with_paper(
        claims_table(sweep.scores, claims=CLAIMED, metrics=("PSNR", "SSIM"), profile=args.profile), data
    )
    curve = budget_curve(sweep.runs, claims=CLAIMED)
    blind = sweep.blind_scores

    out.mkdir(parents=True, exist_ok=True)
    storage.save_table(means, out / "table2_kernel_generators")
    storage.save_table(claims, out / "claims_verdicts")
    storage.save_table(curve.assign(data=data, profile=args.profile), out / "budget_curve")
    storage.save_table(report.per_run_table(sweep.scores, args.profile), out / "all_scores")
    tag = f"[{args.profile}]"
    storage.save_figure(
        report.budget_curve_figure(curve, f"Table 2's PSNR gaps against the iteration budget, {data} {tag}"),
        out / "budget_curve",
        formats=("png",),
    )
    budget = f"{report.settings_text(settings, seeds)}; {data}"
    storage.write_text(
        out / "findings.md",
        report.table2_findings_markdown(
            means,
            claims,
            blind.groupby("method")["kernel similarity"].mean(),
            profile=args.profile,
            budget=budget,
        )
        + "\n",
    )
    collapsed = int(blind["kernel collapsed"].astype(bool).sum())
    drawn = blind[blind["seed"] == seeds[0]]  # the kernels figure draws the first seed's runs
    storage.save_figure(
        report.kernels_figure(
            sweep.scores,
            sweep.runs,
            cases,
            TABLE2,
            f"Table 2's kernels after {settings.iterations} iterations, seed {seeds[0]}: "
            f"{int(drawn['kernel collapsed'].astype(bool).sum())} of {len(drawn)} collapsed {tag}",
        ),
        out / "kernels",
        formats=("png",),
    )

    seconds = blind.groupby("method", sort=False)["seconds"].mean()
    print(f"\nTable 2 (means over the cases; paper: 32 images at full resolution, 5,000 iterations) {tag}")
    print(tables.formatted(means.drop(columns=["profile", "data (ours)"])).to_string(index=False))
    print(f"\nClaims, paired over cases, bootstrap 95 % CI {tag}")
    shown = ["claim", "metric", "mean difference", "difference (paper)", "CI 95% low", "CI 95% high", "verdict"]
    print(tables.formatted(claims[shown]).to_string(index=False))
    print("\n" + "\n".join(report.budget_curve_lines(curve, tag)))
    shown_out = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    print(
        f"\n{len(blind)} runs, {int(blind['cached'].astype(bool).sum())} from the cache; kernels collapsed: "
        f"{collapsed}; mean seconds per run (each run's own record, made when it ran): "
        + ", ".join(f"{method} {value:.0f}" for method, value in seconds.items())
        + f"; this call {time.perf_counter() - started:.0f} s; files in {shown_out}"
    )
    summary = {
        "cpu": cpu_model(),
        "profile": args.profile,
        "cases": len(cases),
        "iterations": settings.iterations,
        "mean_psnr_db": {m: round(float(v), 3) for m, v in means.set_index("method")["PSNR (ours)"].items()},
        "claims": [
            {
                "claim": row["claim"],
                "difference_db": round(float(row["mean difference"]), 3),
                "ci": [_finite(row["CI 95% low"]), _finite(row["CI 95% high"])],
                "paper_db": round(float(row["difference (paper)"]), 3),
                "verdict": row["verdict"],
            }
            for row in claims[claims["metric"] == "PSNR"].to_dict("records")
        ],
        "collapsed": collapsed,
        "seconds_per_run": {m: round(float(v), 1) for m, v in seconds.items()},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
