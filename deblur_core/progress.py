"""Progress bars that show in JupyterLab and terminals but stay out of CI logs.

Set ``DEBLUR_PROGRESS=0`` to silence them; they are off when ``CI`` is set.
"""
from __future__ import annotations

import os

from tqdm.auto import tqdm


def progress_enabled() -> bool:
    return os.environ.get("DEBLUR_PROGRESS", "1") != "0" and not os.environ.get("CI")


def progress_bar(iterable=None, *, total=None, desc: str | None = None, enabled: bool = True, **kwargs):
    """``tqdm.auto`` bar, disabled in CI, refreshed at most once a second."""
    return tqdm(iterable, total=total, desc=desc, disable=not (enabled and progress_enabled()),
                mininterval=1.0, dynamic_ncols=True, **kwargs)
