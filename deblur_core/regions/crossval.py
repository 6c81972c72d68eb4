"""Held-out scenes: the selectors compared by cross-validation over sharp images (region-selection paper, Sec. 4.2).

One train/test split holds out a few sharp images, each blurred by many kernels. Its test
examples are not independent, and a verdict that holds for scenes in general needs many
held-out scenes (:data:`deblur_core.stats.MIN_UNITS_FOR_VERDICT`). Cross-validation holds out
every sharp image once:

* the training and test images of the split are pooled and cut into ``folds`` groups
  (:func:`scene_folds`, each category spread over the groups);
* for each group, the CNN and the Gabor selector are trained on the *other* images under the
  training kernel bank, with the split's validation images for validation (and, where the profile
  ``compare_labellings``, the same CNN on per-image labels, with the same folds and budget), and every
  selector is evaluated on the group's images under the test kernel bank;
* the folds' evaluations are stacked, so each pooled image is a test scene exactly once, and
  :func:`~deblur_core.regions.evaluation.selector_claims` with ``clusters_by="image"`` gives a
  verdict over scenes.

A test image of the split keeps the blurred examples (and cached labels) it has there, and a
training image its training examples; each image is blurred by the other bank too, with its own
noise. The validation images and the dead-leaves training scenes are in no fold: every fold trains on
the latter.

The scenes of one fold are scored by one trained classifier, so resampling scenes does not resample
the training itself: the intervals speak for these folds' models on this corpus's scenes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.corpus import CATEGORIES, image_category
from ..profiles import RegionSettings
from ..progress import progress_bar
from .dataset import BlurryExample, check_split_by_image, split_bank, training_images
from .evaluation import evaluate_choices, score_windows, selector_choices, size_only_auc
from .labels import LabelledExample, label_windows, stack_labelled, stacked_labels
from .selectors import GaborSelector, compared_selectors
from .training import ClassifierTrainingConfig, predict_scores, roc_auc, train_classifier


def scene_folds(image_names, folds: int) -> list[tuple[str, ...]]:
    """Cut sharp images into ``folds`` groups, dealing each category's images over the groups in turn.

    Deterministic: the images are taken category by category (in
    :data:`~deblur_core.data.corpus.CATEGORIES` order, then in the given order) and dealt
    round-robin, so every group gets a mix of categories and the group sizes differ by at most one.

    Examples
    --------
    >>> scene_folds(["grass", "camera", "text", "brick", "chelsea"], 2)
    [('grass', 'camera', 'text'), ('chelsea', 'brick')]
    """
    given = list(image_names)
    repeated = sorted({name for name in given if given.count(name) > 1})
    if repeated:
        raise ValueError(
            f"image(s) {', '.join(repeated)} listed twice (in both train_images and test_images?); list each once"
        )
    if folds is None:
        raise ValueError("this profile has no scene_folds; set it to an integer from 2 to the number of images")
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or not 2 <= folds <= len(given):
        raise ValueError(f"scene_folds must be an integer from 2 to the number of images ({len(given)}), got {folds}")
    ordered = sorted(given, key=lambda name: CATEGORIES.index(image_category(name)))
    return [tuple(ordered[start::folds]) for start in range(folds)]


@dataclass(frozen=True)
class SceneCrossValidation:
    """What :func:`cross_validate_selectors` measured.

    ``evaluation`` has :func:`~deblur_core.regions.evaluation.evaluate_choices`' columns plus
    ``fold``; its ``example`` numbers run across folds. ``folds`` has one row per fold: the
    held-out images, the training images, the training windows and their good share, whether the
    classifier came from the cache, and its ROC-AUC on the held-out windows with blur size alone's beside it.
    """

    evaluation: pd.DataFrame
    folds: pd.DataFrame


def pooled_banks(settings: RegionSettings) -> tuple[list[BlurryExample], list[BlurryExample]]:
    """Every training and test image of ``profile_settings('regions')`` blurred by the training
    kernel bank, and every photograph among them blurred by the test bank (dead-leaves scenes only train).

    The split's own examples come first in each list and are the ones :func:`.dataset.split_examples`
    makes (same kernels, same noise), so their cached labels and window scores are reused.
    """
    check_split_by_image(settings)
    photographs, test_images = list(settings.train_images), list(settings.test_images)
    return split_bank(settings, training_images(settings) + test_images, "train"), split_bank(
        settings, test_images + photographs, "test"
    )


def _labelled_bank(examples, settings, label_options) -> list[LabelledExample]:
    """The examples with every window's kernel estimate, on the profile's window grid (cached)."""
    return label_windows(examples, settings.window_size, settings.stride, **label_options)


def cross_validate_selectors(
    settings: RegionSettings,
    config: ClassifierTrainingConfig,
    *,
    estimator_options: dict | None = None,
    cache_dir=None,
    scheduler=None,
    seed: int = 0,
    progress: bool = True,
) -> SceneCrossValidation:
    """Evaluate the compared selectors (:func:`~.selectors.compared_selectors`) with every scene held out once (see
    the module's docstring).

    Parameters
    ----------
    settings : ``profile_settings('regions')``; ``settings.scene_folds`` folds.
    config : the classifier's training settings, the same for every fold.
    estimator_options, scheduler : as for :func:`~deblur_core.regions.labels.label_windows`.
    cache_dir : folder of the labels, window scores and classifiers (``classifier/`` below it);
        ``None``: nothing cached, which at ``long`` sizes means hours.
    seed : the random selector's.
    """
    threshold = settings.similarity_threshold
    folds = scene_folds(list(settings.train_images) + list(settings.test_images), settings.scene_folds)
    train_examples, test_examples = pooled_banks(settings)
    label_options = dict(
        estimator_options=estimator_options, cache_dir=cache_dir, scheduler=scheduler, progress=progress
    )
    val_labels = _labelled_bank(split_bank(settings, settings.val_images, "val"), settings, label_options)
    val_windows, val_y = stack_labelled(val_labels, threshold)
    train_bank = _labelled_bank(train_examples, settings, label_options)
    test_bank = _labelled_bank(test_examples, settings, label_options)
    classifier_cache = None if cache_dir is None else Path(cache_dir) / "classifier"

    evaluations, rows, offset = [], [], 0
    for fold, held_out in enumerate(progress_bar(folds, desc="scene folds", enabled=progress)):
        training = [item for item in train_bank if item.example.image_name not in held_out]
        testing = [item for item in test_bank if item.example.image_name in held_out]
        train_windows, train_y = stack_labelled(training, threshold)
        result = train_classifier(
            train_windows, train_y, val_windows, val_y, config, cache_dir=classifier_cache, progress=False
        )
        gabor = GaborSelector().fit(
            [item.example.blurry for item in training],
            [item.windows for item in training],
            [item.labels(threshold) for item in training],
        )
        per_image = None
        if settings.compare_labellings:
            per_image = train_classifier(
                train_windows,
                stacked_labels(training, labelling="per-image"),
                val_windows,
                stacked_labels(val_labels, labelling="per-image"),
                config,
                cache_dir=classifier_cache,
                progress=False,
            )
        selectors = compared_selectors(result.model, gabor, seed, None if per_image is None else per_image.model)
        window_scores = score_windows(testing, cache_dir=cache_dir, progress=False)
        evaluation = evaluate_choices(testing, selector_choices(testing, selectors), window_scores)
        evaluation["example"] += offset
        evaluations.append(evaluation.assign(fold=fold + 1))
        offset += len(testing)
        test_windows, test_y = stack_labelled(testing, threshold)
        both_classes = 0 < test_y.sum() < len(test_y)
        rows.append(
            {
                "fold": fold + 1,
                "held-out images": ", ".join(held_out),
                "training images": ", ".join(dict.fromkeys(item.example.image_name for item in training)),
                "training windows": len(train_y),
                "good share": float(train_y.mean()),
                "test examples": len(testing),
                "ROC-AUC": roc_auc(predict_scores(result.model, test_windows), test_y) if both_classes else np.nan,
                "ROC-AUC of blur size alone": size_only_auc(testing, threshold) if both_classes else np.nan,
                "from cache": result.from_cache and (per_image is None or per_image.from_cache),
            }
        )
    return SceneCrossValidation(pd.concat(evaluations, ignore_index=True), pd.DataFrame(rows))
