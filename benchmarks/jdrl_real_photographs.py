"""Does the shipped JDRL UNet deblur real photographs it never saw (issue 32, item 3)?

The network ``jdrl-deblur`` loads was trained on synthetic defocus of scikit-image's photographs and dead-leaves
scenes. This benchmark blurs *other* real photographs the way its training range allows and measures what it gives
back:

* the photographs: Grace Hopper (matplotlib's sample data), the Hubble deep field (scikit-image) and the four sharp
  images of Levin et al.'s benchmark (grey, repeated to RGB), none of which any training or held-out pair shows.
  They are read from the installed packages and the Levin benchmark (fetched once with its checksums, or
  ``$DEBLUR_LEVIN_DIR``) and never written to the repository;
* each one's centre square resized to 256 px (training views are windows of 160 px to a whole photograph resized
  to 160 px), blurred in linear light by a uniform defocus disc of radius 2, 4 and 6 px (training: 0 to 7 px),
  plus Gaussian noise of 0.005 and 8-bit rounding, as the training pairs are made;
* the PSNR gain of the output over its blurry input against the noise-free sharp view (borders of
  :data:`deblur_core.jdrl.evaluation.BORDER` px left out), per photograph and on average, with a bootstrap 95 % CI
  resampling photographs (:func:`deblur_core.stats.paired_comparison`).

    python benchmarks/jdrl_real_photographs.py [--checkpoint NAME=PATH ...]

Without ``--checkpoint`` it scores the shipped weights beside notebook 02's ``long`` final UNet (when
``runs/long/`` holds it); several checkpoints are scored side by side in one run.
Prints the CPU, one table and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import torch
from skimage import data, transform

from deblur_core.data.fetch import fetch_levin
from deblur_core.data.io import read_image, to_unit_range
from deblur_core.device import cpu_flags, cpu_model, cpu_native_bf16
from deblur_core.jdrl.evaluation import BORDER, deblur_images
from deblur_core.metrics import psnr
from deblur_core.models.unet import load_unet
from deblur_core.physics.defocus import defocus_blur, linear_to_srgb, srgb_to_linear
from deblur_core.stats import paired_comparison
from deblur_core.weights import shipped_path

ROOT = Path(__file__).resolve().parents[1]
SIZE = 256
RADII = (2.0, 4.0, 6.0)
NOISE = 0.005


def photographs() -> dict[str, np.ndarray]:
    """The unseen photographs, each an RGB centre square of ``SIZE`` px in [0, 1]."""
    sample = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    raw = {"grace_hopper": read_image(sample), "hubble_deep_field": data.hubble_deep_field()}
    gt = fetch_levin(progress=False) / "gt"  # the checked copy, downloaded once where it is missing
    for index in range(1, 5):
        raw[f"levin_im{index}"] = read_image(gt / f"im{index}.png")
    views = {}
    for name, image in raw.items():
        image = to_unit_range(image, source=name)
        image = np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image[..., :3]
        side = min(image.shape[:2])
        top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
        square = image[top : top + side, left : left + side]
        views[name] = np.clip(transform.resize(square, (SIZE, SIZE), anti_aliasing=True), 0, 1).astype(np.float32)
    return views


def blur(sharp: np.ndarray, radius: float, seed: int) -> np.ndarray:
    """A uniform defocus disc (the training pairs' :func:`defocus_blur`, every pixel at ``radius``: depth 0, focus
    at 1), noise and 8-bit rounding."""
    everywhere = np.zeros(sharp.shape[:2])
    blurred = linear_to_srgb(defocus_blur(srgb_to_linear(sharp), everywhere, focus_depth=1.0, max_radius=radius))
    noisy = blurred + np.random.default_rng(seed).normal(0.0, NOISE, blurred.shape)
    return (np.round(np.clip(noisy, 0, 1) * 255) / 255).astype(np.float32)


def inner(image: np.ndarray) -> np.ndarray:
    return image[BORDER:-BORDER, BORDER:-BORDER]


def default_checkpoints() -> dict[str, str]:
    """The shipped network and, where notebook 02 has run under ``long``, the final UNet it saved (64 epochs on 400
    pairs), scored side by side."""
    checkpoints = {"shipped": str(shipped_path("jdrl_unet.pt"))}
    notebook_run = ROOT / "runs" / "long" / "jdrl_final_unet.pt"
    if notebook_run.is_file():
        checkpoints["notebook 02 long"] = str(notebook_run)
    return checkpoints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", action="append", default=[], help="NAME=PATH of a UNet to score")
    args = parser.parse_args()
    checkpoints = dict(item.split("=", 1) for item in args.checkpoint) or default_checkpoints()
    flags = cpu_flags() or set()
    print(
        f"CPU: {cpu_model()} ({'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else 'no AVX2'}, "
        f"native bf16: {bool(cpu_native_bf16())}); torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    views = photographs()
    rows = []
    for radius in RADII:
        blurry = {name: blur(sharp, radius, seed=index) for index, (name, sharp) in enumerate(views.items())}
        stack = np.stack(list(blurry.values()))
        for label, path in checkpoints.items():
            outputs = deblur_images(load_unet(path), stack)
            for (name, sharp), output in zip(views.items(), outputs):
                before = psnr(inner(blurry[name]), inner(sharp))
                after = psnr(inner(output), inner(sharp))
                rows.append({"network": label, "radius": radius, "photograph": name, "input": before, "output": after})
    scores = pd.DataFrame(rows)
    scores["gain"] = scores["output"] - scores["input"]
    summary = []
    for (label, radius), group in scores.groupby(["network", "radius"], sort=False):
        c = paired_comparison(group["output"], group["input"], claim="output > blurry input")
        worst = group.loc[group["gain"].idxmin()]
        summary.append(
            {
                "network": label,
                "radius": radius,
                "gain dB": round(c.mean, 2),
                "CI low": round(c.low, 2),
                "CI high": round(c.high, 2),
                "verdict": c.verdict,
                "worst photograph": f"{worst['photograph']} {worst['gain']:+.2f}",
            }
        )
    summary = pd.DataFrame(summary)
    print(
        f"\n{len(views)} unseen photographs, {SIZE} px, disc radius {', '.join(f'{r:g}' for r in RADII)} px, noise "
        f"{NOISE}; PSNR gain over the blurry input (dB), CI resampling photographs:\n"
    )
    print(summary.to_string(index=False))
    print("\nPer photograph (gain dB):\n")
    print(scores.pivot_table(index="photograph", columns=["network", "radius"], values="gain").round(2).to_string())
    print(json.dumps({"cpu": cpu_model(), "photographs": len(views), "results": summary.to_dict("records")}))


if __name__ == "__main__":
    main()
