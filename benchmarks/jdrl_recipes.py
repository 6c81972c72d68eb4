"""Which training recipe makes the JDRL UNet deblur fastest on a CPU (issue 32)?

Each recipe trains the **control** (#1's plain Charbonnier loss against the exact aligned sharp images, so that
what is measured is learning to deblur, not coping with misalignment) on the ``long`` profile's 400 pairs for the
same number of optimiser steps, through :func:`deblur_core.jdrl.training.train_jdrl` itself. Every model is scored
on the 18 held-out pairs of 6 photographs no training pair shows, and on 18 of its own training pairs:

* the PSNR gain over the blurry input (aligned ground truth), per held-out scene and on average, with a bootstrap
  95 % CI resampling scenes (:func:`deblur_core.stats.paired_comparison`), and per CPU-minute of training;
* the same gain on training pairs: the gap between the two says how much of what a recipe learns carries over;
* where a scene loses, why: the gain inside the regions its input shows in focus and inside the defocused ones
  (local gradient energy of the input against the aligned image), and the output's mean brightness shift.

Then the chosen recipe and the ``long`` profile's former one train the **final** objective (flows, masks,
reblurring) at the same budget, and one final step is split into where its time goes.

Recipes, and where each choice comes from:

* crop x batch at a fixed pixel count per step: many small crops make the gradient less noisy per pixel seen;
  JDRL's own (512 px, batch 1) is a GPU recipe;
* learning-rate schedule: the paper's step halving, warm-up + cosine decay (Loshchilov and Hutter, SGDR, 2017;
  Goyal et al., 2017), one-cycle (Smith and Topin, 2019), as in :mod:`deblur_core.schedules`;
* learning rate; dropout (the supplement's 0.4 after the two deepest levels, against none, as restoration networks
  such as NAFNet train, Chen et al., ECCV 2022); width; random flips and transposes of the crops (the eight
  symmetries, standard in restoration training, e.g. Lim et al., EDSR, 2017);
* precision: every recipe but the former runs in what :func:`deblur_core.device.select_precision` picks here
  (bf16 autocast with channels-last where the CPU computes bf16 natively, float32 elsewhere), and the chosen
  one also in plain float32 and, where AVX-512 makes it faster, float32 channels-last.

    python benchmarks/jdrl_recipes.py [--steps 800] [--final-steps 800]

Trained runs are cached (``data/cache/jdrl/recipes``): a second run of the benchmark only scores them. Prints the
CPU, one table per part and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy import ndimage

from deblur_core.device import cpu_channels_last_is_fast, cpu_flags, cpu_model, cpu_native_bf16, select_precision
from deblur_core.jdrl import losses as jdrl_losses
from deblur_core.jdrl import reblurring
from deblur_core.jdrl.data import scene_of
from deblur_core.jdrl.evaluation import BORDER, deblur_images
from deblur_core.jdrl.experiment import synthetic_splits
from deblur_core.jdrl.training import VARIANTS, JDRLConfig, build_networks, train_jdrl, training_step
from deblur_core.metrics import psnr
from deblur_core.profiles import profile_settings
from deblur_core.stats import paired_comparison

ROOT = Path(__file__).resolve().parents[1]
PAIRS_CACHE = ROOT / "data" / "cache" / "jdrl"
PAIRS = 400  # long's training pairs; the step budget below assumes them
IN_FOCUS, DEFOCUSED = 0.8, 0.5  # local sharpness of the input against the aligned image, above / below


def recipes(settings) -> dict[str, dict]:
    """Name -> JDRLConfig fields. ``former long`` is the profile's recipe before this benchmark."""
    former = dict(crop=80, batch_size=4, learning_rate=5e-4, schedule="step", dropout=0.4, flips=False)
    modern = dict(crop=64, batch_size=16, learning_rate=1e-3, schedule="cosine", dropout=0.0, flips=True)
    former["precision"] = "float32"  # what the profile ran before: no reduced precision for JDRL
    return {
        "former long (80 px x 4, step halving, 5e-4, dropout)": former,
        "64 px x 16, cosine, 1e-3, no dropout, flips": modern,
        "96 px x 8 (same recipe)": modern | dict(crop=96, batch_size=8),
        "128 px x 4 (same recipe)": modern | dict(crop=128, batch_size=4),
        "step halving instead of cosine": modern | dict(schedule="step"),
        "one-cycle instead of cosine": modern | dict(schedule="one-cycle"),
        "learning rate 5e-4": modern | dict(learning_rate=5e-4),
        "learning rate 2e-3": modern | dict(learning_rate=2e-3),
        "dropout 0.4": modern | dict(dropout=0.4),
        "no flips": modern | dict(flips=False),
        "width 24": modern | dict(width=24),
        **precision_recipes(modern),
    }


def precision_recipes(modern: dict) -> dict[str, dict]:
    """The recipe in each precision the CPU runs well besides ``"auto"``'s (bf16 autocast only where native)."""
    rows = {"plain float32 (NCHW)": modern | dict(precision="float32")}
    if cpu_channels_last_is_fast():
        rows["float32, channels-last"] = modern | dict(precision="float32-channels-last")
    return rows


def epochs_for(steps: int, batch_size: int) -> int:
    """Whole epochs of ``PAIRS`` pairs closest to ``steps`` optimiser steps."""
    return max(1, round(steps / -(-PAIRS // batch_size)))


def config_for(settings, fields: dict, steps: int) -> JDRLConfig:
    base = settings.training_config(0)
    epochs = epochs_for(steps, fields.get("batch_size", base.batch_size))
    halve_every = max(1, epochs // 2)  # the step schedule halves once, halfway
    return dataclasses.replace(base, epochs=epochs, warmup_epochs=0, halve_every=halve_every, **fields)


def local_sharpness(blurry: np.ndarray, aligned: np.ndarray) -> np.ndarray:
    """Gradient energy of the input over that of the aligned image, averaged over 15 px: near 1 in focus."""

    def energy(image):
        grey = image.mean(-1)
        return ndimage.uniform_filter(np.hypot(ndimage.sobel(grey, 0), ndimage.sobel(grey, 1)), 15)

    return energy(blurry) / (energy(aligned) + 1e-3)


def scores(model, blurry: np.ndarray, aligned: np.ndarray) -> pd.DataFrame:
    """Per pair: gain over the input (dB), gains inside in-focus and defocused regions, brightness shift (8-bit)."""
    outputs = deblur_images(model, blurry).astype(np.float64)
    inner = (slice(BORDER, -BORDER), slice(BORDER, -BORDER))
    rows = []
    for output, source, truth in zip(outputs, blurry.astype(np.float64), aligned.astype(np.float64)):
        output, source, truth = output[inner], source[inner], truth[inner]
        sharpness = local_sharpness(source, truth)
        error_out, error_in = ((output - truth) ** 2).mean(-1), ((source - truth) ** 2).mean(-1)
        rows.append(
            {
                "gain": psnr(output, truth) - psnr(source, truth),
                "in-focus gain": _region_gain(error_in, error_out, sharpness > IN_FOCUS),
                "defocused gain": _region_gain(error_in, error_out, sharpness < DEFOCUSED),
                "brightness shift": 255 * float((output - source).mean()),
            }
        )
    return pd.DataFrame(rows)


def _region_gain(error_in: np.ndarray, error_out: np.ndarray, mask: np.ndarray) -> float:
    """PSNR gain (dB) inside ``mask``; NaN where it holds too few pixels to say."""
    return 10 * np.log10(error_in[mask].mean() / error_out[mask].mean()) if mask.sum() > 50 else np.nan


def part_one(settings, train, test, steps: int, cache: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    train_blurry = np.stack([p.blurry for p in train])
    train_aligned = np.stack([p.aligned_sharp for p in train])
    test_blurry = np.stack([p.blurry for p in test])
    test_aligned = np.stack([p.aligned_sharp for p in test])
    seen = np.linspace(0, len(train) - 1, len(test)).round().astype(int)  # as many training pairs as test pairs
    scenes = [scene_of(p.name) for p in test]
    rows, per_scene = [], {}
    for name, fields in recipes(settings).items():
        config = config_for(settings, fields, steps)
        started = time.perf_counter()
        result = train_jdrl(
            train_blurry,
            train_aligned,
            VARIANTS["#1 baseline"],
            config,
            cache_dir=cache,
            progress=False,
        )
        minutes = result.history["seconds"].sum() / 60
        held_out = scores(result.model, test_blurry, test_aligned)
        trained_on = scores(result.model, train_blurry[seen], train_aligned[seen])
        gain = paired_comparison(held_out["gain"].to_numpy(), np.zeros(len(test)), claim=name, clusters=scenes)
        by_scene = held_out.assign(scene=scenes).groupby("scene", sort=False).mean()
        per_scene[name] = by_scene
        rows.append(
            {
                "recipe": name,
                "steps": config.epochs * -(-PAIRS // config.batch_size),
                "train min": minutes,
                "held-out gain dB": gain.mean,
                "CI low": gain.low,
                "CI high": gain.high,
                "dB per CPU-min": gain.mean / minutes,
                "training-pair gain dB": trained_on["gain"].mean(),
                "worst scene dB": by_scene["gain"].min(),
                "from cache": result.from_cache,
            }
        )
        print(f"{name}: {time.perf_counter() - started:.0f} s, held-out {gain.describe('dB')}", flush=True)
    return pd.DataFrame(rows).set_index("recipe"), pd.concat(per_scene, names=["recipe"])


def pick(table: pd.DataFrame) -> str:
    """The recipe with the largest held-out gain per CPU-minute among those that lose no scene by 0.5 dB more than
    the former recipe does (a mean lifted by one scene while another falls is no win)."""
    former = table.index[0]
    floor = min(table.loc[former, "worst scene dB"], 0.0) - 0.5
    allowed = table[table["worst scene dB"] >= floor]
    return str(allowed["dB per CPU-min"].idxmax())


class StepClock:
    """Seconds spent in each part of a JDRL step, by wrapping the functions that do them."""

    PARTS = {
        "optical flow (DIS)": (jdrl_losses, "estimate_flow_batch"),
        "warping": (jdrl_losses, "warp"),
        "calibration masks": (jdrl_losses, "calibration_mask"),
        "reblurring module": (reblurring.ReblurModule, "forward"),
    }

    def __init__(self):
        self.seconds = dict.fromkeys(self.PARTS, 0.0)
        self.saved = {}

    def __enter__(self):
        for part, (owner, attribute) in self.PARTS.items():
            original = getattr(owner, attribute)
            self.saved[part] = original

            def timed(*args, _original=original, _part=part, **kwargs):
                started = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.seconds[_part] += time.perf_counter() - started

            setattr(owner, attribute, timed)
        return self

    def __exit__(self, *exc):
        for part, (owner, attribute) in self.PARTS.items():
            setattr(owner, attribute, self.saved[part])


def step_split(train, config: JDRLConfig, steps: int = 20) -> dict[str, float]:
    """Mean milliseconds per final-variant step, split into flow, warping, masks, reblurring and the rest."""
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    model, reblur = build_networks(VARIANTS["final"], config)
    precision = select_precision(precision=config.precision)
    precision.prepare(model)
    optimiser = torch.optim.Adam(list(model.parameters()) + list(reblur.parameters()), lr=1e-4)
    picks = rng.integers(0, len(train), (steps + 2, config.batch_size))

    def step(index):
        crops = [
            (train[i].blurry[: config.crop, : config.crop], train[i].sharp[: config.crop, : config.crop]) for i in index
        ]
        pairs = [precision.prepare(torch.as_tensor(np.stack(c).transpose(0, 3, 1, 2).copy())) for c in zip(*crops)]
        training_step(model, reblur, optimiser, *pairs, VARIANTS["final"], config, False, precision=precision)

    for index in picks[:2]:  # warm-up
        step(index)
    with StepClock() as clock:
        started = time.perf_counter()
        for index in picks[2:]:
            step(index)
        total = time.perf_counter() - started
    split = {part: 1000 * seconds / steps for part, seconds in clock.seconds.items()}
    split["network forward, backward and Adam"] = 1000 * total / steps - sum(split.values())
    split["whole step"] = 1000 * total / steps
    return split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=800, help="optimiser steps per recipe (control objective)")
    parser.add_argument("--final-steps", type=int, default=800, help="steps of the final objective, two recipes")
    parser.add_argument("--cache-dir", default=str(PAIRS_CACHE / "recipes"), help="where trained runs are cached")
    args = parser.parse_args()
    settings = profile_settings("jdrl", "long")
    train, test = synthetic_splits(settings, PAIRS_CACHE)
    if len(train) != PAIRS:
        raise SystemExit(f"expected long's {PAIRS} training pairs, got {len(train)}; the profile changed")
    flags = cpu_flags() or set()
    skipped = []
    if not cpu_channels_last_is_fast():
        skipped.append("channels-last (faster only with AVX-512, which this CPU lacks)")
    if not cpu_native_bf16():
        skipped.append("bf16 autocast (emulated without native bf16 units: slower than float32 here)")
    print(
        f"CPU: {cpu_model()} ({'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else 'no AVX2'}, "
        f"native bf16: {bool(cpu_native_bf16())}); torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"'auto' precision here: {select_precision().name}"
    )
    print(
        f"data: long profile, {len(train)} training pairs of {settings.size} px, {len(test)} held-out pairs of "
        f"{', '.join(settings.test_scenes)}; control objective, {args.steps} steps per recipe\n"
    )

    table, per_scene = part_one(settings, train, test, args.steps, Path(args.cache_dir))
    chosen = pick(table)
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print("\nPart 1: control objective (aligned pairs), gains over the blurry input, aligned ground truth")
        print(table.round(3).to_string())
        print("\nHeld-out gain per scene (dB)")
        print(per_scene["gain"].unstack("scene").round(2).to_string())
        print("\nWhere the held-out gain comes from, mean over scenes: in-focus and defocused regions, brightness")
        print(per_scene.groupby("recipe", sort=False).mean().round(2).to_string())
    print(f"\nleft out: {'; '.join(skipped) if skipped else 'nothing'}")
    print(f"chosen: {chosen} (largest held-out gain per CPU-minute that loses no scene by more than the former's)")

    final_rows = {}
    test_blurry = np.stack([p.blurry for p in test])
    test_aligned = np.stack([p.aligned_sharp for p in test])
    scenes = [scene_of(p.name) for p in test]
    train_blurry, train_sharp = np.stack([p.blurry for p in train]), np.stack([p.sharp for p in train])
    for name in (table.index[0], chosen):
        config = config_for(settings, recipes(settings)[name], args.final_steps)
        config = dataclasses.replace(config, warmup_epochs=max(1, config.epochs * settings.warmup_epochs // 8))
        result = train_jdrl(
            train_blurry, train_sharp, VARIANTS["final"], config, cache_dir=Path(args.cache_dir), progress=False
        )
        held_out = scores(result.model, test_blurry, test_aligned)
        gain = paired_comparison(held_out["gain"].to_numpy(), np.zeros(len(test)), claim=name, clusters=scenes)
        minutes = result.history["seconds"].sum() / 60
        final_rows[name] = {
            "train min": minutes,
            "held-out gain dB": gain.mean,
            "CI low": gain.low,
            "CI high": gain.high,
            "dB per CPU-min": gain.mean / minutes,
            **held_out.assign(scene=scenes).groupby("scene", sort=False)["gain"].mean().to_dict(),
        }
    final_table = pd.DataFrame(final_rows).T
    split = step_split(train, config_for(settings, recipes(settings)[chosen], args.final_steps))
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print(f"\nPart 2: final objective (misaligned pairs, flows, masks, reblurring), {args.final_steps} steps")
        print(final_table.round(3).to_string())
        print(f"\nPart 3: one final step of the chosen recipe, ms ({chosen})")
        print(pd.Series(split).round(1).to_string())
    figures = {
        "cpu": cpu_model(),
        "steps": args.steps,
        "chosen": chosen,
        "control": {
            name: {
                "gain_db": round(row["held-out gain dB"], 3),
                "ci_db": [round(row["CI low"], 3), round(row["CI high"], 3)],
                "db_per_cpu_minute": round(row["dB per CPU-min"], 4),
                "training_pair_gain_db": round(row["training-pair gain dB"], 3),
                "worst_scene_db": round(row["worst scene dB"], 3),
                "train_minutes": round(row["train min"], 2),
            }
            for name, row in table.iterrows()
        },
        "final": {
            name: {
                "gain_db": round(row["held-out gain dB"], 3),
                "ci_db": [round(row["CI low"], 3), round(row["CI high"], 3)],
            }
            for name, row in final_table.iterrows()
        },
        "final_step_ms": {part: round(value, 1) for part, value in split.items()},
        "left_out": skipped,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
