"""Held-out scenes: the selectors compared by cross-validation over sharp images (region-selection paper, Sec. 4.2).

One train/test split holds out a few sharp images, each blurred by many kernels. Its test
examples are not independent, and a verdict that holds for scenes in general needs many
held-out scenes (:data:`deblur_core.stats.MIN_UNITS_FOR_VERDICT`). Cross-validation holds out
every sharp image once:

* the training and test images of the split are pooled and cut into ``folds`` groups
  (:func:`scene_folds`, each category spread over the groups);
* for each group, the CNN and the Gabor selector are trained on the *other* images under the
  training kernel bank, with the split's validation images for validation, and every selector
  is evaluated on the group's images under the test kernel bank;
* the folds' evaluations are stacked, so each pooled image is a test scene exactly once, and
  :func:`~deblur_core.regions.evaluation.selector_claims` with ``clusters_by="image"`` gives a
  verdict over scenes.

A test image of the split keeps the blurred examples (and cached labels) it has there, and a
training image its training examples; each image is blurred by the other bank too, with its own
noise. The validation images are in no fold.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.corpus import CATEGORIES, image_category
from ..progress import progress_bar
from .dataset import split_bank
from .evaluation import evaluate_choices, score_windows, selector_choices, size_only_auc
from .labels import LabelledExample, label_windows, stack_labelled
from .selectors import GaborSelector, paper_selectors
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
    names = list(dict.fromkeys(given))
    if len(names) != len(given):
        raise ValueError("an image is listed twice; list each sharp image once")
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or not 2 <= folds <= len(names):
        raise ValueError(
            f"folds must be an integer from 2 to the number of images ({len(names)}), got {folds}; "
            "set scene_folds in the profile to None to skip the cross-validation"
        )
    ordered = sorted(names, key=lambda name: CATEGORIES.index(image_category(name)))
    return [tuple(ordered[start::folds]) for start in range(folds)]


@dataclass(frozen=True)
class SceneCrossValidation:
    """What :func:`cross_validate_selectors` measured.

    ``evaluation`` has :func:`~deblur_core.regions.evaluation.evaluate_choices`' columns plus
    ``fold``; its ``example`` numbers run across folds. ``folds`` has one row per fold: the
    held-out images, the training windows and their good share, whether the classifier came from
    the cache, and its ROC-AUC on the held-out windows with blur size alone's beside it.
    """

    evaluation: pd.DataFrame
    folds: pd.DataFrame


def _labelled(settings, images, split, label_options) -> list[LabelledExample]:
    return label_windows(
        split_bank(settings, images, split), settings["window_size"], settings["stride"], **label_options
    )


def cross_validate_selectors(
    settings: dict,
    config: ClassifierTrainingConfig,
    *,
    estimator_options: dict | None = None,
    cache_dir=None,
    scheduler=None,
    seed: int = 0,
    progress: bool = True,
) -> SceneCrossValidation:
    """Evaluate the paper's selectors with every scene held out once (see the module's docstring).

    Parameters
    ----------
    settings : a ``profile_settings('regions')`` dict; ``settings["scene_folds"]`` folds.
    config : the classifier's training settings, the same for every fold.
    estimator_options, scheduler : as for :func:`~deblur_core.regions.labels.label_windows`.
    cache_dir : folder of the labels, window scores and classifiers (``classifier/`` below it);
        ``None``: nothing cached, which at ``long`` sizes means hours.
    seed : the random selector's.
    """
    threshold = settings["similarity_threshold"]
    train_images, test_images = list(settings["train_images"]), list(settings["test_images"])
    folds = scene_folds(train_images + test_images, settings["scene_folds"])
    label_options = dict(
        estimator_options=estimator_options, cache_dir=cache_dir, scheduler=scheduler, progress=progress
    )
    # each image's examples where the split already has them come first, so their noise and cache entries are reused
    train_bank = _labelled(settings, train_images + test_images, "train", label_options)
    test_bank = _labelled(settings, test_images + train_images, "test", label_options)
    val_labels = _labelled(settings, settings["val_images"], "val", label_options)
    val_windows, val_y = stack_labelled(val_labels, threshold)
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
            [i.example.blurry for i in training], [i.windows for i in training], [i.labels(threshold) for i in training]
        )
        selectors = paper_selectors(result.model, gabor, seed)
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
                "training windows": len(train_y),
                "good share": float(train_y.mean()),
                "test examples": len(testing),
                "ROC-AUC": roc_auc(predict_scores(result.model, test_windows), test_y) if both_classes else np.nan,
                "ROC-AUC of blur size alone": size_only_auc(testing, threshold) if both_classes else np.nan,
                "from cache": result.from_cache,
            }
        )
    return SceneCrossValidation(pd.concat(evaluations, ignore_index=True), pd.DataFrame(rows))
