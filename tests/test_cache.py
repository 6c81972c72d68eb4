import numpy as np
import pytest
import torch

from deblur_core import cache
from deblur_core.cache import cache_key, load_checkpoint, memoise, save_checkpoint
from deblur_core.ddp import process_group
from deblur_core.training_loop import train_epochs


def test_arrays_of_one_buffer_but_another_shape_or_dtype_never_share_a_key():
    flat = np.arange(12, dtype=np.float64)
    keys = {
        cache_key(1, {}, flat),
        cache_key(1, {}, flat.reshape(3, 4)),
        cache_key(1, {}, flat.reshape(4, 3)),
        cache_key(1, {}, flat.view(np.int64)),  # the very same bytes
        cache_key(1, {}, flat.astype(np.float32)),
        cache_key(1, {}, torch.from_numpy(flat)),
        cache_key(1, {}, torch.from_numpy(flat).to(torch.bfloat16)),
        cache_key(1, {}, flat[:6], flat[6:]),  # a split of the same bytes
    }
    assert len(keys) == 8


def test_key_is_stable_and_changes_with_version_identity_and_values():
    image = np.linspace(0, 1, 20).reshape(4, 5)
    key = cache_key(3, {"size": 5, "mode": "valid"}, image)
    assert key == cache_key(3, {"mode": "valid", "size": 5}, image.copy(order="F"))  # order of keys and memory
    assert len(key) == cache.KEY_LENGTH and int(key, 16) >= 0
    assert key != cache_key(4, {"size": 5, "mode": "valid"}, image)
    assert key != cache_key(3, {"size": 5, "mode": "same"}, image)
    changed = image.copy()
    changed[2, 3] += 1e-9
    assert key != cache_key(3, {"size": 5, "mode": "valid"}, changed)


def test_an_identity_that_json_cannot_write_is_an_error_not_a_repr():
    with pytest.raises(TypeError, match="JSON-serialisable"):
        cache_key(1, {"kernel": np.ones(3)})


def test_memoise_computes_once_and_recomputes_an_unreadable_entry(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"values": np.arange(4.0), "total": np.float64(6)}

    path = tmp_path / "entry.npz"
    first = memoise(path, compute)
    second = memoise(path, compute)
    assert len(calls) == 1 and np.array_equal(first["values"], second["values"]) and float(second["total"]) == 6
    assert [p.name for p in tmp_path.iterdir()] == ["entry.npz"]  # no temporary file left behind
    path.write_bytes(b"not a zip file")
    with pytest.warns(UserWarning, match="unreadable"):
        third = memoise(path, compute)
    assert len(calls) == 2 and np.array_equal(third["values"], np.arange(4.0))
    assert memoise(None, compute)["total"] == 6 and len(calls) == 3


def test_a_failed_computation_leaves_no_entry(tmp_path):
    def broken():
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        memoise(tmp_path / "entry.npz", broken)
    assert list(tmp_path.iterdir()) == []


class _Pickled:
    pass


def test_checkpoints_load_tensors_only(tmp_path):
    path = save_checkpoint(tmp_path / "run" / "checkpoint.pt", {"weights": torch.ones(2), "epoch": 3})
    assert load_checkpoint(path)["epoch"] == 3
    assert load_checkpoint(tmp_path / "absent.pt") is None
    torch.save({"object": _Pickled()}, tmp_path / "code.pt")  # would need unpickling arbitrary classes
    with pytest.warns(UserWarning, match="tensors-only checkpoint"):
        assert load_checkpoint(tmp_path / "code.pt") is None


def _counting_loop(tmp_path, epochs, trained, **options):
    weight = {"value": 0.0}

    def run_epoch(epoch):
        trained.append(epoch)
        weight["value"] += epoch
        return {"epoch": epoch, "value": weight["value"]}

    def restore(state):
        weight["value"] = state["value"]

    run = train_epochs(
        epochs,
        run_epoch,
        capture=lambda epoch: {"value": weight["value"]},
        restore=restore,
        checkpoint=tmp_path / "run" / "checkpoint.pt",
        group=process_group(),
        progress=False,
        **options,
    )
    return run, weight["value"]


def test_training_loop_resumes_continues_and_refuses_to_shorten(tmp_path):
    trained = []
    run, value = _counting_loop(tmp_path, 2, trained)
    assert trained == [1, 2] and not run.from_cache and value == 3
    run, value = _counting_loop(tmp_path, 4, trained)  # continues: the same as four epochs at once
    assert trained == [1, 2, 3, 4] and value == 10 and [r["epoch"] for r in run.history] == [1, 2, 3, 4]
    run, value = _counting_loop(tmp_path, 4, trained)
    assert run.from_cache and trained == [1, 2, 3, 4] and value == 10
    with pytest.raises(ValueError, match="has 4 epochs, more than the 3 asked for"):
        _counting_loop(tmp_path, 3, trained)


def test_training_loop_starts_from_a_shared_fallback_and_writes_copies(tmp_path):
    shared = tmp_path / "warm-up" / "checkpoint.pt"
    trained = []
    _counting_loop(tmp_path / "a", 3, trained, copies={1: shared})
    assert shared.exists() and load_checkpoint(shared)["epoch"] == 1
    trained.clear()
    run, value = _counting_loop(tmp_path / "b", 3, trained, fallback=shared)
    assert trained == [2, 3] and value == 6 and run.resumed_from == shared
    (tmp_path / "c" / "run").mkdir(parents=True)
    (tmp_path / "c" / "run" / "checkpoint.pt").write_bytes(b"truncated")
    with pytest.warns(UserWarning, match="the run starts again"):
        run, _ = _counting_loop(tmp_path / "c", 2, trained)
    assert run.resumed_from is None
