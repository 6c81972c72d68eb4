"""How fast is the project's default SelfDeblur path on this machine, and what does it cost in accuracy?

Times one SelfDeblur-J iteration (forward, backward, Adam step of both networks) at
the paper's network size on a 255 x 255 image with a 27 x 27 kernel, for

* ``float32``: eager PyTorch, float32, NCHW memory layout, glibc's allocator as it comes:
  the baseline, what plain PyTorch code (the authors' included) gets;
* ``float32-retained``: the same with freed memory retained for reuse
  (:func:`deblur_core.allocator.retain_freed_memory`, which the package applies on the CPU);
* ``float32-channels-last``, ``bfloat16`` (autocast, channels-last; emulated where the CPU lacks
  bf16 units): each forced, memory retained;
* ``default``: what ``deblur_core.device.select_precision('auto')`` picks here, as the package runs it;
* ``CLI``: ``python -m deblur_core selfdeblur`` on the same image in a subprocess
  (its own reported seconds per iteration, start-up excluded).

Every path runs the network the CLI runs by default (the ``authors`` recipe: with non-local
blocks). Each in-process path lives in its own worker process (the allocator setting is
process-wide); the workers are timed in alternating rounds, so machine noise hits them alike;
figures are ratios of medians. Then float32 and the default run the same number of
iterations on 6 Levin-like cases (127 px crops of the largest kernels: kernel 4 on the four
images, kernel 7 on two, so only 2 kernels) and their aligned PSNRs are compared, paired, with a
bootstrap CI (these runs go through the notebooks' run cache, so a second benchmark skips them).

    python benchmarks/selfdeblur_speed.py [--rounds 7] [--accuracy-iterations 500]
    ONEDNN_MAX_CPU_ISA=AVX512_CORE python benchmarks/selfdeblur_speed.py   # as on a CPU without bf16 units

The last line is JSON: ``speedup`` (plain float32 time / default time), ``psnr_drop_db``
(mean float32 PSNR minus default PSNR: positive means the default costs accuracy),
``psnr_drop_ci_db`` and ``accuracy_cases``, ``cpu_native_bf16``, ``allocator`` (what the
package's own processes do with freed memory here) and the times of every path.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from step_workers import Worker, serve, time_alternating

from deblur_core import storage
from deblur_core.allocator import ALLOCATOR_ENV, retain_freed_memory
from deblur_core.data.levin import crop_case, levin_like_benchmark
from deblur_core.device import cpu_flags, cpu_model, cpu_native_bf16, select_precision
from deblur_core.evaluation import known_kernel_reference, score
from deblur_core.selfdeblur import RECIPES, SelfDeblurConfig, SelfDeblurOptimiser, run_selfdeblur
from deblur_core.stats import PairedComparison, paired_comparison

ROOT = Path(__file__).resolve().parents[1]
#: name: (precision, allocator) of each worker
PATHS = {
    "float32": ("float32", "system"),
    "float32-retained": ("float32", "retain"),
    "float32-channels-last": ("float32-channels-last", "retain"),
    "bfloat16": ("bfloat16", "retain"),
    "default": ("auto", "retain"),
}
CLI_WARM_UP = 4
RELEVANT_FLAGS = (
    "avx2",
    "fma",
    "avx512f",
    "avx512_vnni",
    "avx512_bf16",
    "amx_bf16",
    "amx_tile",
    "avx512_fp16",
    "bf16",
    "asimd",
    "sve",
)


def worker(precision_name: str, size: int, kernel_size: int) -> None:
    """One path's process: its optimiser, stepped on the parent's request (:func:`step_workers.serve`)."""
    precision = select_precision(precision=precision_name)
    config = SelfDeblurConfig(
        kernel_size=(kernel_size,) * 2, iterations=10_000, precision=precision.name, **RECIPES["authors"]
    )
    optimiser = SelfDeblurOptimiser(np.random.default_rng(0).random((size, size)), config, 0.0, precision)
    serve(optimiser.step, {"precision": precision.name, "allocator": retain_freed_memory()})


def cli_seconds_per_iteration(blurry: np.ndarray, kernel_size: int, iterations: int) -> float:
    """The CLI's own optimisation time per iteration on ``blurry`` (paper profile, default precision)."""
    with tempfile.TemporaryDirectory() as folder:
        image = Path(folder) / "blurry.png"
        storage.save_image(image, blurry)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "deblur_core",
                "selfdeblur",
                str(image),
                "--kernel-size",
                str(kernel_size),
                "--profile",
                "paper",
                "--iterations",
                str(iterations),
                "--out",
                str(Path(folder) / "out"),
            ],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "DEBLUR_PROGRESS": "0"},
        )
        history = np.genfromtxt(Path(folder) / "out" / "history.csv", delimiter=",", names=True)
    # the first iterations build oneDNN's kernels (under bf16 the first few stay slow): skip them,
    # as the in-process timing does with its warm-up steps
    seconds = history["seconds"]
    return float((seconds[-1] - seconds[CLI_WARM_UP - 1]) / (len(seconds) - CLI_WARM_UP))


def freed_memory(allocator_state: str) -> str:
    """The table's column: what a process with this :func:`retain_freed_memory` state does with freed blocks."""
    return "retained" if "retained" in allocator_state else "returned"


def accuracy_cost(count: int, iterations: int, crop: int | None) -> PairedComparison:
    """float32 against the default path after ``iterations`` on ``count`` Levin-like cases (largest kernels
    first, each cropped to ``crop``): the paired PSNR drop, its bootstrap CI and verdict."""
    cases = levin_like_benchmark(ROOT / "data" / "cache")
    cases = sorted(cases, key=lambda c: (-c.estimation_size, c.kernel_id, c.image_id))[:count]
    psnrs = {"float32": [], "default": []}
    print(f"\naccuracy after {iterations} iterations, {crop or 'whole'} px crops (PSNR, dB):")
    print(f"{'case':<14} {'float32':>8} {'default':>8} {'blurry':>8}")
    for case in map(lambda c: crop_case(c, crop), cases):
        _, reference_sse = known_kernel_reference(case.blurry, case.sharp, case.kernel)
        for name, precision in (("float32", "float32"), ("default", "auto")):
            size = (case.estimation_size,) * 2
            config = SelfDeblurConfig(kernel_size=size, iterations=iterations, precision=precision)
            result = run_selfdeblur(
                case.blurry,
                config,
                cache_dir=ROOT / "data" / "cache" / "selfdeblur",
                progress=False,
                description=f"{name} accuracy run",
            )
            psnrs[name].append(score(result.latent, case.sharp, reference_sse).psnr)
        blurry = score(case.blurry, case.sharp, reference_sse).psnr
        print(f"{case.name:<14} {psnrs['float32'][-1]:>8.2f} {psnrs['default'][-1]:>8.2f} {blurry:>8.2f}")
    drop = paired_comparison(psnrs["float32"], psnrs["default"], claim="float32 > default (the default costs PSNR)")
    print(drop.describe("dB"))
    return drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=255, help="blurry image side for the timing")
    parser.add_argument("--kernel-size", type=int, default=27)
    parser.add_argument("--rounds", type=int, default=7, help="alternating timing rounds")
    parser.add_argument("--steps", type=int, default=2, help="iterations per round and path")
    parser.add_argument("--cli-iterations", type=int, default=24, help="0 skips the CLI timing")
    parser.add_argument("--accuracy-iterations", type=int, default=500, help="0 skips the accuracy runs")
    parser.add_argument("--accuracy-cases", type=int, default=6, help="Levin-like cases of the accuracy check")
    parser.add_argument(
        "--accuracy-crop", type=int, default=127, help="crop side of the accuracy case (0: whole 255 px image)"
    )
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.size, args.kernel_size)
        return

    default = select_precision()
    flags = cpu_flags() or set()
    native = cpu_native_bf16()
    print(f"CPU: {cpu_model()}; {torch.get_num_threads()} threads; torch {torch.__version__}")
    print(
        f"flags: {' '.join(f for f in RELEVANT_FLAGS if f in flags) or 'unknown'}; "
        f"ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', '(unset)')}; native bf16: {native}; "
        f"default path: {default.name}; allocator: {retain_freed_memory()}"
    )

    k = args.kernel_size
    workers = {
        name: Worker(
            __file__, [precision, "--size", str(args.size), "--kernel-size", str(k)], {ALLOCATOR_ENV: allocator}
        )
        for name, (precision, allocator) in PATHS.items()
    }
    times = time_alternating(workers, args.rounds, args.steps)
    median = {name: statistics.median(values) for name, values in times.items()}
    blurry = np.random.default_rng(0).random((args.size, args.size))
    timed_cli = args.cli_iterations > CLI_WARM_UP + 1
    cli = cli_seconds_per_iteration(blurry, k, args.cli_iterations) if timed_cli else float("nan")

    print(f"\nSelfDeblur-J iteration, {args.size}x{args.size} image, {k}x{k} kernel, G_x 128 channels")
    print(f"{'path':<34} {'freed memory':<13} {'s / iteration':>14} {'vs float32':>11}   rounds (s)")
    for name, path in workers.items():
        label = f"default ({path.description['precision']})" if name == "default" else name
        rounds = ", ".join(f"{t:.3f}" for t in times[name])
        print(
            f"{label:<34} {freed_memory(path.description['allocator']):<13} {median[name]:>14.3f} "
            f"{median['float32'] / median[name]:>10.2f}x   {rounds}"
        )
    if np.isfinite(cli):  # the CLI inherits this process's environment, so its allocator setting too
        print(
            f"{'CLI (subprocess)':<34} {freed_memory(retain_freed_memory()):<13} {cli:>14.3f} "
            f"{median['float32'] / cli:>10.2f}x   {cli / median['default']:.2f}x the default path's time"
        )
    speedup = median["float32"] / median["default"]

    drop = None
    if args.accuracy_iterations and args.accuracy_cases:
        drop = accuracy_cost(args.accuracy_cases, args.accuracy_iterations, args.accuracy_crop or None)
    print(
        json.dumps(
            {
                "speedup": round(speedup, 3),
                "psnr_drop_db": round(drop.mean, 3) if drop else None,
                "psnr_drop_ci_db": [round(drop.low, 3), round(drop.high, 3)] if drop else None,
                "accuracy_cases": drop.n if drop else 0,
                "cpu_native_bf16": bool(native),
                "default_precision": default.name,
                "cpu": cpu_model(),
                "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA"),
                "allocator": retain_freed_memory(),
                **{f"{name}_s_per_iteration": round(median[name], 4) for name in PATHS},
                "cli_s_per_iteration": round(cli, 4) if np.isfinite(cli) else None,
                "cli_over_default": round(cli / median["default"], 3) if np.isfinite(cli) else None,
                "accuracy_iterations": args.accuracy_iterations,
            }
        )
    )


if __name__ == "__main__":
    main()
