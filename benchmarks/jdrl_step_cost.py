"""Cost of a JDRL training step against a plain UNet step of the same network and size.

A step is forward, loss, backward and an Adam update on a batch of misaligned synthetic
crops. Variants timed in alternating rounds in one process (ratio of medians):

* ``#1 baseline``: the UNet and a Charbonnier loss against the misaligned ground truth;
* ``#4 w/o reblurring``: plus DIS optical flow both ways, warping and calibration masks;
* ``final``: plus the reblurring module (kernel and weight networks, isotropic reblurring).

Two network sizes are measured: the paper's (UNet and reblurring networks 64 wide) and
the quick profile's (16 wide).

    python benchmarks/jdrl_step_cost.py [--crop 96] [--rounds 5]

Target: a JDRL (final) step costs at most 1.6x a baseline step. The last line is JSON with
``step_ratio_final_<paper|quick>`` (final / baseline), ``step_ratio_flow_only_<...>`` and the
baseline's seconds per step.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch

from deblur_core.jdrl.data import make_pair
from deblur_core.jdrl.training import VARIANTS, JDRLConfig, build_networks, training_step

TIMED = ("#1 baseline", "#4 w/o reblurring", "final")


def measure(width: int, reblur_width: int, crop: int, batch: int, rounds: int) -> dict[str, float]:
    """Median seconds per step of each timed variant, interleaved rounds."""
    pairs = [
        make_pair(name, seed=k, size=crop)
        for k, name in zip(range(batch), ["astronaut", "coffee", "rocket", "motorcycle"] * batch)
    ]
    blurry = torch.as_tensor(np.stack([p.blurry for p in pairs]).transpose(0, 3, 1, 2).copy())
    sharp = torch.as_tensor(np.stack([p.sharp for p in pairs]).transpose(0, 3, 1, 2).copy())
    config = JDRLConfig(width=width, reblur_width=reblur_width, crop=crop)
    runs = {}
    for name in TIMED:
        torch.manual_seed(0)
        model, reblur = build_networks(VARIANTS[name], config)
        parameters = list(model.parameters()) + (list(reblur.parameters()) if reblur is not None else [])
        runs[name] = (model, reblur, torch.optim.Adam(parameters, lr=1e-4))

    def step(name):
        model, reblur, optimiser = runs[name]
        started = time.perf_counter()
        training_step(model, reblur, optimiser, blurry, sharp, VARIANTS[name], config, warming_up=False)
        return time.perf_counter() - started

    for name in TIMED:
        step(name)  # warm-up
    times = {name: [] for name in TIMED}
    for _ in range(rounds):
        for name in TIMED:
            times[name].append(step(name))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--crop", type=int, default=96)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    # (label, UNet width, reblurring width, batch): the paper's widths, and the quick profile's
    settings = [("paper widths", 64, 64, 2), ("quick widths", 16, 16, 4)]
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; crops of {args.crop} px, "
        f"median of {args.rounds} rounds"
    )
    print(f"{'networks':30s} {'variant':20s} {'s / step':>9s} {'vs baseline':>12s}")
    figures = {}
    for label, width, reblur_width, batch in settings:
        medians = measure(width, reblur_width, args.crop, batch, args.rounds)
        base = medians["#1 baseline"]
        for name in TIMED:
            print(
                f"{label + f' ({width}/{reblur_width}, batch {batch})':30s} {name:20s} {medians[name]:9.3f} "
                f"{medians[name] / base:11.2f}x"
            )
        key = label.split()[0]
        figures[f"step_ratio_final_{key}"] = round(medians["final"] / base, 3)
        figures[f"step_ratio_flow_only_{key}"] = round(medians["#4 w/o reblurring"] / base, 3)
        figures[f"baseline_s_per_step_{key}"] = round(base, 4)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
