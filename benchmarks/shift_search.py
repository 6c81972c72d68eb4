"""Levin et al.'s comparison up to a shift: the exhaustive search against the package's (same answer, less work).

Every blind-deblurring score in the companion (region selection's window scores, SelfDeblur's tables) aligns the
estimate to the truth by the best of 41 x 41 sub-pixel shifts (+-5 px in steps of 0.25 px) before scoring.

* ``exhaustive``: one bilinear crop and one squared error per shift, as Levin et al.'s ``comp_upto_shift`` does;
* ``package``: :func:`deblur_core.metrics.compare_up_to_shift`, which gets every shift's error from one box sum and
  one FFT correlation per fractional part, then recomputes the near-ties exactly.

Both run on the same images in alternating rounds (ratio of medians), and the shifts they return are compared.

    python benchmarks/shift_search.py [--rounds 5] [--sizes 127 200 255]

The last line is JSON with ``speedup_<size>`` (exhaustive time over the package's) and ``same_shift``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch
from scipy import ndimage

from deblur_core.device import cpu_flags, cpu_model
from deblur_core.metrics import LEVIN_BORDER, LEVIN_MAX_SHIFT, LEVIN_SHIFT_STEP, compare_up_to_shift


def exhaustive(estimate: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    border, h, w = LEVIN_BORDER, *estimate.shape
    target = reference[border:-border, border:-border]
    best = None
    for dy in np.arange(-LEVIN_MAX_SHIFT, LEVIN_MAX_SHIFT + LEVIN_SHIFT_STEP / 2, LEVIN_SHIFT_STEP):
        iy, fy = int(np.floor(dy)), dy - np.floor(dy)
        for dx in np.arange(-LEVIN_MAX_SHIFT, LEVIN_MAX_SHIFT + LEVIN_SHIFT_STEP / 2, LEVIN_SHIFT_STEP):
            ix, fx = int(np.floor(dx)), dx - np.floor(dx)

            def take(oy, ox, iy=iy, ix=ix):
                return estimate[border + iy + oy : h - border + iy + oy, border + ix + ox : w - border + ix + ox]

            crop = (1 - fy) * ((1 - fx) * take(0, 0) + fx * take(0, 1)) + fy * ((1 - fx) * take(1, 0) + fx * take(1, 1))
            sse = float(np.sum((crop - target) ** 2))
            if best is None or sse < best[0]:
                best = (sse, (float(dy), float(dx)))
    return best[1]


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[127, 200, 255])
    args = parser.parse_args()
    flags = cpu_flags() or set()
    print(f"CPU: {cpu_model()}; AVX2 {'avx2' in flags}, AVX-512 {'avx512f' in flags}; torch {torch.__version__}")
    print(f"threads: numpy/scipy as configured, torch {torch.get_num_threads()}\n")
    rng = np.random.default_rng(0)
    figures, same = {}, True
    print("| side (px) | exhaustive (ms) | package (ms) | speed-up | same shift |")
    print("|---|---|---|---|---|")
    for size in args.sizes:
        sharp = ndimage.gaussian_filter(rng.random((size, size)), 1.5)
        estimate = ndimage.shift(sharp, (1.3, -0.6), order=3, mode="nearest") + 0.01 * rng.standard_normal(sharp.shape)
        times = {"exhaustive": [], "package": []}
        for _ in range(args.rounds):
            seconds, slow_shift = timed(exhaustive, estimate, sharp)
            times["exhaustive"].append(seconds)
            seconds, fast = timed(compare_up_to_shift, estimate, sharp)
            times["package"].append(seconds)
        agrees = fast.shift == slow_shift
        same &= agrees
        slow, quick = statistics.median(times["exhaustive"]), statistics.median(times["package"])
        figures[f"speedup_{size}"] = round(slow / quick, 2)
        print(f"| {size} | {1000 * slow:.1f} | {1000 * quick:.1f} | {slow / quick:.1f}x | {agrees} |")
    print()
    print(json.dumps({**figures, "same_shift": same, "cpu": cpu_model()}))


if __name__ == "__main__":
    main()
