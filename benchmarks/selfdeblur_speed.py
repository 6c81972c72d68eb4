"""How much faster is the project's default SelfDeblur path than plain float32?

Times one SelfDeblur-J iteration (forward, backward, Adam step of both networks) at
the paper's network size on a 255 x 255 image with a 27 x 27 kernel, for

* ``float32``: eager PyTorch, float32, default (NCHW) memory layout: the baseline;
* ``default``: what ``deblur_core.device.select_precision('auto')`` picks on this
  machine (bfloat16 autocast and channels-last where the hardware has bf16 units).

The two are timed in alternating rounds in one process, so machine noise hits both
alike; the figure is the ratio of medians. Then both run the same number of
iterations on a Levin-like case (same seed) and the aligned PSNRs are compared
(these runs go through the notebooks' run cache, so a second benchmark skips them).

    python benchmarks/selfdeblur_speed.py [--rounds 5] [--accuracy-iterations 500] [--accuracy-crop 127]

The last line is JSON with the keys ``speedup`` (baseline time / default time) and
``psnr_drop_db`` (float32 PSNR minus default PSNR).
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from deblur_core.data.levin import crop_case, levin_like_benchmark
from deblur_core.device import select_precision
from deblur_core.evaluation import score, known_kernel_reference
from deblur_core.selfdeblur import SelfDeblurConfig, SelfDeblurOptimiser, run_selfdeblur

ROOT = Path(__file__).resolve().parents[1]


def time_steps(optimiser: SelfDeblurOptimiser, steps: int) -> float:
    started = time.perf_counter()
    for _ in range(steps):
        optimiser.step()
    return (time.perf_counter() - started) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=255, help="blurry image side for the timing")
    parser.add_argument("--kernel-size", type=int, default=27)
    parser.add_argument("--rounds", type=int, default=5, help="alternating timing rounds")
    parser.add_argument("--steps", type=int, default=2, help="iterations per round and variant")
    parser.add_argument("--accuracy-iterations", type=int, default=500)
    parser.add_argument("--accuracy-crop", type=int, default=127,
                        help="crop side of the accuracy case (0: whole 255 px image)")
    args = parser.parse_args()

    default = select_precision()
    rng = np.random.default_rng(0)
    blurry = rng.random((args.size, args.size))
    k = args.kernel_size
    optimisers = {}
    for name, precision in (("float32", "float32"), ("default", "auto")):
        config = SelfDeblurConfig(kernel_size=(k, k), iterations=10_000, precision=precision)
        optimisers[name] = SelfDeblurOptimiser(blurry, config, 0.0, select_precision(precision=precision))
        time_steps(optimisers[name], 2)  # warm-up: allocator, oneDNN primitive caches
    times = {name: [] for name in optimisers}
    for _ in range(args.rounds):
        for name, optimiser in optimisers.items():
            times[name].append(time_steps(optimiser, args.steps))
    median = {name: statistics.median(values) for name, values in times.items()}
    speedup = median["float32"] / median["default"]

    cases = levin_like_benchmark(ROOT / "data" / "cache")
    case = crop_case(next(c for c in cases if c.kernel.shape[0] == 27), args.accuracy_crop or None)
    _, reference_sse = known_kernel_reference(case.blurry, case.sharp, case.kernel)
    psnrs = {}
    for name, precision in (("float32", "float32"), ("default", "auto")):
        config = SelfDeblurConfig(kernel_size=(case.estimation_size,) * 2, iterations=args.accuracy_iterations,
                                  precision=precision)
        result = run_selfdeblur(case.blurry, config, cache_dir=ROOT / "data" / "cache" / "selfdeblur",
                                progress=False, description=f"{name} accuracy run")
        psnrs[name] = score(result.latent, case.sharp, reference_sse).psnr
    blurry_psnr = score(case.blurry, case.sharp, reference_sse).psnr

    print(f"SelfDeblur-J iteration, {args.size}x{args.size} image, {k}x{k} kernel, G_x 128 channels, "
          f"{torch.get_num_threads()} threads, {platform.processor() or platform.machine()}")
    print(f"{'path':<10} {'precision':<20} {'s / iteration':>14} {'rounds (s)':>40}")
    for name, precision in (("float32", "float32"), ("default", default.name)):
        rounds = ", ".join(f"{t:.3f}" for t in times[name])
        print(f"{name:<10} {precision:<20} {median[name]:>14.3f} {rounds:>40}")
    print(f"speed-up of the default path: {speedup:.2f}x")
    print(f"accuracy on {case.name} ({case.blurry.shape[0]} px, kernel {case.estimation_size} px), "
          f"{args.accuracy_iterations} iterations: float32 {psnrs['float32']:.2f} dB, default {psnrs['default']:.2f} dB, "
          f"blurry input {blurry_psnr:.2f} dB")
    print(json.dumps({
        "speedup": round(speedup, 3), "float32_s_per_iteration": round(median["float32"], 4),
        "default_s_per_iteration": round(median["default"], 4), "default_precision": default.name,
        "psnr_float32_db": round(psnrs["float32"], 3), "psnr_default_db": round(psnrs["default"], 3),
        "psnr_drop_db": round(psnrs["float32"] - psnrs["default"], 3),
        "accuracy_iterations": args.accuracy_iterations, "accuracy_case": case.name,
    }))


if __name__ == "__main__":
    main()
