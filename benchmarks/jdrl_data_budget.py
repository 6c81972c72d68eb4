"""How much data and training does JDRL's final model need to beat its blurry input by a margin that shows?

Notebook 02's ``long`` profile trains on 40 pairs of 4 photographs for 24 epochs, and its final model beats the blurry
input by only 0.17 dB. This benchmark trains the final variant (seed 0) on the same photographs plus colour
dead-leaves scenes (:func:`deblur_core.jdrl.data.dead_leaves_scene`), for a given number of epochs, and scores it on
held-out pairs of the unseen photograph(s): the gain over the blurry input (PSNR against the aligned ground truth),
paired over test pairs with a bootstrap 95 % CI resampling scenes and pairs, and the training time.

    python benchmarks/jdrl_data_budget.py [--dead-leaves 16] [--pairs-per-scene 10] [--epochs 48] [--profile quick]

Trained models go through the training cache (``--cache-dir``): a second run with the same settings loads them.
Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from deblur_core.device import cpu_flags, cpu_model, select_precision
from deblur_core.jdrl.evaluation import deblur_images, evaluate_outputs
from deblur_core.jdrl.experiment import synthetic_splits, training_scenes
from deblur_core.jdrl.training import VARIANTS, train_jdrl
from deblur_core.profiles import profile_settings
from deblur_core.stats import paired_comparison

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick", help="the profile whose JDRL settings are the starting point")
    parser.add_argument("--dead-leaves", type=int, default=16, help="dead-leaves training scenes (seeds 0..N-1)")
    parser.add_argument("--random-view", action="store_true", help="each pair shows a random window of its picture")
    parser.add_argument("--pairs-per-scene", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--test-pairs", type=int, default=None)
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--halve-every", type=int, default=None, help="epochs between halvings of the learning rate")
    parser.add_argument("--cache-dir", default=str(ROOT / "data" / "cache" / "jdrl"))
    args = parser.parse_args()

    settings = profile_settings(
        "jdrl",
        args.profile,
        pairs_per_scene=args.pairs_per_scene,
        epochs=args.epochs,
        test_pairs=args.test_pairs,
        learning_rate=args.learning_rate,
        halve_every=args.halve_every,
        dead_leaves=args.dead_leaves,
        random_view=args.random_view or None,
    )
    scenes = training_scenes(settings)
    train, test = synthetic_splits(settings, args.cache_dir)
    flags = cpu_flags() or set()
    print(
        f"CPU: {cpu_model()} ({'AVX-512' if 'avx512f' in flags else 'no AVX-512'}); torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, {select_precision().name}"
    )
    print(
        f"train: {len(scenes)} scenes ({len(settings.train_scenes)} photographs, {args.dead_leaves} dead leaves) "
        f"x {settings.pairs_per_scene} pairs of {settings.size} px; test: {len(test)} pairs of "
        f"{', '.join(settings.test_scenes)}; {settings.epochs} epochs, UNet {settings.width} wide, "
        f"learning rate {settings.learning_rate:g} halved every {settings.halve_every} epochs"
    )

    started = time.perf_counter()
    result = train_jdrl(
        np.stack([p.blurry for p in train]),
        np.stack([p.sharp for p in train]),
        VARIANTS["final"],
        settings.training_config(0),
        cache_dir=args.cache_dir,
        description="final",
    )
    seconds = time.perf_counter() - started
    blurry = np.stack([p.blurry for p in test])
    aligned = np.stack([p.aligned_sharp for p in test])
    sharp = np.stack([p.sharp for p in test])
    outputs = evaluate_outputs(deblur_images(result.model, blurry), sharp, aligned)
    inputs = evaluate_outputs(blurry.astype(np.float64), sharp, aligned)
    gain = paired_comparison(
        outputs["PSNR (aligned)"], inputs["PSNR (aligned)"], claim="final > blurry input (aligned GT)"
    )
    print(f"\n{'':32} {'PSNR (aligned)':>15} {'PSNR (deformed GT)':>19}")
    print(f"{'blurry input':32} {inputs['PSNR (aligned)'].mean():15.2f} {inputs['PSNR (deformed GT)'].mean():19.2f}")
    print(f"{'final':32} {outputs['PSNR (aligned)'].mean():15.2f} {outputs['PSNR (deformed GT)'].mean():19.2f}")
    print(gain.describe("dB"))
    cached = " (loaded from the cache)" if result.from_cache else ""
    print(f"training: {seconds:.0f} s{cached}; last epoch loss {result.history['loss'].iloc[-1]:.4f}")
    print(
        json.dumps(
            {
                "cpu": cpu_model(),
                "train_scenes": len(scenes),
                "dead_leaves": args.dead_leaves,
                "train_pairs": len(train),
                "epochs": settings.epochs,
                "learning_rate": settings.learning_rate,
                "halve_every": settings.halve_every,
                "gain_db": round(gain.mean, 3),
                "gain_ci_db": [round(v, 3) if np.isfinite(v) else None for v in (gain.low, gain.high)],
                "training_seconds": round(seconds, 1),
                "from_cache": result.from_cache,
            }
        )
    )


if __name__ == "__main__":
    main()
