"""Quality and speed of the project's blind kernel estimator (deblur_core.kernel_estimation).

Quality: every case of the Levin-like synthetic benchmark (4 images x 8 kernels, 255 px,
whole images, SelfDeblur's estimation sizes). Each kernel is estimated, the image is
deconvolved with it and with the true kernel by the same hyper-Laplacian method, and
Levin's error ratio is computed. The default settings are compared with Pan et al.'s
own (5 alternations per scale, splitting weight doubling per step, 20
conjugate-gradient steps per kernel update) in the same run.
Targets: mean error ratio <= 2.0 and >= 85 % of images at or below 3. (For scale,
published numbers on the real Levin set: Pan et al.'s dark channel 1.26, Xu & Jia
1.49, Cho & Lee 1.71.)

Speed: 228 x 228 windows with a 27 x 27 kernel, ``--windows`` of them estimated in one
batched call against the same windows one call at a time (interleaved rounds, ratio
of medians), and one whole 255 x 255 image. Targets: >= 2 windows per second batched
on 2 CPU cores; a whole image in < 5 s.

    python benchmarks/kernel_estimation.py [--windows 8] [--rounds 3] [--skip-pan]

The last line is JSON with the keys ``mean_error_ratio``, ``share_error_ratio_le_3``,
``windows_per_s_batched``, ``windows_per_s_single`` and ``whole_image_s``.
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

from deblur_core.data.levin import levin_like_benchmark
from deblur_core.deconv import deconvolve_hyper_laplacian
from deblur_core.evaluation import known_kernel_reference, score
from deblur_core.kernel_estimation import EstimatorConfig, estimate_kernels
from deblur_core.kernels import kernel_similarity
from deblur_core.progress import progress_bar

ROOT = Path(__file__).resolve().parents[1]
PAN_SETTINGS = {"iterations_per_scale": 5, "beta_rate": 2.0, "conjugate_gradient_steps": 20}


def quality(cases, references: list[float], options: dict, label: str) -> dict:
    """Estimate every case's kernel with ``options``.

    ``references`` are the true-kernel errors (the error ratio's denominators).
    """
    rows = []
    for case, reference_sse in zip(progress_bar(cases, desc=f"quality ({label})"), references):
        started = time.perf_counter()
        kernel = estimate_kernels(case.blurry[None], EstimatorConfig(case.estimation_size, **options))[0]
        seconds = time.perf_counter() - started
        ratio = score(deconvolve_hyper_laplacian(case.blurry, kernel), case.sharp, reference_sse).error_ratio
        rows.append(
            {
                "case": case.name,
                "error ratio": ratio,
                "similarity": kernel_similarity(case.kernel, kernel),
                "seconds": seconds,
            }
        )
    ratios = np.array([r["error ratio"] for r in rows])
    return {
        "rows": rows,
        "mean_error_ratio": float(ratios.mean()),
        "share_le_3": float((ratios <= 3).mean()),
        "worst": max(rows, key=lambda r: r["error ratio"]),
    }


def throughput(windows: np.ndarray, rounds: int) -> tuple[float, float]:
    config = EstimatorConfig(27)
    estimate_kernels(windows[:1], config)  # warm-up: first calls allocate and plan FFTs
    batched, single = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        estimate_kernels(windows, config, batch_size=len(windows))
        batched.append((time.perf_counter() - started) / len(windows))
        started = time.perf_counter()
        for window in windows:
            estimate_kernels(window[None], config)
        single.append((time.perf_counter() - started) / len(windows))
    return 1 / statistics.median(batched), 1 / statistics.median(single)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=8, help="windows per batched call")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-pan", action="store_true", help="skip the run with Pan et al.'s settings")
    args = parser.parse_args()

    cases = levin_like_benchmark(ROOT / "data" / "cache")
    print(
        f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )

    # deconvolution with the true kernel is the same for every setting: computed once per case
    references = [known_kernel_reference(case.blurry, case.sharp, case.kernel)[1] for case in cases]
    default = quality(cases, references, {}, "default")
    results = {"default (10 alternations, weight x3)": default}
    if not args.skip_pan:
        results["Pan et al. (5 alternations, weight x2)"] = quality(cases, references, PAN_SETTINGS, "Pan et al.")
    print(f"\nLevin-like synthetic benchmark, {len(cases)} whole 255 px images")
    print(f"{'settings':40s} {'mean ER':>8s} {'ER <= 3':>8s} {'mean sim.':>9s} {'s/image':>8s}  worst case")
    for label, result in results.items():
        rows = result["rows"]
        print(
            f"{label:40s} {result['mean_error_ratio']:8.2f} {result['share_le_3']:8.0%} "
            f"{np.mean([r['similarity'] for r in rows]):9.3f} {np.mean([r['seconds'] for r in rows]):8.2f}  "
            f"{result['worst']['case']} ({result['worst']['error ratio']:.2f})"
        )

    rng = np.random.default_rng(0)
    sources = [c.blurry for c in cases if c.kernel_id == 4]  # the 27 px kernel
    windows = np.stack(
        [
            sources[i % len(sources)][y : y + 228, x : x + 228]
            for i, (y, x) in enumerate(rng.integers(0, 255 - 228 + 1, size=(args.windows, 2)))
        ]
    )
    per_s_batched, per_s_single = throughput(windows, args.rounds)
    whole = [c for c in cases if c.kernel_id == 4][0]
    started = time.perf_counter()
    estimate_kernels(whole.blurry[None], EstimatorConfig(27))
    whole_s = time.perf_counter() - started

    print(f"\nSpeed, 228 x 228 windows, 27 x 27 kernel, {args.windows} windows, median of {args.rounds} rounds")
    print(f"{'mode':28s} {'windows/s':>10s}")
    print(f"{'batched (one call)':28s} {per_s_batched:10.2f}")
    print(f"{'one window per call':28s} {per_s_single:10.2f}")
    print(f"{'batched / single':28s} {per_s_batched / per_s_single:10.2f}x")
    print(f"whole 255 x 255 image, 27 x 27 kernel: {whole_s:.2f} s")
    figures = {
        "mean_error_ratio": round(default["mean_error_ratio"], 4),
        "share_error_ratio_le_3": round(default["share_le_3"], 4),
        "windows_per_s_batched": round(per_s_batched, 3),
        "windows_per_s_single": round(per_s_single, 3),
        "whole_image_s": round(whole_s, 3),
        "mean_similarity": round(float(np.mean([r["similarity"] for r in default["rows"]])), 4),
    }
    if "Pan et al. (5 alternations, weight x2)" in results:
        pan = results["Pan et al. (5 alternations, weight x2)"]
        figures["pan_settings_mean_error_ratio"] = round(pan["mean_error_ratio"], 4)
        figures["pan_settings_share_error_ratio_le_3"] = round(pan["share_le_3"], 4)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
