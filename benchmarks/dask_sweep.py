"""Dask scale-out: a small SelfDeblur sweep and a small window labelling, serially and on 1 and 2 local workers.

Each local cluster is started once per mode (its start-up is printed apart), and each mode starts from an empty
cache (a fresh temporary folder), so every run is computed. Speed-ups are against serial with every thread (what a
user runs); bit-equality is checked against serial with one torch thread, the workers' own count (Dask's default),
since float sums in convolutions depend on the thread count. The per-run times measured here give the expected
scaling of the ``paper`` profile on N workers (independent runs scale with the workers until the runs run out).

    python benchmarks/dask_sweep.py            # 8 SelfDeblur runs (smoke size) and 8 label images
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np
import torch
from distributed import Client

from deblur_core.data.levin import crop_case, levin_like_benchmark
from deblur_core.device import cpu_flags, cpu_model
from deblur_core.profiles import profile_settings
from deblur_core.regions.dataset import make_examples
from deblur_core.regions.labels import label_windows
from deblur_core.selfdeblur.experiment import (
    VARIANTS,
    run_sweep,
)
from deblur_core.tasks import local_cluster

# (local Dask workers or None for serial, torch threads here): serial with every core is what a user runs;
# serial with one thread is the reference the workers (one thread each, Dask's default) must equal bit for bit
MODES = {
    "serial, all threads": (None, torch.get_num_threads()),
    "serial, 1 thread": (None, 1),
    "1 worker": (1, torch.get_num_threads()),
    "2 workers": (2, torch.get_num_threads()),
}
REFERENCE = "serial, 1 thread"
RELEVANT_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
# the paper profile's sizes (issue 12): Tables 1-2 are 32 images x 5 variants; labels 76,000 windows
PAPER_SELFDEBLUR_RUNS = 32 * 5


def sweep_once(scheduler, cases, settings, seeds, variants):
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        sweep = run_sweep(cases, settings, seeds=seeds, cache_dir=cache, variants=variants, scheduler=scheduler)
        return time.perf_counter() - started, sweep


def label_once(scheduler, examples, options):
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        labelled = label_windows(examples, 100, 25, estimator_options=options, cache_dir=cache, scheduler=scheduler)
        return time.perf_counter() - started, labelled


def same_sweep(a, b) -> bool:
    return all(
        np.array_equal(run.latent, b.runs[key].latent) and np.array_equal(run.kernel, b.runs[key].kernel)
        for key, run in a.runs.items()
    )


def same_labels(a, b) -> bool:
    return all(
        np.array_equal(x.kernels, y.kernels) and np.array_equal(x.similarities, y.similarities) for x, y in zip(a, b)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=60, help="SelfDeblur iterations per run (smoke size)")
    args = parser.parse_args()
    os.environ.setdefault("DEBLUR_PROGRESS", "0")
    flags = cpu_flags() or set()
    print(f"CPU: {cpu_model()}; {os.cpu_count()} cores; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"flags: {' '.join(f for f in RELEVANT_FLAGS if f in flags) or 'unknown'}")

    settings = profile_settings("selfdeblur", "smoke", iterations=args.iterations)
    with tempfile.TemporaryDirectory() as data_cache:
        benchmark = levin_like_benchmark(data_cache, scale=settings.scale)
    cases = [crop_case(case, settings.crop) for case in benchmark[:2]]
    variants = {name: VARIANTS[name] for name in ("SelfDeblur-J", "SelfDeblur-A")}
    seeds = (0, 1)
    runs = len(cases) * len(variants) * len(seeds)
    examples = make_examples(["camera", "coins"], "train", image_size=200, kernel_sizes=(7, 19), kernel_count=4)
    options = {"iterations_per_scale": 5}

    rows, sweeps, labels, start_up = [], {}, {}, {}
    for mode, (workers, threads) in MODES.items():
        torch.set_num_threads(threads)
        client = None
        if workers:
            started = time.perf_counter()
            cluster = local_cluster(workers)
            client = Client(cluster)
            start_up[mode] = time.perf_counter() - started
        seconds, sweeps[mode] = sweep_once(client, cases, settings, seeds, variants)
        label_seconds, labels[mode] = label_once(client, examples, options)
        if client is not None:
            client.close()
            cluster.close()
        rows.append((mode, seconds, label_seconds))
    serial_sweep, serial_labels = rows[0][1], rows[0][2]
    print(f"\n{runs} SelfDeblur runs ({args.iterations} it., {settings.crop} px), {len(examples)} label images")
    header = ("mode", "sweep s", "x serial", "bit-equal", "labels s", "x serial", "bit-equal")
    print(f"{header[0]:<20} " + " ".join(f"{h:>10}" for h in header[1:]))
    figures = {}
    for mode, seconds, label_seconds in rows:
        equal_sweep = same_sweep(sweeps[REFERENCE], sweeps[mode])
        equal_labels = same_labels(labels[REFERENCE], labels[mode])
        print(
            f"{mode:<20} {seconds:10.1f} {serial_sweep / seconds:10.2f} {str(equal_sweep):>10} "
            f"{label_seconds:10.1f} {serial_labels / label_seconds:10.2f} {str(equal_labels):>10}"
        )
        key = mode.replace(", ", "_").replace(" ", "_")
        figures |= {
            f"sweep_s_{key}": round(seconds, 2),
            f"sweep_speedup_{key}": round(serial_sweep / seconds, 3),
            f"sweep_bit_equal_{key}": equal_sweep,
            f"labels_s_{key}": round(label_seconds, 2),
            f"labels_speedup_{key}": round(serial_labels / label_seconds, 3),
            f"labels_bit_equal_{key}": equal_labels,
        }
    print(
        "cluster start-up, not in the times above: "
        + ", ".join(f"{mode} {seconds:.1f} s" for mode, seconds in start_up.items())
    )
    per_run = serial_sweep / runs
    print(
        f"\nper run here: {per_run:.1f} s serial. Independent runs scale with the workers until the runs run out: "
        f"the paper's {PAPER_SELFDEBLUR_RUNS} SelfDeblur runs on N GPU workers take about "
        f"ceil({PAPER_SELFDEBLUR_RUNS}/N) times one run (224 s on the authors' GPU: about 75 min on 8 GPUs, "
        "19 min on 32)."
    )
    figures |= {f"start_up_s_{m.replace(' ', '_')}": round(t, 2) for m, t in start_up.items()}
    print(json.dumps({"cpu": cpu_model(), "cores": os.cpu_count(), "runs": runs, **figures}))


if __name__ == "__main__":
    main()
