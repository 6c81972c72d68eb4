"""Training with several processes (``torchrun --nproc_per_node N``): DistributedDataParallel, gloo or NCCL.

A single process stays the default and behaves exactly as before: :func:`process_group` returns a group of one,
no process group is initialised and nothing is wrapped. Under ``torchrun`` (which sets ``WORLD_SIZE``, ``RANK``
and ``LOCAL_RANK``), it joins the group: NCCL with one GPU per process where CUDA is available (the process's
default device becomes ``cuda:LOCAL_RANK``, so the project's one device choice keeps working), gloo on CPUs.

Each rank trains on its own share of every epoch's shuffled order (:func:`epoch_order`, a
:class:`~torch.utils.data.DistributedSampler` seeded by the run), gradients are averaged by DDP, and only rank 0
writes checkpoints (:attr:`Group.is_main`). The same seed and world size give the same result; a different world
size is a different run (it is part of the cache key).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Group:
    """This process's place among the training processes."""

    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that writes checkpoints and prints."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """``model`` in DistributedDataParallel when there are several processes, else unchanged."""
        if not self.distributed:
            return model
        device = next(model.parameters()).device
        devices = [device.index] if device.type == "cuda" else None
        return torch.nn.parallel.DistributedDataParallel(model, device_ids=devices)

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def sum(self, value: torch.Tensor) -> torch.Tensor:
        """``value`` summed over every process (unchanged in a single process)."""
        if self.distributed:
            value = value.clone()
            dist.all_reduce(value, op=dist.ReduceOp.SUM)
        return value

    def mean(self, values: dict[str, float]) -> dict[str, float]:
        """Each value averaged over the processes (unchanged in a single process)."""
        if not self.distributed:
            return values
        names = sorted(values)
        stacked = self.sum(torch.tensor([float(values[n]) for n in names], dtype=torch.float64))
        return {name: float(total) / self.world_size for name, total in zip(names, stacked)}

    def gather(self, value) -> list:
        """Every process's ``value`` (any picklable object), in rank order."""
        if not self.distributed:
            return [value]
        gathered = [None] * self.world_size
        dist.all_gather_object(gathered, value)
        return gathered


def process_group() -> Group:
    """The group this process trains in: of one, or the ``torchrun`` group (joined on first call)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Group()
    if not dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")
    return Group(dist.get_rank(), dist.get_world_size())


def epoch_order(count: int, epoch: int, seed: int, group: Group) -> np.ndarray:
    """This rank's shuffled indices of ``count`` samples for ``epoch`` (every rank gets the same number)."""
    sampler = torch.utils.data.DistributedSampler(
        range(count), num_replicas=group.world_size, rank=group.rank, shuffle=True, seed=seed, drop_last=True
    )
    sampler.set_epoch(epoch)
    return np.fromiter(iter(sampler), dtype=np.int64)


def finish() -> None:
    """Leave the process group (the end of a ``torchrun`` job); nothing to do in a single process."""
    if dist.is_initialized():
        dist.destroy_process_group()
