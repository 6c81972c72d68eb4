"""SelfDeblur at the paper's own budget on the real Levin benchmark: do long's gaps move towards the paper's?

Notebook 03's ``long`` profile runs 800 iterations of a 64-channel G_x at half scale on 8 real Levin cases, because
that is what two CPU cores finish in an hour; there SelfDeblur-J trails the classical estimator by about 4 dB,
where the paper (Ren et al. 2020, Tables 1 and 3: 5,000 iterations, 128 channels, full resolution) has it 0.38 dB
ahead. This benchmark runs the same 8 cases at the paper's settings, SelfDeblur-J and -A, and reports Table 3's
Levin rows, the two claims with paired 95 % CIs, and the budget curve from the runs' own logs. It is meant for a
GPU: each run is independent, and ``--workers`` runs that many at once (one process each, sharing the device).

``--minutes`` fits the budget to a wall-clock allowance: a short calibration times one iteration with every worker
busy, then the iteration count is lowered (never raised) to what fits. The count actually run is printed and saved
with the tables, and the learning-rate schedule scales with it (``schedule="scaled"``).

    python benchmarks/selfdeblur_paper_budget.py --folder DIR [--workers 16] [--minutes 8] [--out DIR]

Runs go through the run cache (``--cache-dir``), so an interrupted benchmark resumes. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import json
import math
import multiprocessing
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from deblur_core import plotting, storage, tables  # noqa: E402
from deblur_core.data.levin import load_benchmark  # noqa: E402
from deblur_core.device import cpu_model, select_precision  # noqa: E402
from deblur_core.profiles import profile_settings  # noqa: E402
from deblur_core.selfdeblur import run_selfdeblur_on_case  # noqa: E402
from deblur_core.selfdeblur.experiment import (  # noqa: E402
    CLASSICAL,
    budget_curve,
    claims_table,
    method_means,
    run_sweep,
    sweep_plan,
    variants_named,
)
from deblur_core.selfdeblur.report import PAPER_RESULTS, paper_difference  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION_ITERATIONS = (10, 40)  # timed between these two logged iterations, so start-up is left out
RESERVE_SECONDS = 120  # after the runs: the classical row's kernel estimates, the tables and the figure
SAFETY = 0.85  # of the time left, what the runs may use: their evaluations every eval_every iterations cost extra
TABLE3_METHODS = ("blurry input", "known kernel", CLASSICAL, "SelfDeblur-J", "SelfDeblurΔ", "SelfDeblur-A")


def _start_worker(threads: int) -> None:
    torch.set_num_threads(threads)


def _run(task, cache_dir: str) -> float:
    case, config, _ = task
    return run_selfdeblur_on_case(case, config, cache_dir=cache_dir, progress=False).seconds


def _seconds_per_iteration(task, cache_dir: str) -> float:
    case, config, _ = task
    result = run_selfdeblur_on_case(case, config, cache_dir=cache_dir, progress=False)
    seconds = result.history.set_index("iteration")["seconds"]
    first, last = CALIBRATION_ITERATIONS
    return float(seconds[last] - seconds[first]) / (last - first)


def _executor(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    threads = max(1, (os.cpu_count() or 1) // workers)
    return concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker, initargs=(threads,)
    )


def _tasks(cases, settings, variants) -> list[tuple]:
    plan = sweep_plan(cases, settings, seeds=settings.seeds, variants=variants)
    return [(case, config, f"{method} {case.name}") for method, case, _, config in plan]


def fitted_iterations(seconds_per_iteration: float, runs: int, workers: int, seconds_left: float, cap: int, step: int):
    """The largest multiple of ``step`` (at most ``cap``) whose runs, ``workers`` at a time, end in ``seconds_left``."""
    waves = math.ceil(runs / workers)
    fitting = int(SAFETY * seconds_left / (waves * seconds_per_iteration)) // step * step
    return min(cap, fitting)


def calibrate(cases, settings, variants, workers: int, cache_dir: str) -> float:
    """Seconds per iteration of the slowest of ``workers`` runs going at once (the budget's first runs)."""
    short = dataclasses.replace(settings, iterations=CALIBRATION_ITERATIONS[1], eval_every=CALIBRATION_ITERATIONS[1])
    tasks = _tasks(cases, short, variants)[:workers]
    tasks = [(case, dataclasses.replace(config, snapshot_count=1), name) for case, config, name in tasks]
    with _executor(workers) as pool:
        return max(pool.map(_seconds_per_iteration, tasks, [cache_dir] * len(tasks)))


def table3(scores: pd.DataFrame, iterations: int) -> pd.DataFrame:
    ours = method_means(scores)
    methods = [m for m in TABLE3_METHODS if m in ours.index]
    table = pd.DataFrame({"method": methods})
    for column in ("PSNR", "SSIM", "error ratio"):
        table[f"{column} (ours)"] = [ours.loc[m, column] for m in methods]
        table[f"{column} (paper)"] = [PAPER_RESULTS.get(m, {}).get(column, np.nan) for m in methods]
    iterated = [m.startswith("SelfDeblur") for m in methods]
    table["iterations (ours)"] = np.where(iterated, iterations, np.nan)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=None, help="the Levin benchmark (default: $DEBLUR_LEVIN_DIR or fetch)")
    parser.add_argument("--iterations", type=int, default=None, help="default: the paper profile's 5,000")
    parser.add_argument("--channels", type=int, default=None, help="G_x width (default: the paper profile's 128)")
    parser.add_argument("--scale", type=float, default=None, help="image scale (default: the paper profile's 1.0)")
    parser.add_argument("--cases", type=int, default=None, help="only the first N of long's 8 cases")
    parser.add_argument(
        "--variants",
        default="SelfDeblur-J,SelfDeblur-A",
        help="comma-separated variants to run (default: SelfDeblur-J,SelfDeblur-A); claims need both of their sides",
    )
    parser.add_argument("--workers", type=int, default=1, help="runs going at once, one process each")
    parser.add_argument("--minutes", type=float, default=None, help="fit the iteration count to this allowance")
    parser.add_argument("--cache-dir", default=str(ROOT / "data" / "cache" / "selfdeblur"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "selfdeblur_paper_budget"))
    args = parser.parse_args()
    started = time.perf_counter()

    paper, long = profile_settings("selfdeblur", "paper"), profile_settings("selfdeblur", "long")
    overrides = {k: v for k, v in (("iterations", args.iterations), ("channels", args.channels)) if v is not None}
    settings = dataclasses.replace(paper, **overrides, seeds=(0,))
    scale = paper.scale if args.scale is None else args.scale
    try:
        variants = variants_named([name.strip() for name in args.variants.split(",")])
    except ValueError as error:
        parser.error(str(error))
    if "SelfDeblur-J" not in variants:
        parser.error("--variants must include SelfDeblur-J: Table 3's rows and every claim compare with it")
    cases, source = load_benchmark("levin", scale=scale, folder=args.folder)
    chosen = set(map(tuple, long.cases))
    cases = [case for case in cases if (case.image_id, case.kernel_id) in chosen][: args.cases]
    precision = select_precision()
    device = torch.cuda.get_device_name() if precision.device.type == "cuda" else cpu_model()
    print(f"device: {device} ({precision.name}); CPU: {cpu_model()}, {os.cpu_count()} cores; torch {torch.__version__}")
    print(f"data: {source}, {len(cases)} cases (long's); G_x {settings.channels} channels; {args.workers} workers")

    requested = settings.iterations
    if args.minutes is not None:
        per_iteration = calibrate(cases, settings, variants, args.workers, args.cache_dir)
        seconds_left = args.minutes * 60 - (time.perf_counter() - started) - RESERVE_SECONDS
        runs = len(cases) * len(variants)
        fitted = fitted_iterations(per_iteration, runs, args.workers, seconds_left, requested, settings.eval_every)
        settings = dataclasses.replace(settings, iterations=fitted)
        print(
            f"calibration: {per_iteration * 1000:.1f} ms per iteration with {args.workers} runs at once; "
            f"{settings.iterations} of {requested} iterations fit {args.minutes:g} minutes"
        )
        if settings.iterations < settings.eval_every:
            raise SystemExit("error: not even one logged interval fits; give more --minutes or --workers")

    tasks = _tasks(cases, settings, variants)
    runs_started = time.perf_counter()
    with _executor(args.workers) as pool:
        run_seconds = list(pool.map(_run, tasks, [args.cache_dir] * len(tasks)))
    runs_wall = time.perf_counter() - runs_started
    print(
        f"{len(tasks)} runs of {settings.iterations} iterations in {runs_wall:.0f} s wall "
        f"(each {np.mean(run_seconds):.0f} s on average)"
    )

    sweep = run_sweep(cases, settings, seeds=(0,), cache_dir=args.cache_dir, variants=variants, progress=False)
    data_label = f"{source}, {len(cases)} cases x 1 seed"
    columns = {
        "iterations": settings.iterations,
        "channels": settings.channels,
        "data": data_label,
        "device": device,
    }
    means = table3(sweep.scores, settings.iterations)
    ran = set(sweep.scores["method"])
    claimed = [claim for claim in [("SelfDeblur-J", "SelfDeblur-A"), ("SelfDeblur-J", CLASSICAL)] if set(claim) <= ran]
    claims = claims_table(sweep.scores, claims=claimed, metrics=("PSNR", "SSIM"), **columns)
    claims.insert(
        claims.columns.get_loc("mean difference") + 1,
        "difference (paper)",
        [paper_difference(claim, metric) for claim, metric in zip(claims["claim"], claims["metric"])],
    )
    curve = budget_curve(sweep.runs, claims=[claim for claim in claimed if claim[1] in variants])

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    storage.save_table(means.assign(**columns), out / "table3_levin_rows")
    storage.save_table(claims, out / "claims_verdicts")
    storage.save_table(sweep.scores.drop(columns=["cached"]).assign(**columns), out / "all_scores")
    if len(curve):  # with one variant run (J first, A in a later call) there is no iterated claim yet
        storage.save_table(curve.assign(**columns), out / "budget_curve")
        fig, axes = plt.subplots(1, 1, figsize=(4.6, 3.6), squeeze=False)
        plotting.plot_budget_curve(axes[0], curve, {c: paper_difference(c, "PSNR") for c in curve["claim"].unique()})
        fig.suptitle(f"J − A PSNR against iterations, {settings.channels} ch, {source}", fontsize=9)
        fig.tight_layout()
        storage.save_figure(fig, out / "budget_curve", formats=("png",))

    print("\nTable 3, Levin rows (means over the cases; paper: 32 images)")
    print(tables.formatted(means).to_string(index=False))
    print("\nClaims (paired over cases, bootstrap 95 % CI)")
    shown = ["claim", "metric", "mean difference", "difference (paper)", "CI 95% low", "CI 95% high", "verdict"]
    print(tables.formatted(claims[shown]).to_string(index=False))
    if len(curve):
        print("\nBudget curve, J − A PSNR (dB) from the runs' logs")
        shown = ["iteration", "mean difference", "CI 95% low", "CI 95% high", "verdict"]
        print(tables.formatted(curve[shown]).to_string(index=False))
    summary = {
        "device": device,
        "iterations": settings.iterations,
        "channels": settings.channels,
        "scale": scale,
        "cases": len(cases),
        "workers": args.workers,
        "runs_wall_seconds": round(runs_wall, 1),
        "means": {
            row["method"]: {k: row[f"{k} (ours)"] for k in ("PSNR", "SSIM", "error ratio")}
            for row in means.to_dict("records")
        },
        "claims": [
            {k: row[k] for k in ("claim", "metric", "mean difference", "CI 95% low", "CI 95% high", "verdict")}
            for row in claims.to_dict("records")
        ],
    }
    print(json.dumps(summary, default=float))


if __name__ == "__main__":
    main()
