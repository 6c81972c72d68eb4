"""Weights that ship inside the package, so that the command-line tools work on a fresh clone.

Notebook 01 trains the region classifier and fits the Gabor selector, notebook 02 the
JDRL deblurring UNet; run under the ``long`` (or ``paper``) profile they also replace
their files here and record in ``manifest.json`` which profile produced them, when,
and how they scored. Nothing is
downloaded: the files are small and committed with the code.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import storage

WEIGHTS_DIR = Path(__file__).resolve().parent
MANIFEST = WEIGHTS_DIR / "manifest.json"
#: profiles whose runs may replace the shipped weights (notebook 01 under them; train-jdrl --ship for the JDRL UNet)
SHIPPING_PROFILES = ("long", "paper")
#: the manifest entry's key for a model card (data, blur range, recipe, cost, scores), which one-line
#: descriptions leave out
MODEL_CARD = "model_card"


def manifest() -> dict:
    """What each shipped file is: ``{file name: {"profile": ..., "trained": ..., ...}}``."""
    return json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}


def shipped_path(name: str) -> Path:
    """Path of the shipped weights file ``name``; a clear error when it is not shipped."""
    path = WEIGHTS_DIR / name
    if not path.is_file() or name not in manifest():
        shipped = ", ".join(sorted(manifest())) or "none"
        raise FileNotFoundError(
            f"no shipped weights named {name!r} (shipped: {shipped}); run the notebook that trains them "
            "under the long profile (01: region selectors, 02: JDRL UNet), or pass --checkpoint"
        )
    return path


def describe_shipped(name: str) -> str:
    """One line saying which shipped weights are used, e.g. for a command-line tool's output."""
    info = manifest()[name]
    details = ", ".join(
        f"{key} {value}" for key, value in info.items() if key not in ("profile", "trained", MODEL_CARD)
    )
    trained = f"trained by the {info['profile']} profile on {info['trained']}"
    return f"shipped {name} ({trained}{'; ' + details if details else ''})"


def model_card(name: str) -> dict:
    """The shipped file's model card (empty when its manifest entry has none)."""
    return manifest().get(name, {}).get(MODEL_CARD, {})


def _same_values(a, b) -> bool:
    import torch

    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_values(a[key], b[key]) for key in a)
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.dtype == b.dtype and a.shape == b.shape and bool(torch.equal(a, b))
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b)
    return type(a) is type(b) and a == b


def _contents(path: Path):
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as saved:
            return {key: saved[key] for key in saved.files}
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


def ship(source, name: str, profile: str, **facts) -> Path:
    """Copy ``source`` into the package as ``name`` (atomically) and record it in the manifest.

    Weights equal to the shipped ones (a notebook re-executed from its cache) leave the file
    and its training date as they are, so that a re-execution changes nothing in git.
    """
    target = WEIGHTS_DIR / name
    entries = manifest()
    unchanged = target.is_file() and name in entries and _same_values(_contents(Path(source)), _contents(target))
    if not unchanged:
        with storage.atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
    trained = entries[name]["trained"] if unchanged else datetime.now(timezone.utc).date().isoformat()
    entry = {"profile": profile, "trained": trained, **facts}
    if entries.get(name) != entry:
        entries[name] = entry
        storage.write_json(MANIFEST, entries)
    return target
