"""Is a SelfDeblur iteration bound by arithmetic on this CPU, and how close to the machine's peak does it run?

Issue 22 asks for a CLI at least 2x faster than the authors' plain-PyTorch script on CPUs without bf16 units. This
benchmark says whether that is within reach of any change that keeps the arithmetic: it times one SelfDeblur-J
iteration at the paper's size (255 x 255 image, 27 x 27 kernel, the ``authors`` recipe the CLI runs) under the
profiler, reports the share of its time spent in convolutions, and compares the throughput of its largest
convolution (the decoder's full-resolution 3 x 3, forward) with MKL's single-precision matrix product, the
practical peak of this CPU. Optionally (``--compile``) it also times ``torch.compile`` of the image network.

    python benchmarks/selfdeblur_roofline.py [--steps 2] [--compile]

Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

from deblur_core.device import cpu_flags, cpu_model, select_precision
from deblur_core.selfdeblur.optimisation import RECIPES, SelfDeblurConfig, SelfDeblurOptimiser

CONVOLUTION_OPS = ("aten::mkldnn_convolution", "aten::convolution_backward", "aten::_slow_conv2d_backward")


def best_seconds(function, repeats: int = 3) -> float:
    function()  # builds oneDNN's kernels
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def optimiser() -> SelfDeblurOptimiser:
    blurry = np.random.default_rng(0).random((255, 255))
    config = SelfDeblurConfig(kernel_size=(27, 27), iterations=5000, **RECIPES["authors"])
    return SelfDeblurOptimiser(blurry, config, 0.0, select_precision(precision="float32"))


def step_seconds(run: SelfDeblurOptimiser, steps: int) -> float:
    started = time.perf_counter()
    for _ in range(steps):
        run.step()
    return (time.perf_counter() - started) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2, help="profiled iterations")
    parser.add_argument("--compile", action="store_true", help="also time torch.compile of the image network")
    args = parser.parse_args()
    flags = cpu_flags() or set()
    print(
        f"CPU: {cpu_model()}; AVX2 {'avx2' in flags}, AVX-512 {'avx512f' in flags}, native bf16 "
        f"{'avx512_bf16' in flags or 'amx_bf16' in flags}; torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    torch.manual_seed(0)
    size = 2048
    a, b = torch.rand(size, size), torch.rand(size, size)
    gemm = 2 * size**3 / best_seconds(lambda: a @ b) / 1e9
    x, w = torch.rand(1, 144, 283, 283), torch.rand(128, 144, 3, 3)
    conv = 2 * 281 * 281 * 128 * 144 * 9 / best_seconds(lambda: F.conv2d(x, w)) / 1e9

    run = optimiser()
    run.step()
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        for _ in range(args.steps):
            run.step()
    events = profiler.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    convolution = sum(e.self_cpu_time_total for e in events if e.key in CONVOLUTION_OPS)
    eager = step_seconds(run, args.steps)

    rows = [
        ("MKL sgemm 2048^3", f"{gemm:.1f} GFLOP/s", "the CPU's practical peak"),
        ("largest convolution, forward", f"{conv:.1f} GFLOP/s", f"{conv / gemm:.0%} of sgemm"),
        ("SelfDeblur-J iteration, eager float32", f"{eager:.2f} s", f"{convolution / total:.0%} in convolutions"),
    ]
    figures = {
        "cpu": cpu_model(),
        "sgemm_gflops": round(gemm, 1),
        "conv_gflops": round(conv, 1),
        "conv_share_of_step": round(convolution / total, 3),
        "eager_s_per_iteration": round(eager, 3),
    }
    if args.compile:
        run.image_net = torch.compile(run.image_net)
        started = time.perf_counter()
        run.step()
        compile_seconds = time.perf_counter() - started
        compiled = step_seconds(run, args.steps)
        rows.append(("the same, torch.compile'd image network", f"{compiled:.2f} s", f"{eager / compiled:.2f}x eager"))
        figures.update(compiled_s_per_iteration=round(compiled, 3), compile_seconds=round(compile_seconds, 1))
    print()
    for name, value, note in rows:
        print(f"{name:42} {value:>14}   {note}")
    print(
        "\nAn iteration spending most of its time in convolutions that already run near the sgemm rate cannot get "
        "much faster without less arithmetic (fewer or narrower layers, or reduced precision on native units)."
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
