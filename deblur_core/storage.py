"""Saving results without ever leaving a half-written file behind.

Every writer here writes to a temporary file in the destination folder and then
renames it over the target, so an interrupted run (Ctrl-C, a crash, a full disk)
leaves either the old file or the new one, never a corrupt mix.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> paths = save_table(pd.DataFrame({"PSNR": [30.512]}), folder / "table")
>>> sorted(p.name for p in paths)
['table.csv', 'table.md']
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .tables import markdown_table


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike):
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # the temporary name keeps the target's suffix, so writers that infer the format from it still work
    handle, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(handle)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(target, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text)
    return Path(target)


def write_json(target, data) -> Path:
    return write_text(target, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def save_npy(target, array: np.ndarray) -> Path:
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, array)
    return Path(target)


def save_npz(target, **arrays) -> Path:
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **arrays)
    return Path(target)


def save_torch(target, state) -> Path:
    import torch

    with atomic_path(target) as tmp:
        torch.save(state, tmp)
    return Path(target)


def save_image(target, image: np.ndarray) -> Path:
    """Save a [0, 1] grey or colour image as an 8-bit PNG (clipped)."""
    from skimage import io as skio

    image = np.clip(np.asarray(image, dtype=np.float64), 0, 1)
    with atomic_path(target) as tmp:
        skio.imsave(tmp, (image * 255 + 0.5).astype(np.uint8), check_contrast=False)
    return Path(target)


FIGURE_FORMATS_ENV = "DEBLUR_FIGURE_FORMATS"


def figure_formats(environ=os.environ) -> tuple[str, ...]:
    """The formats :func:`save_figure` writes: ``$DEBLUR_FIGURE_FORMATS`` (comma-separated), else PNG alone.

    The repository commits PNGs only; ``make figures-pdf`` re-runs the notebooks with ``png,pdf`` for print.

    >>> figure_formats({})
    ('png',)
    >>> figure_formats({"DEBLUR_FIGURE_FORMATS": "png, pdf"})
    ('png', 'pdf')
    """
    formats = tuple(f.strip().lower() for f in environ.get(FIGURE_FORMATS_ENV, "png").split(",") if f.strip())
    unknown = [f for f in formats if f not in ("png", "pdf", "svg")]
    if unknown or not formats:
        raise ValueError(f"${FIGURE_FORMATS_ENV} must list png, pdf or svg separated by commas, got {unknown or '-'}")
    return formats


# a screen's resolution: the committed PNGs stay light (figures/ and executed/ together under 20 MB); print
# from the PDFs of ``make figures-pdf``, which are vector graphics
FIGURE_DPI = 100


def save_figure(fig, stem, formats=None, dpi: int = FIGURE_DPI) -> list[Path]:
    """Save a matplotlib figure as ``stem.png`` and any other of :func:`figure_formats` (``formats`` overrides)."""
    paths = []
    formats = figure_formats() if formats is None else formats
    for fmt in formats:
        target = Path(f"{stem}.{fmt}")
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
        paths.append(target)
    return paths


def save_table(frame, stem) -> list[Path]:
    """Save a pandas table as ``stem.csv`` (full precision) and ``stem.md`` (rounded for reading,
    :func:`deblur_core.tables.markdown_table`)."""
    csv_path, md_path = Path(f"{stem}.csv"), Path(f"{stem}.md")
    write_text(csv_path, frame.to_csv(index=False))
    write_text(md_path, markdown_table(frame) + "\n")
    return [csv_path, md_path]
