"""What keeping freed memory (``deblur_core.allocator.retain_freed_memory``) saves in each notebook's training step.

PyTorch has no caching allocator on the CPU; glibc returns large freed blocks to the kernel and
faults them in again at the next step. The package keeps them instead, wherever it chooses the
CPU. This benchmark times one training step of each notebook's network at its ``long`` profile
size, in the precision its training uses here (JDRL trains in float32), once with glibc's allocator as it comes
(``DEBLUR_CPU_ALLOCATOR=system``) and once as the package runs it; each in its own worker process,
in alternating rounds (ratios of medians):

* ``region classifier``: forward, BCE loss, backward and Adam step on a batch of 32 windows of
  100 px (notebook 01, 16 wide ResNet-34 layout);
* ``JDRL final``: the full JDRL step (flow, reblurring, losses) on 4 crops of 80 px (notebook 02,
  16 wide);
* ``SelfDeblur-J``: one iteration on a 127 px image with a 13 px kernel, 64 channels (notebook 03).

    python benchmarks/cpu_allocator.py [--rounds 7]

The last line is JSON: each workload's seconds per step under both allocators and their ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics

import numpy as np
import torch
from step_workers import Worker, serve, time_alternating

from deblur_core.allocator import ALLOCATOR_ENV, retain_freed_memory
from deblur_core.device import cpu_model, select_device, select_precision
from deblur_core.jdrl.data import make_pair
from deblur_core.jdrl.training import VARIANTS, JDRLConfig, build_networks, training_step
from deblur_core.models.region_classifier import RegionClassifier, prepare_windows
from deblur_core.regions.training import classifier_step
from deblur_core.selfdeblur import SelfDeblurConfig, SelfDeblurOptimiser

WORKLOADS = ("region classifier", "JDRL final", "SelfDeblur-J")
ALLOCATORS = {"returned": "system", "retained": "retain"}


def region_classifier_step():
    precision = select_precision()
    torch.manual_seed(0)
    model = precision.prepare(RegionClassifier(100, 16, (3, 4, 6, 3)))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    windows = precision.prepare(prepare_windows(rng.random((32, 100, 100)), 100))
    labels = torch.as_tensor(rng.integers(0, 2, 32).astype(np.float32))

    return (lambda: classifier_step(model, optimiser, windows, labels, precision)), precision.name


def jdrl_step():
    select_device()  # as train_jdrl does (and with it the allocator); JDRL trains in float32
    pairs = [make_pair(name, seed=0, size=80) for name in ("astronaut", "coffee", "rocket", "motorcycle")]
    blurry = torch.as_tensor(np.stack([p.blurry for p in pairs]).transpose(0, 3, 1, 2).copy())
    sharp = torch.as_tensor(np.stack([p.sharp for p in pairs]).transpose(0, 3, 1, 2).copy())
    config = JDRLConfig(width=16, reblur_width=16, crop=80)
    torch.manual_seed(0)
    model, reblur = build_networks(VARIANTS["final"], config)
    optimiser = torch.optim.Adam([*model.parameters(), *reblur.parameters()], lr=1e-4)

    def step():
        training_step(model, reblur, optimiser, blurry, sharp, VARIANTS["final"], config, warming_up=False)

    return step, "float32"


def selfdeblur_step():
    precision = select_precision()
    config = SelfDeblurConfig(kernel_size=(13, 13), iterations=10_000, channels=64)
    optimiser = SelfDeblurOptimiser(np.random.default_rng(0).random((127, 127)), config, 0.0, precision)
    return optimiser.step, precision.name


# each workload's set-up: it returns a function running one step, and the precision that step runs in
STEPS = {"region classifier": region_classifier_step, "JDRL final": jdrl_step, "SelfDeblur-J": selfdeblur_step}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="alternating timing rounds")
    parser.add_argument("--steps", type=int, default=3, help="steps per round and path")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        step, precision = STEPS[args.worker]()
        serve(step, {"allocator": retain_freed_memory(), "precision": precision})
        return

    print(f"CPU: {cpu_model()}; {torch.get_num_threads()} threads; torch {torch.__version__}")
    workers = {
        (workload, freed): Worker(__file__, [workload], {ALLOCATOR_ENV: allocator})
        for workload in WORKLOADS
        for freed, allocator in ALLOCATORS.items()
    }
    times = time_alternating(workers, args.rounds, args.steps)
    median = {key: statistics.median(values) for key, values in times.items()}
    print(f"\none training step; seconds per step (median of {args.rounds} rounds of {args.steps})")
    print(f"{'workload':<20} {'precision':<18} {'memory returned':>16} {'memory retained':>16} {'speedup':>8}")
    figures = {}
    for workload in WORKLOADS:
        returned, retained = median[workload, "returned"], median[workload, "retained"]
        precision = workers[workload, "retained"].description["precision"]
        print(f"{workload:<20} {precision:<18} {returned:>16.4f} {retained:>16.4f} {returned / retained:>7.2f}x")
        key = workload.lower().replace(" ", "_").replace("-", "_")
        figures[f"{key}_returned_s"] = round(returned, 4)
        figures[f"{key}_retained_s"] = round(retained, 4)
        figures[f"{key}_speedup"] = round(returned / retained, 3)
    print(json.dumps({"cpu": cpu_model(), "allocator": retain_freed_memory(), **figures}))


if __name__ == "__main__":
    main()
