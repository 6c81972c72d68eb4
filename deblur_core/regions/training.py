"""Training the good-region classifier (region-selection paper, Sec. 3.3-3.4).

The paper trains :class:`~deblur_core.models.region_classifier.RegionClassifier`
with the binary cross entropy (Eq. 2), SGD with momentum 0.9, learning rate 0.001
and batches of 32 for 20 epochs. Here the loss is computed from the logits
(``BCEWithLogitsLoss``, the same loss without overflow) and in float32 even when
the network runs under bfloat16 autocast.

The model returned is the one after the last epoch, as in the paper (a fixed
number of epochs, no model selection). The validation AUC is recorded after every
epoch and ``best_epoch`` says where it peaked, so overfitting shows; picking that
epoch's weights would tune on the validation windows that the later comparisons use.

Runs are cached by a hash of the configuration (all of it except ``epochs``), the
resolved precision and device, the windows, the labels and any initial weights. A
checkpoint (weights, optimiser state, shuffling state, history) is saved after
every epoch, so an interrupted run resumes from its last finished epoch, a
finished run is loaded without training, and a run asked for more epochs than a
cached one continues it. Continuing gives exactly the longer run because nothing
in the training depends on the total number of epochs (the learning rate is
constant); a schedule tied to ``epochs`` would have to put it in the key.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> windows, labels = rng.random((4, 40, 40)), np.array([0, 1, 0, 1])
>>> config = ClassifierTrainingConfig(input_size=32, width=2, blocks=(1, 1, 1, 1), epochs=1,
...                                   batch_size=4, precision="float32")
>>> result = train_classifier(windows, labels, windows, labels, config, progress=False)
>>> list(result.history.columns), result.best_epoch
(['epoch', 'train_loss', 'val_loss', 'val_auc', 'val_accuracy'], 1)
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from scipy.stats import rankdata

from .. import storage
from ..cache import cache_key
from ..ddp import Group, epoch_order, process_group
from ..device import Precision, seed_everything, select_precision
from ..models.region_classifier import (
    RESNET34_BLOCKS,
    RegionClassifier,
    check_architecture,
    check_windows,
    load_state_checked,
    prepare_windows,
)
from ..training_loop import train_epochs

# part of every cache key: bump it when a change alters results for an unchanged configuration
ALGORITHM_VERSION = 1


@dataclass(frozen=True)
class ClassifierTrainingConfig:
    """Everything that determines a training run; the defaults are the paper's (Sec. 3.4).

    ``input_size``, ``width`` and ``blocks`` are :class:`RegionClassifier`'s; windows
    larger than ``input_size`` are shrunk to it (:func:`prepare_windows`).
    """

    input_size: int = 228
    width: int = 64
    blocks: tuple[int, ...] = RESNET34_BLOCKS
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    seed: int = 0
    precision: str = "auto"

    def __post_init__(self):
        _, _, blocks = check_architecture(self.input_size, self.width, self.blocks)
        object.__setattr__(self, "blocks", blocks)
        if int(self.epochs) != self.epochs or self.epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {self.epochs}")
        if int(self.batch_size) != self.batch_size or self.batch_size < 2:
            raise ValueError(
                f"batch_size must be an integer of at least 2 (BatchNorm needs two windows), got {self.batch_size}"
            )
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must lie in [0, 1), got {self.momentum}")
        if not self.weight_decay >= 0:
            raise ValueError(f"weight_decay must be non-negative, got {self.weight_decay}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def architecture(self) -> dict:
        """The :class:`RegionClassifier` arguments."""
        return {"input_size": self.input_size, "width": self.width, "blocks": self.blocks}


@dataclass
class ClassifierTrainingResult:
    """The trained model (eval mode, after the last epoch) and one history row per epoch.

    ``history`` columns: ``epoch`` (from 1), ``train_loss`` (mean over the epoch's
    batches, in training mode), ``val_loss``, ``val_auc`` and ``val_accuracy``
    (probability above 0.5 counted as 'good'), all in eval mode. ``best_epoch`` is
    the first epoch of highest validation AUC (the last epoch when the AUC is undefined).
    """

    model: RegionClassifier
    history: pd.DataFrame
    best_epoch: int
    config: ClassifierTrainingConfig
    from_cache: bool = False


def check_labels(labels, count: int, name: str = "labels") -> np.ndarray:
    """Validate one 0/1 label per window (1: good region); return them as float32."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"{name} must be one label per window (a 1-D array), got shape {labels.shape}")
    if len(labels) != count:
        raise ValueError(f"{name}: {len(labels)} labels for {count} windows; give exactly one label per window")
    if not np.isin(labels, (0, 1)).all():
        found = np.unique(labels[~np.isin(labels, (0, 1))])[:5]
        raise ValueError(f"{name} must be 0 (bad region) or 1 (good region), found {found.tolist()}")
    return labels.astype(np.float32)


def roc_auc(scores, labels) -> float:
    """Area under the ROC curve: the chance that a random good window outscores a random bad one.

    Computed with the Mann-Whitney rank formula: with ``r_i`` the ranks of all
    scores (tied scores share their average rank), ``P`` positives and ``N``
    negatives, ``AUC = (sum of r_i over positives - P (P + 1) / 2) / (P N)``, so a
    tie between a good and a bad window counts one half.

    Examples
    --------
    >>> roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    0.75
    >>> roc_auc([0.9, 0.2], [1, 0]), roc_auc([0.9, 0.2], [0, 1]), roc_auc([0.5, 0.5], [0, 1])
    (1.0, 0.0, 0.5)
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1:
        raise ValueError(f"scores must be a 1-D array, got shape {scores.shape}")
    labels = check_labels(labels, len(scores))
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores contain NaN or infinite values")
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        raise ValueError(
            f"the ROC AUC needs both classes, but all {len(labels)} labels are "
            f"{1 if positives else 0}; evaluate on a set with good and bad windows"
        )
    ranks = rankdata(scores)
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


@torch.no_grad()
def _logits(model: RegionClassifier, windows: np.ndarray, batch_size: int) -> torch.Tensor:
    """Float32 logits on the CPU, in eval mode (BatchNorm's running statistics), batch by batch."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        parts = [
            model(prepare_windows(windows[start : start + batch_size], model.input_size).to(device)).float().cpu()
            for start in range(0, len(windows), batch_size)
        ]
    finally:
        model.train(was_training)
    return torch.cat(parts)


def predict_scores(model: RegionClassifier, windows, *, batch_size: int = 64) -> np.ndarray:
    """Probability of being a good region, ``sigmoid(logit)``, for each window ``(N, S, S)`` in [0, 1].

    Runs in float32 without gradients on the model's device (where
    :func:`load_classifier` and :func:`train_classifier` put it), in eval mode; a
    model in training mode is put back in it afterwards.

    Examples
    --------
    >>> import numpy as np
    >>> model = RegionClassifier(input_size=32, width=4, blocks=(1, 1, 1, 1))
    >>> scores = predict_scores(model, np.random.default_rng(0).random((3, 64, 64)))
    >>> scores.shape, bool(((scores > 0) & (scores < 1)).all())
    ((3,), True)
    """
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    return torch.sigmoid(_logits(model, check_windows(windows), int(batch_size))).double().numpy()


def run_key(
    train_windows,
    train_labels,
    val_windows,
    val_labels,
    config: ClassifierTrainingConfig,
    initial_state: Mapping | None = None,
    world_size: int = 1,
) -> str:
    """Cache key (:func:`deblur_core.cache.cache_key`) of the configuration without ``epochs`` (so that a
    longer run continues a shorter one), the precision and device it resolves to here, the number of
    training processes (:mod:`deblur_core.ddp`), the windows, the labels (as checked by
    :func:`check_labels`) and the initial weights."""
    precision = select_precision(precision=config.precision)
    identity = {
        "resolved_precision": precision.name,
        "device": precision.device.type,
        "world_size": int(world_size),
        "initial_state": sorted(initial_state or {}),
        **config.to_dict(),
    }
    del identity["epochs"]
    arrays = [np.asarray(train_windows), check_labels(train_labels, len(train_labels))]
    arrays += [np.asarray(val_windows), check_labels(val_labels, len(val_labels))]
    arrays += [tensor for _, tensor in sorted((initial_state or {}).items())]
    return cache_key(ALGORITHM_VERSION, identity, *arrays)


def classifier_step(model, optimiser, windows: torch.Tensor, labels: torch.Tensor, precision: Precision):
    """One optimiser step on a batch of prepared windows and their 0/1 labels (BCE on the logits); the loss."""
    with precision.autocast():
        logits = model(windows)
    loss = F.binary_cross_entropy_with_logits(logits.float(), labels)
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    optimiser.step()
    return loss


def _train_epoch(
    model,
    optimiser,
    windows,
    labels,
    config: ClassifierTrainingConfig,
    precision: Precision,
    generator: torch.Generator,
    epoch: int,
    group: Group,
) -> float:
    model.train()
    if group.distributed:
        # each process its share of the epoch, in batches that add up to the configured one
        order = epoch_order(len(windows), epoch, config.seed, group)
        batch_size = max(2, config.batch_size // group.world_size)
    else:
        order = torch.randperm(len(windows), generator=generator).numpy()
        batch_size = config.batch_size
    total, seen = torch.zeros((), device=precision.device), torch.zeros((), device=precision.device)
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        if len(index) < 2:
            break  # a last batch of one window: BatchNorm cannot normalise it
        x = precision.prepare(prepare_windows(windows[index], config.input_size))
        y = torch.as_tensor(labels[index], device=precision.device)
        loss = classifier_step(model, optimiser, x, y, precision)
        total += loss.detach() * len(index)
        seen += len(index)
    return float(group.sum(total)) / float(group.sum(seen))


def _validation_scores(model, windows, labels, batch_size: int) -> dict:
    logits = _logits(model, windows, batch_size)
    targets = torch.as_tensor(labels)
    return {
        "val_loss": float(F.binary_cross_entropy_with_logits(logits, targets)),
        # ranked by logit rather than probability: same order, without ties where the sigmoid saturates
        "val_auc": roc_auc(logits.numpy(), labels) if len(np.unique(labels)) == 2 else float("nan"),
        "val_accuracy": float(((logits > 0).float() == targets).float().mean()),
    }


def train_classifier(
    train_windows,
    train_labels,
    val_windows,
    val_labels,
    config: ClassifierTrainingConfig,
    *,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    initial_state: Mapping | None = None,
) -> ClassifierTrainingResult:
    """Train (or load, resume or continue) the good-region classifier.

    Parameters
    ----------
    train_windows, val_windows : ndarray (N, S, S)
        Grey blurry windows in [0, 1], at least ``config.input_size`` px (shrunk to it).
    train_labels, val_labels : ndarray (N,)
        1 for a good region (its kernel estimate is good), 0 for a bad one; the
        validation set needs both.
    config : ClassifierTrainingConfig
    cache_dir : path, optional
        Folder for the cache; a run lives in ``cache_dir/<key>/checkpoint.pt``
        (:func:`run_key`). ``None`` disables caching and resuming.
    progress : bool
        Show a progress bar over epochs.
    initial_state : state dict, optional
        Starting weights for ``config``'s architecture (a user's own, for
        instance); by default the network starts from random weights.

    Returns
    -------
    ClassifierTrainingResult
        ``from_cache`` is true when the whole run was loaded from the cache.
    """
    train_windows = check_windows(train_windows, "training windows")
    train_labels = check_labels(train_labels, len(train_windows), "training labels")
    val_windows = check_windows(val_windows, "validation windows")
    val_labels = check_labels(val_labels, len(val_windows), "validation labels")
    if len(train_windows) < 2:
        raise ValueError("training needs at least two windows (BatchNorm normalises over a batch)")
    if len(np.unique(val_labels)) < 2:
        warnings.warn(
            "validation labels hold one class only: the validation AUC is undefined (NaN); "
            "add validation images for a meaningful curve",
            stacklevel=2,
        )
    for windows in (train_windows, val_windows):
        prepare_windows(windows[:1], config.input_size)  # too small windows fail now, not after an epoch

    group = process_group()
    precision = select_precision(precision=config.precision)
    generator = seed_everything(config.seed)
    model = precision.prepare(RegionClassifier(**config.architecture()))
    if initial_state is not None:
        load_state_checked(model, initial_state)
    trained = group.wrap(model)  # DDP under torchrun; the model itself otherwise
    optimiser = torch.optim.SGD(
        trained.parameters(), lr=config.learning_rate, momentum=config.momentum, weight_decay=config.weight_decay
    )
    checkpoint = None
    if cache_dir is not None:
        key = run_key(train_windows, train_labels, val_windows, val_labels, config, initial_state, group.world_size)
        checkpoint = Path(cache_dir) / key / "checkpoint.pt"

    def run_epoch(epoch: int) -> dict:
        train_loss = _train_epoch(
            trained, optimiser, train_windows, train_labels, config, precision, generator, epoch, group
        )
        return {
            "epoch": epoch,
            "train_loss": train_loss,
            **_validation_scores(model, val_windows, val_labels, config.batch_size),
        }

    def capture(epoch: int) -> dict:
        return {"model": model.state_dict(), "optimiser": optimiser.state_dict(), "generator": generator.get_state()}

    def restore(state: dict) -> None:
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        generator.set_state(state["generator"])

    run = train_epochs(
        config.epochs,
        run_epoch,
        capture=capture,
        restore=restore,
        checkpoint=checkpoint,
        group=group,
        progress=progress,
        description="region classifier",
        postfix=lambda record: {"train_loss": f"{record['train_loss']:.4f}", "val_auc": f"{record['val_auc']:.3f}"},
    )
    history, from_cache = run.history, run.from_cache

    frame = pd.DataFrame(history)
    # with a one-class validation set there is no AUC to peak: the last epoch stands in
    best_epoch = int(
        frame.loc[frame["val_auc"].idxmax(), "epoch"] if frame["val_auc"].notna().any() else frame["epoch"].iloc[-1]
    )
    return ClassifierTrainingResult(model.eval(), frame, best_epoch, config, from_cache)


TRAINING_SET_KEYS = ("train_windows", "train_labels", "val_windows", "val_labels")


def save_training_set(path, train_windows, train_labels, val_windows, val_labels) -> Path:
    """Write labelled windows (float32, compressed) for ``train-region-classifier``, e.g. under ``torchrun``."""
    return storage.save_npz(
        path,
        train_windows=np.asarray(train_windows, dtype=np.float32),
        train_labels=np.asarray(train_labels, dtype=np.int64),
        val_windows=np.asarray(val_windows, dtype=np.float32),
        val_labels=np.asarray(val_labels, dtype=np.int64),
    )


def load_training_set(path) -> dict[str, np.ndarray]:
    """The arrays :func:`save_training_set` wrote; a missing file or array is a one-line error."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such training set; notebook 01 writes one to runs/<profile>/")
    with np.load(path) as saved:
        missing = [key for key in TRAINING_SET_KEYS if key not in saved.files]
        if missing:
            raise ValueError(f"{path.name} lacks {', '.join(missing)}: write it with save_training_set")
        return {key: saved[key] for key in TRAINING_SET_KEYS}
