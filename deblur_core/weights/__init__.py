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

from .. import storage

WEIGHTS_DIR = Path(__file__).resolve().parent
MANIFEST = WEIGHTS_DIR / "manifest.json"
#: profiles whose notebook runs replace the shipped weights
SHIPPING_PROFILES = ("long", "paper")


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
    details = ", ".join(f"{key} {value}" for key, value in info.items() if key not in ("profile", "trained"))
    trained = f"trained by the {info['profile']} profile on {info['trained']}"
    return f"shipped {name} ({trained}{'; ' + details if details else ''})"


def ship(source, name: str, profile: str, **facts) -> Path:
    """Copy ``source`` into the package as ``name`` (atomically) and record it in the manifest."""
    target = WEIGHTS_DIR / name
    with storage.atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    entries = manifest()
    entries[name] = {"profile": profile, "trained": datetime.now(timezone.utc).date().isoformat(), **facts}
    storage.write_json(MANIFEST, entries)
    return target
