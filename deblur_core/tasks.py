"""Independent runs, one after another here or spread over a Dask cluster (scale-out for ``paper``).

The SelfDeblur sweep (case × variant × seed) and the window labelling (one task per blurry image) are
lists of independent tasks. :func:`run_tasks` executes such a list and returns the results in task order:

* ``scheduler=None`` (the default): in this process, one task after another. Dask is not needed.
* ``scheduler="local:N"``: a :class:`distributed.LocalCluster` of N worker processes on this machine,
  started for the call and closed after it; each worker gets ``cores // N`` threads.
* any other string: the address of a running scheduler (``"tcp://10.0.0.5:8786"``), for example one started
  by ``dask-jobqueue`` on SLURM or PBS, or by ``dask worker`` once per GPU;
  or a :class:`distributed.Client` already connected.

The run caches are the result store. A task whose result is cached (``is_done``) is not submitted but
loaded here; a worker writes its result into the cache atomically before it returns, so a worker that dies
loses only the task it was running, which the scheduler gives to another worker, where it resumes from its
last checkpoint. On a cluster the cache folder must be on a file system every worker sees.

Examples
--------
>>> run_tasks(abs, [-2, 3, -5], progress=False)
[2, 3, 5]
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from collections.abc import Callable, Sequence

from .progress import progress_bar

LOCAL_PREFIX = "local:"


def _threads_for(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // workers)


# glibc's mallopt parameters, and the thresholds glibc itself grows to by default on 64-bit systems
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD_BYTES = 32 * 2**20
_TRIM_THRESHOLD_BYTES = 2 * _MMAP_THRESHOLD_BYTES


def keep_freed_memory() -> bool:
    """Undo, in this process, the malloc trimming Dask sets for its workers; True where it applied (glibc).

    Dask starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``: glibc then hands freed memory back to the system at
    once and stops adapting its thresholds, and torch's many short-lived tensors cost page faults. A labelling task
    ran about six times slower on such a worker than here (29.8 s against 4.9 s for 4 images,
    ``benchmarks/dask_sweep.py``'s machine). Setting the thresholds to glibc's own 64-bit maxima restores the speed
    on any worker, however the cluster was started.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, say): Dask's setting does not apply either
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES)
    )


def _on_worker(function: Callable, threads: int | None, task):
    """Run ``function(task)`` on a worker: glibc's thresholds restored, torch's thread count set if given."""
    keep_freed_memory()
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    return function(task)


def local_cluster(workers: int):
    """A :class:`distributed.LocalCluster` of ``workers`` single-threaded processes on this machine."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    )


def _connect(scheduler):
    """A Dask client for ``scheduler`` and a function that closes what this call opened."""
    try:
        from distributed import Client
    except ImportError as error:  # pragma: no cover - distributed is a dependency of the project
        raise ImportError("a Dask scheduler needs the 'distributed' package: pip install distributed") from error
    if isinstance(scheduler, Client):
        return scheduler, lambda: None, None
    if not isinstance(scheduler, str) or not scheduler:
        raise ValueError(f"scheduler must be None, 'local:N', an address or a distributed.Client; got {scheduler!r}")
    if scheduler.startswith(LOCAL_PREFIX):
        count = scheduler.removeprefix(LOCAL_PREFIX)
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"'{scheduler}': write local:N with N a positive number of workers, e.g. local:2")
        workers = int(count)
        cluster = local_cluster(workers)
        client = Client(cluster)

        def close():
            client.close()
            cluster.close()

        return client, close, _threads_for(workers)
    client = Client(scheduler)
    return client, client.close, None


def run_tasks(
    function: Callable,
    tasks: Sequence,
    *,
    scheduler=None,
    is_done: Callable | None = None,
    description: str = "tasks",
    progress: bool = True,
    retries: int = 2,
    threads: int | None = None,
) -> list:
    """``[function(task) for task in tasks]``, here or on a Dask cluster (see the module documentation).

    Parameters
    ----------
    function : a picklable callable of one argument (a module-level function or a ``functools.partial`` of one).
    tasks : the arguments, one per independent run.
    scheduler : ``None`` (here, serially), ``"local:N"``, a scheduler address, or a ``distributed.Client``.
    is_done : ``is_done(task)`` is True when the task's result is cached; such tasks run here (they only load).
    retries : how many times a task that raised is tried again on a cluster (a dead worker's task is
        rescheduled by Dask without counting against this).
    threads : torch threads per task on the workers; default: this machine's cores shared among local
        workers, left to the workers' own setting on a remote cluster.
    """
    tasks = list(tasks)
    bar = progress_bar(total=len(tasks), desc=description, enabled=progress)
    results: list = [None] * len(tasks)
    if scheduler is None:
        for index, task in enumerate(tasks):
            results[index] = function(task)
            bar.update(1)
        bar.close()
        return results

    pending = [i for i, task in enumerate(tasks) if is_done is None or not is_done(task)]
    for index in sorted(set(range(len(tasks))) - set(pending)):
        results[index] = function(tasks[index])
        bar.update(1)
    if pending:
        from distributed import as_completed

        client, close, local_threads = _connect(scheduler)
        call = functools.partial(_on_worker, function, threads if threads is not None else local_threads)
        try:
            futures = {client.submit(call, tasks[i], pure=False, retries=retries): i for i in pending}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update(1)
        finally:
            close()
    bar.close()
    return results
