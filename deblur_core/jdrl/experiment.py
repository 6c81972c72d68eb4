"""The Table 4 experiment: data, the variants over seeds, and the paired verdicts (JDRL Sec. 4.4; notebook 02).

The notebook and any script that warms the run cache call the same functions, so a
cached run is found whichever of them trained it.

* :func:`synthetic_splits`: the profile's training and unseen test pairs;
* :func:`train_variants`: every variant under every seed (shared warm-ups reused);
* :func:`ablation_comparisons`: the paper's claims "final > each ablation" and "final > baseline"
  (and "final > its own blurry input") as paired differences over test pairs and seeds,
  with a bootstrap 95 % CI resampling whole test scenes, and the verdict.

Examples
--------
>>> from deblur_core.profiles import profile_settings
>>> train, test = synthetic_splits(profile_settings("jdrl", "smoke"))
>>> len(train), [pair.name for pair in test]
(4, ['chelsea_1_0'])
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.dead_leaves import scene_names
from ..profiles import JDRLSettings
from ..stats import comparisons_table, paired_comparison
from .data import scene_of, synthetic_pairs
from .training import JDRLConfig, JDRLResult, JDRLVariant, train_jdrl

FINAL = "final"
BASELINE = "#1 baseline"
INPUT = "blurry input"
# the baseline (#1) trained on the exact aligned sharp images that synthetic pairs carry: what a plain pixel loss
# learns when misalignment is absent, so that the baseline's failure on misaligned pairs can be told from the budget's
CONTROL = "control: #1 on aligned pairs"
# (column of evaluate_outputs, higher is better); MAE is an error
METRICS = {"PSNR": True, "SSIM": True, "MAE": False}
GROUND_TRUTHS = {"deformed GT": "deformed GT", "aligned GT": "aligned"}


def training_scenes(settings: JDRLSettings) -> list[str]:
    """The profile's training photographs, then its ``dead_leaves`` synthetic scenes (seeds 0, 1, ...)."""
    return list(settings.train_scenes) + scene_names(settings.dead_leaves)


def synthetic_splits(settings: JDRLSettings, cache_dir: str | Path | None = None):
    """Training pairs of :func:`training_scenes` and test pairs of the unseen ``test_scenes`` (disjoint seeds).

    A scene in both lists is refused: a test scene seen in training would flatter every variant alike and hide
    how the model generalises.
    """
    leaked = sorted(set(settings.train_scenes) & set(settings.test_scenes))
    if leaked:
        raise ValueError(f"scene(s) {', '.join(leaked)} are in both train_scenes and test_scenes; keep them apart")
    common = {"size": settings.size, "cache_dir": cache_dir, "max_radius": settings.max_radius}
    if settings.random_view:  # only then, so that the caches of whole-picture pairs keep their names
        common["random_view"] = True
    train = synthetic_pairs(training_scenes(settings), settings.pairs_per_scene, seed=settings.seed, **common)
    test = synthetic_pairs(settings.test_scenes, settings.test_pairs, seed=settings.seed + 1, **common)
    return train, test


def train_variants(
    train_blurry: np.ndarray,
    train_sharp: np.ndarray,
    variants: dict[str, JDRLVariant],
    configs: dict[int, JDRLConfig],
    *,
    cache_dir: str | Path | None = None,
    progress: bool = True,
) -> tuple[dict[tuple[str, int], JDRLResult], pd.DataFrame]:
    """Train (or load) every variant under every seed's config.

    Returns the results keyed by ``(variant, seed)`` and a table per run: ``seconds`` this call took,
    ``training seconds`` the run cost when it was computed (also when it is loaded from the cache now),
    ``from cache`` and ``warm-up reused`` (whether it started from a shared warm-up).
    """
    results, timing = {}, []
    for seed, config in configs.items():
        for name, variant in variants.items():
            started = time.perf_counter()
            result = train_jdrl(
                train_blurry,
                train_sharp,
                variant,
                config,
                cache_dir=cache_dir,
                progress=progress,
                description=f"{name}, seed {seed}",
            )
            results[name, seed] = result
            timing.append(
                {
                    "variant": name,
                    "seed": seed,
                    "seconds": time.perf_counter() - started,
                    # when it was computed, even if loaded now (NaN for caches older than the record)
                    "training seconds": result.history["seconds"].sum(min_count=1)
                    if "seconds" in result.history
                    else float("nan"),
                    "from cache": result.from_cache,
                    "warm-up reused": result.warmup_reused,
                }
            )
    return results, pd.DataFrame(timing)


def ablation_comparisons(per_image: pd.DataFrame, input_scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Paired claims about ``final`` from per-image scores of every variant and seed.

    ``per_image`` has columns ``variant``, ``seed``, ``image`` and the metric columns of
    :func:`~.evaluation.evaluate_outputs`; ``input_scores`` (one row per ``image``) adds
    the claim "final > blurry input". Each claim pairs ``final`` with the other on the
    same test image and seed, for every metric and ground truth present; the bootstrap
    resamples whole test scenes (:func:`~.data.scene_of`), so the pairs and seeds of one
    scene count as one unit: the interval speaks for scenes, not for crops of one picture.
    """
    final = per_image[per_image["variant"] == FINAL].set_index(["image", "seed"])
    others = [name for name in per_image["variant"].unique() if name != FINAL]
    comparisons, labels = [], []
    for gt_label, suffix in GROUND_TRUTHS.items():
        for metric, higher_is_better in METRICS.items():
            column = f"{metric} ({suffix})"
            if column not in per_image:
                continue
            opponents = {
                name: per_image[per_image["variant"] == name].set_index(["image", "seed"])[column] for name in others
            }
            if input_scores is not None:
                opponents[INPUT] = input_scores.set_index("image")[column].reindex(final.index, level="image")
            for name, scores in opponents.items():
                paired = pd.concat([final[column], scores], axis=1, keys=["final", "other"], join="inner")
                if paired.empty:
                    raise ValueError(f"no test image and seed shared by final and {name}; train both on the same seeds")
                comparisons.append(
                    paired_comparison(
                        paired["final"],
                        paired["other"],
                        claim=f"final > {name}",
                        higher_is_better=higher_is_better,
                        clusters=[scene_of(name) for name in paired.index.get_level_values("image")],
                    )
                )
                labels.append((metric, gt_label))
    table = comparisons_table(comparisons)
    table.insert(1, "metric", [metric for metric, _ in labels])
    table.insert(2, "ground truth", [gt for _, gt in labels])
    return table
