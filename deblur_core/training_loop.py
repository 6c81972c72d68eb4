"""The resumable epoch loop both trainers run (the region classifier and JDRL's UNet).

A run's checkpoint (:mod:`deblur_core.cache`) holds the epoch reached, the per-epoch
history and whatever the trainer captures (weights, optimiser, random generators). A run
asked for more epochs than its checkpoint holds continues it; one asked for exactly as
many is loaded without training (``from_cache``); one asked for fewer is an error, since
the shorter run's weights are gone. Under ``torchrun`` only the main process writes, and
every process waits for the checkpoint before the next epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import cache
from .ddp import Group, process_group
from .progress import progress_bar


@dataclass
class EpochRun:
    """What :func:`train_epochs` did: the history (one record per epoch) and where it started."""

    history: list[dict]
    from_cache: bool
    resumed_from: Path | None


def _start(checkpoint: Path | None, fallback: Path | None, epochs: int) -> tuple[dict | None, Path | None]:
    for path in (checkpoint, fallback):
        if path is None:
            continue
        state = cache.load_checkpoint(path)
        if state is None:
            continue
        if state["epoch"] > epochs:
            raise ValueError(
                f"the cached run in {path.parent} has {state['epoch']} epochs, more than the {epochs} asked for; "
                f"ask for at least {state['epoch']} or use another cache_dir"
            )
        return state, path
    return None, None


def train_epochs(
    epochs: int,
    run_epoch: Callable[[int], dict],
    *,
    capture: Callable[[int], Mapping],
    restore: Callable[[dict], None],
    checkpoint: Path | None = None,
    fallback: Path | None = None,
    copies: Mapping[int, Path] | None = None,
    group: Group | None = None,
    progress: bool = True,
    description: str = "training",
    postfix: Callable[[dict], Mapping] = lambda record: {},
) -> EpochRun:
    """Train epochs ``1 … epochs``, resuming from ``checkpoint`` (or ``fallback``) and saving after each.

    Parameters
    ----------
    epochs : int
        The epoch to train up to.
    run_epoch : callable
        ``run_epoch(epoch)`` trains one epoch and returns its history record.
    capture, restore : callable
        ``capture(epoch)`` returns the trainer's state after that epoch; ``restore(state)``
        puts a loaded one back (its ``"epoch"`` says how far it got).
    checkpoint : path, optional
        The run's checkpoint, rewritten after every epoch; ``None`` trains without saving.
    fallback : path, optional
        A checkpoint to start from when the run has none, e.g. a warm-up shared by several runs.
    copies : mapping of int to path, optional
        Extra copies of the checkpoint written after the given epochs, if absent.
    group : Group, optional
        The processes training together (:func:`deblur_core.ddp.process_group` by default).
    postfix : callable
        The figures of a record shown beside the progress bar.
    """
    group = process_group() if group is None else group
    state, resumed_from = _start(checkpoint, fallback, epochs)
    history: list[dict] = []
    if state is not None:
        restore(state)
        history = list(state["history"])
    from_cache = len(history) == epochs
    bar = progress_bar(total=epochs, initial=len(history), desc=description, enabled=progress and group.is_main)
    for epoch in range(len(history) + 1, epochs + 1):
        record = run_epoch(epoch)
        history.append(record)
        if checkpoint is not None and group.is_main:
            state = {**capture(epoch), "epoch": epoch, "history": history}
            cache.save_checkpoint(checkpoint, state)
            copy = (copies or {}).get(epoch)
            if copy is not None and not copy.exists():
                cache.save_checkpoint(copy, state)
        group.barrier()  # no process starts an epoch that a crash could leave without its checkpoint
        bar.set_postfix(**postfix(record))
        bar.update(1)
    bar.close()
    return EpochRun(history, from_cache, resumed_from)
