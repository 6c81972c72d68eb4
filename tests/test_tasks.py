"""Independent runs on Dask (deblur_core.tasks): same results as serial, cached runs not resubmitted,
a killed worker's task retried without loss or duplicate."""

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import ndimage

from deblur_core.data.levin import BlurCase
from deblur_core.kernels import random_motion_kernel
from deblur_core.profiles import profile_settings
from deblur_core.regions.dataset import make_examples
from deblur_core.regions.labels import label_windows
from deblur_core.selfdeblur.experiment import (
    VARIANTS,
    run_sweep,
)
from deblur_core.tasks import keep_freed_memory, run_tasks

TWO_WORKERS = "local:2"


def test_serial_runs_keep_the_task_order():
    assert run_tasks(str.upper, ["a", "b", "c"], progress=False) == ["A", "B", "C"]


@pytest.mark.parametrize("scheduler", ["local:0", "local:two", "", 3])
def test_a_bad_scheduler_is_a_one_line_error(scheduler):
    with pytest.raises(ValueError, match="scheduler|local:N"):
        run_tasks(abs, [-1], scheduler=scheduler, progress=False)


def test_cached_tasks_are_not_submitted():
    # every task is done: nothing reaches a cluster, so not even a bad address is contacted
    assert run_tasks(abs, [-1, -2], scheduler="tcp://192.0.2.1:1", is_done=lambda t: True, progress=False) == [1, 2]


def tiny_cases():
    rng = np.random.default_rng(0)
    sharp = ndimage.gaussian_filter(rng.random((47, 47)), 1.5)
    sharp = (sharp - sharp.min()) / np.ptp(sharp)
    cases = []
    for kernel_id in (1, 2):
        kernel = random_motion_kernel(7, seed=kernel_id)
        blurry = np.clip(ndimage.convolve(sharp, kernel, mode="reflect"), 0, 1)
        cases.append(BlurCase(1, kernel_id, blurry, sharp, kernel, 7))
    return cases


@pytest.fixture
def one_torch_thread():
    """Serial runs with the thread count of a local worker: float sums in convolutions depend on it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.slow
def test_a_sweep_on_two_workers_gives_the_serial_tables(tmp_path, one_torch_thread):
    settings = profile_settings("selfdeblur", "smoke", iterations=6, channels=8)
    variants = {name: VARIANTS[name] for name in ("SelfDeblur-J", "SelfDeblur-A")}
    common = dict(seeds=(0, 1), variants=variants, progress=False)
    serial = run_sweep(tiny_cases(), settings, cache_dir=tmp_path / "serial", **common)
    spread = run_sweep(tiny_cases(), settings, cache_dir=tmp_path / "dask", scheduler=TWO_WORKERS, **common)
    measured = [c for c in serial.scores.columns if c not in ("seconds", "cached")]
    pd.testing.assert_frame_equal(serial.scores[measured], spread.scores[measured])
    for key, run in serial.runs.items():
        assert np.array_equal(run.latent, spread.runs[key].latent) and np.array_equal(
            run.kernel, spread.runs[key].kernel
        )
    finished = sorted(p.parent.name for p in (tmp_path / "dask").rglob("result.npz"))
    assert len(finished) == len(set(finished)) == 8  # 2 variants x 2 cases x 2 seeds, each run once


@pytest.mark.slow
def test_labelling_on_two_workers_matches_serial(tmp_path, one_torch_thread):
    examples = make_examples(["text", "coins"], "train", image_size=61, kernel_sizes=(5, 7), kernel_count=1)
    options = {"iterations_per_scale": 2}
    serial = label_windows(examples, 33, 14, estimator_options=options, cache_dir=tmp_path / "a", progress=False)
    spread = label_windows(
        examples, 33, 14, estimator_options=options, cache_dir=tmp_path / "b", progress=False, scheduler=TWO_WORKERS
    )
    for a, b in zip(serial, spread):
        assert np.array_equal(a.similarities, b.similarities) and np.array_equal(a.kernels, b.kernels)


def die_once_then_square(task):
    """Kill this worker process the first time a task is seen; on the retry, write the result atomically."""
    value, folder = task
    folder = Path(folder)
    attempt = folder / f"attempt-{value}"
    if not attempt.exists():
        attempt.touch()
        os._exit(1)  # the worker dies in the middle of its task, as on a pre-empted cluster node
    result = folder / f"result-{value}.txt"
    with open(folder / f".result-{value}.tmp", "w") as handle:
        handle.write(str(value * value))
    os.replace(folder / f".result-{value}.tmp", result)
    return value * value


@pytest.mark.slow
def test_a_killed_workers_task_is_retried_and_nothing_is_lost_or_duplicated(tmp_path):
    tasks = [(value, str(tmp_path)) for value in range(4)]
    assert run_tasks(die_once_then_square, tasks, scheduler=TWO_WORKERS, progress=False) == [0, 1, 4, 9]
    assert sorted(p.name for p in tmp_path.glob("result-*")) == [f"result-{v}.txt" for v in range(4)]
    assert not list(tmp_path.glob(".result-*"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_tasks_undo_dasks_malloc_trimming_on_glibc():
    assert keep_freed_memory() is True
