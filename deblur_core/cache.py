"""The one cache of the companion: keys, memoised arrays and checkpoints.

Everything the notebooks compute once and reuse — labelled windows, scored windows,
generated benchmarks and pairs, SelfDeblur runs, trained networks — is stored under a
folder whose name holds :func:`cache_key`. The key hashes three things:

- the *version* of the algorithm that produced the artefact (bump it when a change
  alters results for unchanged inputs, and every old entry is ignored);
- the *identity*: every setting that changes the result, as a JSON-serialisable mapping;
- the *arrays* the result is computed from, each hashed with its dtype and shape, so that
  two arrays with the same bytes but a different shape or dtype never share a key.

Writes are atomic (:mod:`deblur_core.storage`): an interrupted run leaves the previous
entry or none, never half of one. Checkpoints are loaded with ``weights_only=True``, so
that a cache on a shared file system cannot run code when it is read.

Examples
--------
>>> import numpy as np
>>> cache_key(1, {"size": 3}, np.zeros(4)) == cache_key(1, {"size": 3}, np.zeros((2, 2)))
False
>>> cache_key(1, {"size": 3}, np.zeros(4)) == cache_key(1, {"size": 3}, np.zeros(4, dtype=np.float32))
False
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from . import storage

KEY_LENGTH = 16


def _update_with_array(digest, array) -> None:
    if hasattr(array, "detach"):  # a torch tensor, bfloat16 included (numpy has no such dtype)
        import torch

        flat = array.detach().cpu().contiguous().reshape(-1)
        header, data = f"{flat.dtype}{tuple(array.shape)}", flat.view(torch.uint8).numpy()
    else:
        data = np.ascontiguousarray(array)
        header = f"{data.dtype.str}{data.shape}"
    digest.update(header.encode())
    # the buffer itself, not tobytes(): no copy of what may be gigabytes of windows
    digest.update(memoryview(data).cast("B") if data.size else b"")


def cache_key(version: int, identity: Mapping, *arrays) -> str:
    """Hex digest naming a cache entry: the algorithm ``version``, the ``identity`` and the ``arrays``.

    Parameters
    ----------
    version : int
        The producing algorithm's version.
    identity : mapping
        Every setting the result depends on; it must be JSON-serialisable (a tuple is
        hashed as a list), so that a new field can never be hashed by its ``repr``.
    *arrays : ndarray or torch.Tensor
        The inputs, each hashed with its dtype and shape, as the algorithm consumes them.

    Returns
    -------
    str
        :data:`KEY_LENGTH` lowercase hexadecimal digits.
    """
    try:
        header = json.dumps({"version": int(version), "identity": identity}, sort_keys=True)
    except TypeError as error:
        raise TypeError(f"a cache identity must be JSON-serialisable: {error}") from None
    digest = hashlib.sha256(header.encode())
    for array in arrays:
        _update_with_array(digest, array)
    return digest.hexdigest()[:KEY_LENGTH]


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def load_arrays(path: str | os.PathLike) -> dict[str, np.ndarray] | None:
    """The arrays of a cached ``.npz``, or ``None`` when it is absent or unreadable (with a warning)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as saved:
            return {name: saved[name] for name in saved.files}
    except Exception as error:  # noqa: BLE001 - whatever breaks a cache entry, it is recomputed
        warnings.warn(f"{path} is unreadable ({_first_line(error)}); it is computed again", stacklevel=3)
        return None


def memoise(path: str | os.PathLike | None, compute: Callable[[], Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The arrays cached at ``path``, or ``compute()``'s, saved there atomically first.

    Parameters
    ----------
    path : path or None
        The entry's ``.npz`` file, named by :func:`cache_key`; ``None`` computes without caching.
    compute : callable
        Returns the named arrays of the result (no object arrays: they would need pickle).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> entry = pathlib.Path(tempfile.mkdtemp()) / f"{cache_key(1, {'n': 3})}.npz"
    >>> memoise(entry, lambda: {"ramp": np.arange(3)})["ramp"]
    array([0, 1, 2])
    >>> memoise(entry, lambda: 1 / 0)["ramp"]  # cached: compute is not called again
    array([0, 1, 2])
    """
    if path is None:
        return {name: np.asarray(value) for name, value in compute().items()}
    cached = load_arrays(path)
    if cached is not None:
        return cached
    arrays = {name: np.asarray(value) for name, value in compute().items()}
    storage.save_npz(path, **arrays)
    return arrays


def load_checkpoint(path: str | os.PathLike, map_location="cpu") -> dict | None:
    """A checkpoint written by :func:`save_checkpoint`, or ``None`` when it is absent or unreadable.

    It is loaded with ``weights_only=True``: tensors, numbers, strings and containers of
    them, never code. A file that does not load so (truncated, or pickled objects) is
    reported and ignored, and the run starts again.
    """
    import torch

    path = Path(path)
    if not path.exists():
        return None
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # noqa: BLE001 - a truncated file raises anything from IndexError to RuntimeError
        warnings.warn(
            f"{path} is not a tensors-only checkpoint ({_first_line(error)}); the run starts again", stacklevel=3
        )
        return None


def save_checkpoint(path: str | os.PathLike, state: Mapping) -> Path:
    """Write ``state`` (tensors, numbers, strings, containers of them) atomically."""
    return storage.save_torch(path, dict(state))
