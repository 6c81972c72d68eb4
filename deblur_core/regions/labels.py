"""Window labels: how well the kernel estimator does on each window (region-selection paper, Sec. 3.4).

For every blurry example, every window of the grid gets a kernel estimate
(:mod:`deblur_core.kernel_estimation`, all windows of an image in one batched call)
and the Hu & Yang similarity of that estimate to the true kernel. A window is
labelled good (1) when the similarity exceeds ``lambda`` (0.75 in the paper, chosen
there for a roughly balanced 1:1 label split).

Labelling is the expensive step, so it is cached (:mod:`deblur_core.cache`): one file per
example, keyed by the estimator settings, the grid, the blurry pixels and the true kernel,
written atomically as soon as the example is done. An interrupted run resumes where it stopped; a change of
settings or of the example's pixels starts a fresh entry.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..cache import cache_key, memoise
from ..kernel_estimation import EstimatorConfig, estimate_kernels
from ..kernels import kernel_similarity
from ..progress import progress_bar
from ..tasks import run_tasks
from .dataset import BlurryExample
from .windows import Window, extract_windows, window_grid

LABEL_VERSION = 1


@dataclass(frozen=True)
class LabelledExample:
    """A blurry example with the kernel estimated from each of its windows."""

    example: BlurryExample
    windows: list[Window]
    kernels: np.ndarray  # (N, k, k), one estimate per window
    similarities: np.ndarray  # (N,), Hu & Yang similarity to the true kernel

    def labels(self, threshold: float = 0.75) -> np.ndarray:
        """1 where the window's estimate is good (similarity above ``threshold``), else 0 (the paper's labels)."""
        return (self.similarities > threshold).astype(np.int64)

    def per_image_labels(self) -> np.ndarray:
        """1 for the better half of this image's windows (similarity above the image's median), else 0.

        Every image, whatever its blur size, then has as many good windows as bad ones, so
        a classifier cannot earn its score by recognising blur size: an option beside the
        paper's absolute labels, aimed at the within-image choice.
        """
        return (self.similarities > np.median(self.similarities)).astype(np.int64)


#: window labellings: the paper's absolute threshold, or the better half of each image
LABELLINGS = ("paper", "per-image")


def stack_labelled(
    labelled: list[LabelledExample], threshold: float = 0.75, labelling: str = "paper"
) -> tuple[np.ndarray, np.ndarray]:
    """All windows ``(N, size, size)`` of the examples, in order, and their 0/1 labels ``(N,)``."""
    labels = stacked_labels(labelled, threshold, labelling)
    windows = np.concatenate([extract_windows(item.example.blurry, item.windows) for item in labelled])
    return windows, labels


def stacked_labels(labelled: list[LabelledExample], threshold: float = 0.75, labelling: str = "paper") -> np.ndarray:
    """The 0/1 labels ``(N,)`` of :func:`stack_labelled`, without extracting the windows."""
    if labelling not in LABELLINGS:
        raise ValueError(f"unknown labelling {labelling!r}; use one of {', '.join(LABELLINGS)}")
    return np.concatenate(
        [item.labels(threshold) if labelling == "paper" else item.per_image_labels() for item in labelled]
    )


def estimator_config(kernel_size: int, options: dict | None = None) -> EstimatorConfig:
    """The estimator used for labels and evaluation, with ``options`` overriding its defaults."""
    return EstimatorConfig(kernel_size, **(options or {}))


def _entry(cache_dir, stem: str, identity: dict, *arrays) -> Path | None:
    """The cache file of one image's labels (or whole-image kernel) under ``cache_dir/labels/``."""
    if cache_dir is None:
        return None
    return Path(cache_dir) / "labels" / f"{stem}_{cache_key(LABEL_VERSION, identity, *arrays)}.npz"


def _label_path(cache_dir, example: BlurryExample, window_size: int, stride: int, options: dict) -> Path | None:
    estimator = estimator_config(example.kernel.shape[0], options).to_dict()
    identity = {"window": window_size, "stride": stride, "estimator": estimator}
    return _entry(cache_dir, example.name, identity, example.blurry, example.kernel)


def _label_one(example: BlurryExample, windows: list[Window], options: dict, batch_size: int):
    size = example.kernel.shape[0]
    kernels = estimate_kernels(
        extract_windows(example.blurry, windows), estimator_config(size, options), batch_size=batch_size
    )
    similarities = np.array([kernel_similarity(example.kernel, k) for k in kernels])
    return kernels, similarities


def label_windows(
    examples: list[BlurryExample],
    window_size: int,
    stride: int,
    *,
    estimator_options: dict | None = None,
    cache_dir=None,
    progress: bool = True,
    batch_size: int = 16,
    scheduler=None,
) -> list[LabelledExample]:
    """Estimate a kernel from every window of every example and score it against the truth.

    Parameters
    ----------
    examples : blurry images with their true kernels (:mod:`.dataset`).
    window_size, stride : the window grid (:func:`.windows.window_grid`).
    estimator_options : :class:`~deblur_core.kernel_estimation.EstimatorConfig` settings
        other than the kernel size, which is each example's true kernel size.
    cache_dir : folder for the resumable cache (``None``: no cache).
    scheduler : ``None`` labels the images here, one after another; ``"local:N"`` or a Dask scheduler's
        address spreads them over a cluster (:func:`deblur_core.tasks.run_tasks`), one task per image.
    """
    if not examples:
        raise ValueError("no examples to label; check the image lists of the split")
    options = dict(estimator_options or {})
    tasks = []
    for example in examples:
        windows = window_grid(example.blurry.shape, window_size, stride)
        tasks.append((example, windows, _label_path(cache_dir, example, window_size, stride, options)))
    results = run_tasks(
        functools.partial(_label_task, options=options, batch_size=batch_size),
        tasks,
        scheduler=scheduler,
        is_done=lambda task: task[2] is not None and task[2].exists(),
        description=f"labelling windows of {len(tasks)} images",
        progress=progress,
    )
    return [
        LabelledExample(example, windows, kernels, similarities)
        for (example, windows, _), (kernels, similarities) in zip(tasks, results)
    ]


def _label_task(task, *, options: dict, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """One image's window kernels and similarities: loaded from its cache file, or estimated and saved there."""
    example, windows, path = task

    def compute():
        kernels, similarities = _label_one(example, windows, options, batch_size)
        return {"kernels": kernels, "similarities": similarities}

    saved = memoise(path, compute)
    return saved["kernels"], saved["similarities"]


def whole_image_kernels(
    examples: list[BlurryExample], *, estimator_options: dict | None = None, cache_dir=None, progress: bool = True
) -> list[np.ndarray]:
    """Kernel estimated from each whole blurry image (the paper's 'whole image' baseline), cached."""
    options = dict(estimator_options or {})
    kernels = []
    for example in progress_bar(examples, desc="whole-image kernels", enabled=progress):
        estimator = estimator_config(example.kernel.shape[0], options)
        path = _entry(cache_dir, f"whole_{example.name}", {"whole image": estimator.to_dict()}, example.blurry)
        saved = memoise(path, functools.partial(_whole_image_kernel, example.blurry, estimator))
        kernels.append(saved["kernel"])
    return kernels


def _whole_image_kernel(blurry: np.ndarray, estimator: EstimatorConfig) -> dict[str, np.ndarray]:
    return {"kernel": estimate_kernels(blurry[None], estimator)[0]}


def label_summary(labelled: list[LabelledExample], threshold: float = 0.75) -> dict:
    """Counts behind the paper's 1:1 balance: windows, positives, share of positives."""
    similarities = np.concatenate([item.similarities for item in labelled])
    positives = int((similarities > threshold).sum())
    return {
        "windows": int(similarities.size),
        "positives": positives,
        "positive share": positives / max(similarities.size, 1),
        "median similarity": float(np.median(similarities)),
    }
