"""What lets the JDRL UNet beat its own blurry input at CPU scale (issue 10).

Trains ``#1 baseline`` and ``final`` on the quick profile's synthetic misaligned pairs
under each output head (the paper's sigmoid, and the residual ``x + F(x)``) and for
each budget in ``--epochs`` (a longer budget continues the shorter run from the run
cache, which gives the same result as training it at once). Every network is scored
on the unseen test pairs against the deformed and the exact aligned ground truth, next
to the blurry input itself, with a paired bootstrap 95 % CI of output minus input.

    python benchmarks/jdrl_training_choices.py [--epochs 24 48] [--seeds 0] [--outputs sigmoid residual]

Prints a table, the CPU, and one JSON line with each choice's mean PSNR gain over the
input (``gain_<output>_<variant>_<epochs>_<gt>``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from deblur_core.device import cpu_model
from deblur_core.jdrl.data import synthetic_pairs
from deblur_core.jdrl.evaluation import deblur_images, evaluate_outputs
from deblur_core.jdrl.training import VARIANTS, JDRLConfig, train_jdrl
from deblur_core.profiles import profile_settings
from deblur_core.stats import paired_comparison

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "data" / "cache" / "jdrl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[24, 48])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--outputs", nargs="+", default=["sigmoid", "residual"])
    parser.add_argument("--variants", nargs="+", default=["#1 baseline", "final"])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--learning-rate", type=float, default=None, help="default: the profile's")
    args = parser.parse_args()
    settings = profile_settings("jdrl", args.profile)
    pairs = {
        split: synthetic_pairs(
            getattr(settings, f"{split}_scenes"),
            settings.pairs_per_scene if split == "train" else settings.test_pairs,
            settings.size,
            seed=settings.seed + (split == "test"),
            cache_dir=CACHE,
            max_radius=settings.max_radius,
        )
        for split in ("train", "test")
    }
    train_blurry = np.stack([p.blurry for p in pairs["train"]])
    train_sharp = np.stack([p.sharp for p in pairs["train"]])
    test_blurry = np.stack([p.blurry for p in pairs["test"]])
    test_sharp = np.stack([p.sharp for p in pairs["test"]])
    aligned = np.stack([p.aligned_sharp for p in pairs["test"]])
    input_scores = evaluate_outputs(test_blurry, test_sharp, aligned)
    rows, figures = [], {}
    for output in args.outputs:
        for name in args.variants:
            for epochs in sorted(args.epochs):
                per_seed, seconds = [], 0.0
                for seed in args.seeds:
                    config = JDRLConfig(
                        width=settings.width,
                        reblur_width=settings.reblur_width,
                        epochs=epochs,
                        warmup_epochs=settings.warmup_epochs,
                        learning_rate=args.learning_rate or settings.learning_rate,
                        halve_every=settings.halve_every,
                        crop=settings.crop,
                        batch_size=settings.batch_size,
                        seed=seed,
                        output=output,
                    )
                    started = time.perf_counter()
                    result = train_jdrl(
                        train_blurry,
                        train_sharp,
                        VARIANTS[name],
                        config,
                        cache_dir=CACHE / "benchmark-runs",
                        progress=False,
                    )
                    seconds += time.perf_counter() - started
                    scores = evaluate_outputs(deblur_images(result.model, test_blurry), test_sharp, aligned)
                    per_seed.append(scores.assign(seed=seed, pair=range(len(scores))))
                scores = pd.concat(per_seed)
                row = {"output": output, "variant": name, "epochs": epochs, "train s (new epochs)": round(seconds)}
                for gt, column in (("deformed", "PSNR (deformed GT)"), ("aligned", "PSNR (aligned)")):
                    reference = np.tile(input_scores[column].to_numpy(), len(args.seeds))
                    comparison = paired_comparison(
                        scores[column].to_numpy(), reference, claim="output > input", clusters=scores["pair"].to_numpy()
                    )
                    row[f"PSNR {gt}"] = scores[column].mean()
                    row[f"gain vs input, {gt} (95 % CI)"] = (
                        f"{comparison.mean:+.2f} [{comparison.low:+.2f}, {comparison.high:+.2f}]"
                    )
                    figures[f"gain_{output}_{name.split()[0].strip('#') or name}_{epochs}_{gt}"] = round(
                        comparison.mean, 3
                    )
                rows.append(row)
                print(row, flush=True)
    table = pd.DataFrame(rows)
    print(f"\nlearning rate {args.learning_rate or settings.learning_rate:g}, {args.profile} profile's other settings")
    print(f"CPU: {cpu_model()}; {args.profile} data: {len(train_blurry)} training pairs, {len(test_blurry)} test pairs")
    print(
        f"blurry input: {input_scores['PSNR (deformed GT)'].mean():.2f} dB (deformed GT), "
        f"{input_scores['PSNR (aligned)'].mean():.2f} dB (aligned GT)"
    )
    print(table.round(2).to_string(index=False))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
