"""Training with several processes (deblur_core.ddp): a single process is unchanged; two processes under
torchrun train on CPU with gloo, deterministically, and rank 0's checkpoint loads in a single process."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from deblur_core.ddp import Group, epoch_order, process_group
from deblur_core.models.region_classifier import load_classifier
from deblur_core.models.unet import load_unet
from deblur_core.regions.training import ClassifierTrainingConfig, run_key, save_training_set

TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
TINY = ["--epochs", "2", "--width", "4", "--blocks", "1,1,1,1", "--batch-size", "8"]


def test_a_single_process_is_a_group_of_one_and_wraps_nothing(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    group = process_group()
    assert group == Group() and group.is_main and not group.distributed
    model = torch.nn.Linear(2, 1)
    assert group.wrap(model) is model
    assert float(group.sum(torch.tensor(3.0))) == 3.0


def test_ranks_share_each_epoch_without_overlap_and_reshuffle_per_epoch():
    ranks = [epoch_order(41, epoch=1, seed=0, group=Group(rank, 2)) for rank in (0, 1)]
    assert len(ranks[0]) == len(ranks[1]) == 20
    assert not set(ranks[0]) & set(ranks[1])
    assert not np.array_equal(epoch_order(41, epoch=2, seed=0, group=Group(0, 2)), ranks[0])
    assert np.array_equal(epoch_order(41, epoch=1, seed=0, group=Group(0, 2)), ranks[0])


def test_the_world_size_is_part_of_the_cache_key_only_beyond_one():
    windows, labels = np.zeros((4, 33, 33)), np.array([0, 1, 0, 1])
    config = ClassifierTrainingConfig(input_size=33, width=4, blocks=(1, 1, 1, 1))
    single = run_key(windows, labels, windows, labels, config)
    assert run_key(windows, labels, windows, labels, config, world_size=1) == single
    assert run_key(windows, labels, windows, labels, config, world_size=2) != single


def train_with_two_processes(data: Path, out: Path) -> str:
    env = {**os.environ, "DEBLUR_PROGRESS": "0"}
    command = [*TORCHRUN, "-m", "deblur_core", "train-region-classifier", str(data), "--out", str(out), *TINY]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_two_processes_train_deterministically_and_rank_0s_checkpoint_loads_alone(tmp_path):
    rng = np.random.default_rng(0)
    windows = rng.random((40, 33, 33))
    labels = (windows.mean(axis=(1, 2)) > 0.5).astype(int)
    save_training_set(tmp_path / "set.npz", windows, labels, windows[:10], labels[:10])
    printed = train_with_two_processes(tmp_path / "set.npz", tmp_path / "a.pt")
    assert "with 2 process(es)" in printed and printed.count("rank 0 wrote") == 1  # one report, from rank 0
    train_with_two_processes(tmp_path / "set.npz", tmp_path / "b.pt")
    first, second = load_classifier(tmp_path / "a.pt"), load_classifier(tmp_path / "b.pt")
    for (name, a), b in zip(first.state_dict().items(), second.state_dict().values()):
        assert torch.equal(a, b), f"{name} differs between two runs with the same seed"
    assert first(torch.rand(2, 1, 33, 33)).shape == (2,)


@pytest.mark.slow
def test_two_processes_train_a_jdrl_variant_deterministically_and_the_unet_loads_alone(tmp_path):
    for name in ("a", "b"):
        command = [*TORCHRUN, "-m", "deblur_core", "train-jdrl", "--profile", "smoke", "--out", str(tmp_path / name)]
        command += ["--cache-dir", str(tmp_path / f"cache-{name}")]
        done = subprocess.run(command, env={**os.environ, "DEBLUR_PROGRESS": "0"}, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stdout.count("with 2 process(es)") == 1
    # the checkpoint keeps each process's crop generator, so that a resumed run continues every one of them
    (checkpoint,) = [p for p in (tmp_path / "cache-a" / "runs").glob("*/checkpoint.pt")]
    crop_rngs = torch.load(checkpoint, map_location="cpu", weights_only=True)["crop_rngs"]
    assert len(crop_rngs) == 2 and crop_rngs[0] != crop_rngs[1]
    first, second = load_unet(tmp_path / "a"), load_unet(tmp_path / "b")
    for (name, a), b in zip(first.state_dict().items(), second.state_dict().values()):
        assert torch.equal(a, b), f"{name} differs between two runs with the same seed"
    assert first(torch.rand(1, 3, 32, 32)).shape == (1, 3, 32, 32)
