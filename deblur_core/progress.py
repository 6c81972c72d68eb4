"""Progress bars that show in JupyterLab and terminals but stay out of CI logs.

Set ``DEBLUR_PROGRESS=0`` to silence them; they are off when ``CI`` is set.
``DEBLUR_PROGRESS=text`` draws plain-text bars on stderr, refreshed every 30 s:
``make reproduce`` sets it so that a notebook's slow cells report to the terminal.
"""

from __future__ import annotations

import os
import sys

from tqdm import tqdm as text_tqdm
from tqdm.auto import tqdm

TEXT_REFRESH_SECONDS = 30.0


def progress_enabled() -> bool:
    return os.environ.get("DEBLUR_PROGRESS", "1") != "0" and not os.environ.get("CI")


def progress_bar(iterable=None, *, total=None, desc: str | None = None, enabled: bool = True, **kwargs):
    """``tqdm.auto`` bar, disabled in CI, refreshed at most once a second."""
    if os.environ.get("DEBLUR_PROGRESS") == "text":
        return text_tqdm(
            iterable,
            total=total,
            desc=desc,
            disable=not (enabled and progress_enabled()),
            mininterval=TEXT_REFRESH_SECONDS,
            file=sys.stderr,
            ascii=True,
            position=0,  # nested bars in a log: no cursor-up codes, each refresh is its own line
            **kwargs,
        )
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        disable=not (enabled and progress_enabled()),
        mininterval=1.0,
        dynamic_ncols=True,
        **kwargs,
    )
