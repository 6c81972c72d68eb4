"""Real paired defocus data (blurry and sharp photographs of one scene) read into float arrays for JDRL.

Two layouts: an SDD-style folder (:func:`load_paired_folder`: ``blur/`` and ``gt/`` with the same file names) and the
published DPDD folder (:func:`load_dpdd`). Real pairs carry no depth, aligned sharp image or flow. A folder in
another layout, or with unpaired files, is a one-line error naming what is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from .io import read_colour

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


class RealPair(NamedTuple):
    """A blurry image and its (possibly misaligned) sharp ground truth, float32 ``(H, W, 3)`` in [0, 1]."""

    name: str
    blurry: np.ndarray
    sharp: np.ndarray


def _images_in(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES}


def _few(names) -> str:
    names = sorted(names)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _load_pairs(root: Path, blur_dir: Path, sharp_dir: Path, layout: str) -> list[RealPair]:
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder {root} does not exist")
    for needed in (blur_dir, sharp_dir):
        if not needed.is_dir():
            raise ValueError(f"{root} has no {needed.relative_to(root)}/ folder; expected the layout {layout}")
    blurry, sharp = _images_in(blur_dir), _images_in(sharp_dir)
    if not blurry:
        raise ValueError(f"{blur_dir} holds no .png or .jpg images; expected the layout {layout}")
    unpaired_blurry, unpaired_sharp = blurry.keys() - sharp.keys(), sharp.keys() - blurry.keys()
    if unpaired_blurry or unpaired_sharp:
        parts = []
        if unpaired_blurry:
            parts.append(f"{len(unpaired_blurry)} in {blur_dir.name}/ without a match ({_few(unpaired_blurry)})")
        if unpaired_sharp:
            parts.append(f"{len(unpaired_sharp)} in {sharp_dir.name}/ without a match ({_few(unpaired_sharp)})")
        raise ValueError(
            f"file names do not pair up: {'; '.join(parts)}; each blurry image needs a sharp one of the same name"
        )
    pairs = []
    for name, blurry_path in blurry.items():
        blurry_image, sharp_image = read_colour(blurry_path), read_colour(sharp[name])
        if blurry_image.shape != sharp_image.shape:
            raise ValueError(
                f"{name} is {blurry_image.shape[1]}x{blurry_image.shape[0]} px in {blur_dir.name}/ but "
                f"{sharp_image.shape[1]}x{sharp_image.shape[0]} px in {sharp_dir.name}/; "
                "a pair must have one size"
            )
        pairs.append(RealPair(Path(name).stem, blurry_image, sharp_image))
    return pairs


def load_paired_folder(folder: str | Path) -> list[RealPair]:
    """Read an SDD-style folder: ``blur/*.png|jpg`` and ``gt/*`` with the same file names.

    Returns the pairs sorted by file name, float32 ``(H, W, 3)`` in [0, 1] (grey files
    are repeated to three channels). Everything is read at once: mind the memory for
    full-resolution data (one 4096 x 2160 pair takes about 200 MB).
    """
    root = Path(folder)
    return _load_pairs(root, root / "blur", root / "gt", "folder/blur/*.png|jpg with folder/gt/ (same names)")


DPDD_SPLITS = ("train", "val", "test")


def load_dpdd(folder: str | Path, split: str = "test") -> list[RealPair]:
    """Read one split of DPDD's single-image data: ``{split}_c/source/*.png`` (blurry), ``{split}_c/target/`` (sharp).

    ``folder`` is the dataset's root (holding ``train_c``, ``val_c``, ``test_c``). The
    dual-pixel views (``*_l``, ``*_r``) are not used. Returns the pairs sorted by file
    name, float32 ``(H, W, 3)`` in [0, 1]; the 76 test pairs at 1680 x 1120 take about
    3.4 GB.
    """
    if split not in DPDD_SPLITS:
        raise ValueError(f"unknown DPDD split {split!r}; use one of {', '.join(DPDD_SPLITS)}")
    root = Path(folder)
    base = root / f"{split}_c"
    return _load_pairs(
        root,
        base / "source",
        base / "target",
        f"folder/{split}_c/source/*.png with folder/{split}_c/target/ (same names)",
    )
