"""What the second target of notebook 01 §7 costs: the region classifier trained on the paper's labels and on
per-image labels, side by side on long's training windows.

Only the target differs (same windows, network, optimiser, batches, epochs and precision), so the cost per epoch
should be the same and the comparison in §7 a fair one; this measures it, one epoch each, alternating, twice. The
windows' labels come from the labelling cache that notebook 01 fills (a cold cache labels them first, which is most
of long's hour).

    python benchmarks/region_targets.py [--profile long] [--rounds 2]

Ends with one JSON line: seconds per epoch per target and the good share of each target's labels.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from deblur_core.device import cpu_flags, cpu_model, select_precision
from deblur_core.profiles import profile_settings
from deblur_core.regions.dataset import split_examples
from deblur_core.regions.labels import label_windows, stack_labelled
from deblur_core.regions.training import train_classifier

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "data" / "cache" / "regions"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="long")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    flags = cpu_flags() or set()
    settings = profile_settings("regions", args.profile)
    config = replace(settings.classifier_config(0), epochs=1)
    print(
        f"CPU: {cpu_model()} ({'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else 'no AVX2'}); "
        f"{select_precision().name}; profile {args.profile}: width {config.width}, {config.input_size} px input, "
        f"batches of {config.batch_size}"
    )
    splits = split_examples(settings)
    options = {"estimator_options": {"iterations_per_scale": settings.iterations_per_scale}, "cache_dir": CACHE}
    train = label_windows(splits["train"], settings.window_size, settings.stride, **options)
    val = label_windows(splits["val"], settings.window_size, settings.stride, **options)
    targets = {}
    for labelling in ("paper", "per-image"):
        windows, labels = stack_labelled(train, settings.similarity_threshold, labelling)
        val_windows, val_labels = stack_labelled(val, settings.similarity_threshold, labelling)
        targets[labelling] = (windows, labels, val_windows, val_labels)
    seconds = {name: [] for name in targets}
    for _ in range(args.rounds):
        for name, (windows, labels, val_windows, val_labels) in targets.items():
            started = time.perf_counter()
            train_classifier(windows, labels, val_windows, val_labels, config, progress=False)
            seconds[name].append(time.perf_counter() - started)
    print(f"\n{'target':<12} {'windows':>8} {'good share':>11} {'s per epoch (best of rounds)':>30}")
    figures = {"cpu": cpu_model(), "profile": args.profile, "targets": {}}
    for name, (_, labels, _, _) in targets.items():
        best = min(seconds[name])
        print(f"{name:<12} {len(labels):8d} {float(np.mean(labels)):11.2f} {best:30.1f}")
        figures["targets"][name] = {
            "windows": len(labels),
            "good_share": round(float(np.mean(labels)), 3),
            "seconds_per_epoch": round(best, 2),
        }
    ratio = min(seconds["per-image"]) / min(seconds["paper"])
    print(f"\nper-image / paper cost per epoch: {ratio:.2f}")
    figures["cost_ratio"] = round(ratio, 3)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
