"""Where two SelfDeblur runs with one seed can part: the same machine twice, another thread count, another precision.

Issue 24 found two cold ``quick`` runs of notebook 03 on the same kind of 2-core CPU giving different numbers. This
study runs one case (the ``quick`` profile's: half-scale Levin-like image 1, kernel 1, a 64-channel G_x) without any
cache under:

* the reference: float32 with this machine's thread count, seed 0;
* the reference again, in the same process (is a run bit-for-bit repeatable?);
* one thread instead (a different reduction order inside the convolutions);
* bfloat16 autocast (the path ``select_precision('auto')`` takes on CPUs with native bf16);
* seed 1 (the spread the other differences should be held against).

It prints each run's PSNR and kernel similarity at the end, the largest pixel difference from the reference and
whether it is bit-equal to it.

    python benchmarks/selfdeblur_determinism.py [--iterations 100]

The last line is JSON with each run's PSNR and largest difference from the reference.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile

import numpy as np
import torch

from deblur_core.data.levin import levin_like_benchmark
from deblur_core.device import cpu_flags, cpu_model, cpu_native_bf16
from deblur_core.kernels import kernel_similarity
from deblur_core.metrics import compare_up_to_shift
from deblur_core.profiles import profile_settings
from deblur_core.selfdeblur import run_selfdeblur_on_case
from deblur_core.selfdeblur.experiment import VARIANTS, select_cases

RELEVANT_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16")


def one_run(case, config, threads: int) -> dict:
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        result = run_selfdeblur_on_case(case, config, cache_dir=None, progress=False)
    finally:
        torch.set_num_threads(previous)
    psnr = compare_up_to_shift(result.latent, case.sharp).psnr
    return {"latent": result.latent, "PSNR": psnr, "similarity": kernel_similarity(case.kernel, result.kernel)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100)
    args = parser.parse_args()

    threads = torch.get_num_threads()
    flags = cpu_flags() or set()
    print(f"CPU: {cpu_model()}; {threads} threads; torch {torch.__version__}")
    print(
        f"flags: {' '.join(f for f in RELEVANT_FLAGS if f in flags) or 'unknown'}; native bf16: {cpu_native_bf16()}; "
        f"ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', '(unset)')}"
    )
    settings = dataclasses.replace(profile_settings("selfdeblur", "quick"), iterations=args.iterations)
    with tempfile.TemporaryDirectory() as folder:
        (case,) = select_cases(levin_like_benchmark(folder, scale=settings.scale), settings.cases)
    base = dataclasses.replace(
        settings.run_config(case.estimation_size, 0, "paper", VARIANTS["SelfDeblur-J"]), precision="float32"
    )
    plan = {
        "reference (float32)": (base, threads),
        "reference again": (base, threads),
        "1 thread": (base, 1),
        "bfloat16 autocast": (dataclasses.replace(base, precision="bfloat16"), threads),
        "seed 1": (dataclasses.replace(base, seed=1), threads),
    }
    print(f"case {case.name}, {args.iterations} iterations of SelfDeblur-J, {settings.channels}-channel G_x, no cache")
    results = {name: one_run(case, config, n) for name, (config, n) in plan.items()}
    reference = results["reference (float32)"]["latent"]
    print(f"{'run':22} {'threads':>7} {'PSNR (dB)':>9} {'similarity':>10} {'max |x - ref|':>13} {'bit-equal':>9}")
    figures = {}
    for name, result in results.items():
        difference = float(np.abs(result["latent"] - reference).max())
        equal = bool(np.array_equal(result["latent"], reference))
        print(
            f"{name:22} {plan[name][1]:7d} {result['PSNR']:9.3f} {result['similarity']:10.3f} "
            f"{difference:13.2e} {str(equal):>9}"
        )
        figures[name] = {"psnr": round(result["PSNR"], 4), "max_difference": difference, "bit_equal": equal}
    print(json.dumps({"cpu": cpu_model(), "threads": threads, "iterations": args.iterations, "runs": figures}))


if __name__ == "__main__":
    main()
