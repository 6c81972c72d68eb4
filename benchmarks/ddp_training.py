"""Training with 1 process and with 2 DDP processes (torchrun, gloo on CPU), side by side: the region classifier
and JDRL's final variant under the quick profile.

Both runs go through ``python -m deblur_core train-region-classifier`` on the same saved windows (smooth random
textures, labelled by their contrast, so that the loss falls), with the same seed and global batch. The times are
the training alone, as the command prints them (process start-up excluded). The two runs are not expected to be
bit-equal: with 2 processes each batch is split in two and BatchNorm normalises each half on its own, so the
trajectories differ; the table shows by how much (the tolerance a user should expect).

JDRL's two runs differ for the same reasons, and each process draws its own crops.

    python benchmarks/ddp_training.py
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage

from deblur_core.device import cpu_flags, cpu_model
from deblur_core.models.region_classifier import load_classifier
from deblur_core.regions.training import predict_scores, roc_auc, save_training_set

RELEVANT_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")


def windows_and_labels(count: int, size: int, seed: int):
    rng = np.random.default_rng(seed)
    windows = ndimage.gaussian_filter(rng.random((count, size, size)), sigma=(0, 2, 2))
    contrast = windows.std(axis=(1, 2))
    return windows, (contrast > np.median(contrast)).astype(int)


def run_command(processes: int, arguments: list[str]) -> tuple[float, str]:
    """``python -m deblur_core ARGUMENTS`` in one process or under torchrun; the training seconds it prints."""
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"]
    command = [*(launcher if processes > 1 else [sys.executable]), "-m", "deblur_core", *arguments]
    done = subprocess.run(
        command, env={**os.environ, "DEBLUR_PROGRESS": "0"}, capture_output=True, text=True, check=True
    )
    return float(re.search(r"in ([\d.]+) s with", done.stdout).group(1)), done.stdout.strip()


def train(processes: int, data: Path, out: Path, args) -> tuple[float, str]:
    return run_command(
        processes,
        [
            "train-region-classifier",
            str(data),
            "--out",
            str(out),
            "--epochs",
            str(args.epochs),
            "--width",
            str(args.width),
            "--batch-size",
            str(args.batch_size),
        ],
    )


def train_jdrl_cli(processes: int, out: Path, cache: Path) -> tuple[float, float]:
    seconds, report = run_command(
        processes, ["train-jdrl", "--profile", "quick", "--out", str(out), "--cache-dir", str(cache)]
    )
    return seconds, float(re.search(r"last epoch loss ([\d.]+)", report).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=256)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    flags = cpu_flags() or set()
    print(f"CPU: {cpu_model()}; {os.cpu_count()} cores; torch {torch.__version__}")
    print(f"flags: {' '.join(f for f in RELEVANT_FLAGS if f in flags) or 'unknown'}")

    train_windows, train_labels = windows_and_labels(args.windows, args.size, seed=0)
    val_windows, val_labels = windows_and_labels(64, args.size, seed=1)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "set.npz"
        save_training_set(data, train_windows, train_labels, val_windows, val_labels)
        for processes in (1, 2):
            out = Path(folder) / f"model_{processes}.pt"
            seconds, report = train(processes, data, out, args)
            model = load_classifier(out)
            auc = roc_auc(predict_scores(model, val_windows), val_labels)
            loss = float(re.search(r"training loss ([\d.]+)", report).group(1))
            results[processes] = {"seconds": seconds, "val_auc": auc, "train_loss": loss, "model": model}

    print(
        f"\n{args.windows} windows of {args.size} px, ResNet-34 layout {args.width} wide, {args.epochs} epochs, "
        f"global batch {args.batch_size}"
    )
    print(f"{'processes':<10} {'seconds':>8} {'x 1 proc':>9} {'last train loss':>16} {'val AUC':>8}")
    for processes, r in results.items():
        speedup = results[1]["seconds"] / r["seconds"]
        print(f"{processes:<10} {r['seconds']:8.1f} {speedup:9.2f} {r['train_loss']:16.4f} {r['val_auc']:8.3f}")
    one, two = results[1]["model"].state_dict(), results[2]["model"].state_dict()
    largest = max(float((one[k].float() - two[k].float()).abs().max()) for k in one if one[k].is_floating_point())
    print(f"largest weight difference between the two: {largest:.3g} (not bit-equal by design, see the docstring)")
    jdrl = {}
    with tempfile.TemporaryDirectory() as folder:
        for processes in (1, 2):
            jdrl[processes] = train_jdrl_cli(processes, Path(folder) / f"unet_{processes}.pt", Path(folder) / "cache")
    print("\nJDRL final, quick profile (24 epochs, 40 pairs), pairs cached before timing")
    print(f"{'processes':<10} {'seconds':>8} {'x 1 proc':>9} {'last epoch loss':>16}")
    for processes, (seconds, loss) in jdrl.items():
        print(f"{processes:<10} {seconds:8.1f} {jdrl[1][0] / seconds:9.2f} {loss:16.4f}")
    figures = {
        "jdrl_seconds_1": jdrl[1][0],
        "jdrl_seconds_2": jdrl[2][0],
        "jdrl_speedup_2": round(jdrl[1][0] / jdrl[2][0], 3),
        "jdrl_loss_1": jdrl[1][1],
        "jdrl_loss_2": jdrl[2][1],
        "seconds_1": round(results[1]["seconds"], 2),
        "seconds_2": round(results[2]["seconds"], 2),
        "speedup_2": round(results[1]["seconds"] / results[2]["seconds"], 3),
        "train_loss_1": results[1]["train_loss"],
        "train_loss_2": results[2]["train_loss"],
        "val_auc_1": round(results[1]["val_auc"], 4),
        "val_auc_2": round(results[2]["val_auc"], 4),
        "largest_weight_difference": largest,
    }
    print(json.dumps({"cpu": cpu_model(), "cores": os.cpu_count(), **figures}))


if __name__ == "__main__":
    main()
