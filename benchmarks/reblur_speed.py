"""Isotropic reblurring (JDRL Eq. 7-9): fast ring sums against the per-tap reference.

Forward + backward of the reblurring operation on a 3-channel image with m = 8 (kernels
of 3..15 px and the un-reblurred image) at 128², 256² and 512², float32:

* ``reference``: every tap of every kernel at every pixel (``reblur_reference``);
* ``fast``: the image's ring means computed once, kernels as softmaxes over rings
  (``reblur_fast``).

The two are timed in alternating rounds in one process (ratio of medians). Peak memory
is the largest growth of the resident set (sampled every 0.5 ms) of a fresh subprocess
running one forward + backward, so each implementation is measured alone, from the same
starting point.

    python benchmarks/reblur_speed.py [--rounds 3] [--sizes 128 256 512]

Targets: at 256² and 512², fast is >= 2.5x faster and uses <= 0.5x the reference's peak
memory. The last line is JSON with ``speedup_<size>`` and ``memory_ratio_<size>`` (fast
over reference) for each size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import torch

from deblur_core.jdrl.reblurring import reblur_fast, reblur_reference, seed_channels

LEVELS = 8
IMPLEMENTATIONS = {"reference": reblur_reference, "fast": reblur_fast}

_MEMORY_PROBE = """
import os, sys, threading, time, torch
from deblur_core.jdrl.reblurring import reblur_fast, reblur_reference, seed_channels
size, name = int(sys.argv[1]), sys.argv[2]
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * page
torch.manual_seed(0)
image = torch.rand(1, 3, size, size, requires_grad=True)
seeds = torch.randn(1, seed_channels(8), size, size, requires_grad=True)
weights = torch.softmax(torch.randn(1, 8, size, size), 1).requires_grad_()
baseline, peak, running = rss(), [0], [True]
def sample():
    while running[0]:
        peak[0] = max(peak[0], rss())
        time.sleep(0.0005)
watcher = threading.Thread(target=sample)
watcher.start()
out = {"reference": reblur_reference, "fast": reblur_fast}[name](image, seeds, weights)
out.backward(torch.ones_like(out))
running[0] = False
watcher.join()
print((max(peak[0], rss()) - baseline) / 2 ** 20)
"""


def inputs(size: int):
    generator = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, size, size, generator=generator).requires_grad_()
    seeds = torch.randn(1, seed_channels(LEVELS), size, size, generator=generator).requires_grad_()
    weights = torch.softmax(torch.randn(1, LEVELS, size, size, generator=generator), 1).requires_grad_()
    return image, seeds, weights


def forward_backward(function, tensors) -> float:
    for t in tensors:
        t.grad = None
    started = time.perf_counter()
    out = function(*tensors, LEVELS)
    out.backward(torch.ones_like(out))
    return time.perf_counter() - started


def peak_memory_mb(size: int, name: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(size), name], check=True, capture_output=True, text=True
    )
    return float(result.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512])
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, m = {LEVELS}, 3 channels, float32")
    print(
        f"{'size':>6s} {'reference s':>12s} {'fast s':>8s} {'speed-up':>9s} {'reference MB':>13s} "
        f"{'fast MB':>8s} {'memory ratio':>13s}"
    )
    figures = {}
    for size in args.sizes:
        tensors = inputs(size)
        forward_backward(reblur_fast, tensors)  # warm-up
        times = {name: [] for name in IMPLEMENTATIONS}
        for _ in range(args.rounds):
            for name, function in IMPLEMENTATIONS.items():
                times[name].append(forward_backward(function, tensors))
        reference_s, fast_s = (statistics.median(times[n]) for n in ("reference", "fast"))
        reference_mb, fast_mb = (peak_memory_mb(size, n) for n in ("reference", "fast"))
        speedup, ratio = reference_s / fast_s, fast_mb / reference_mb
        print(
            f"{size:>5d}² {reference_s:12.3f} {fast_s:8.3f} {speedup:8.1f}x {reference_mb:13.0f} "
            f"{fast_mb:8.0f} {ratio:13.3f}"
        )
        figures[f"speedup_{size}"] = round(speedup, 3)
        figures[f"memory_ratio_{size}"] = round(ratio, 4)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
