"""Square windows on a regular grid (region-selection paper, Sec. 3.4).

The paper cuts 228 x 228 windows with a stride of 20 px. Our grid puts a window at
every multiple of the stride that still fits, and adds one flush with the far edge
when the stride does not land there, so that every pixel is covered::

    positions = 0, stride, 2 * stride, ... , (n - size)

For a 450 x 450 image this gives 0, 20, ..., 220 and then 222: 13 positions per axis,
169 windows. The paper counts 121 = 11 x 11, i.e. floor((450 - 228) / 20) positions
per axis, which leaves out both the last multiple of the stride (220) and the far
edge; :func:`paper_window_count` reproduces that count for comparison.

Examples
--------
>>> windows = window_grid((450, 450), size=228, stride=20)
>>> len(windows), windows[0], windows[-1]
(169, Window(x=0, y=0, size=228), Window(x=222, y=222, size=228))
>>> paper_window_count((450, 450), size=228, stride=20)
121
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Window(NamedTuple):
    """A square window: column ``x`` and row ``y`` of its top-left pixel, side ``size``."""

    x: int
    y: int
    size: int

    def slices(self) -> tuple[slice, slice]:
        """Row and column slices that cut this window out of an image."""
        return slice(self.y, self.y + self.size), slice(self.x, self.x + self.size)

    def centre(self) -> tuple[float, float]:
        """Row and column of the window's centre."""
        return self.y + (self.size - 1) / 2, self.x + (self.size - 1) / 2


def check_window_size(size: int, image_shape: tuple[int, int]) -> int:
    """Validate a window side against an image: a positive integer no larger than the image."""
    if int(size) != size or size < 1:
        raise ValueError(f"window size must be a positive integer, got {size}")
    height, width = image_shape[:2]
    if size > min(height, width):
        raise ValueError(
            f"window size {size} is larger than the image ({height} x {width}); "
            f"use a window of at most {min(height, width)} px or a larger image"
        )
    return int(size)


def _positions(length: int, size: int, stride: int) -> list[int]:
    positions = list(range(0, length - size + 1, stride))
    if positions[-1] != length - size:
        positions.append(length - size)
    return positions


def window_grid(image_shape: tuple[int, int], size: int, stride: int) -> list[Window]:
    """All windows of side ``size`` on a grid of step ``stride``, row by row.

    Parameters
    ----------
    image_shape : (height, width) of the image.
    size : window side in pixels.
    stride : step between neighbouring windows in pixels (positive).
    """
    size = check_window_size(size, image_shape)
    if int(stride) != stride or stride < 1:
        raise ValueError(f"stride must be a positive integer, got {stride}")
    rows = _positions(image_shape[0], size, int(stride))
    cols = _positions(image_shape[1], size, int(stride))
    return [Window(x, y, size) for y in rows for x in cols]


def grid_shape(image_shape: tuple[int, int], size: int, stride: int) -> tuple[int, int]:
    """Rows and columns of :func:`window_grid` (its windows come row by row).

    >>> grid_shape((450, 450), 228, 20)
    (13, 13)
    """
    size = check_window_size(size, image_shape)
    return len(_positions(image_shape[0], size, int(stride))), len(_positions(image_shape[1], size, int(stride)))


def paper_window_count(image_shape: tuple[int, int], size: int, stride: int) -> int:
    """The count the paper reports (121 for 450 px, 228 px, stride 20): floor((n - size) / stride) per axis."""
    height, width = image_shape[:2]
    return ((height - size) // stride) * ((width - size) // stride)


def extract_windows(image: np.ndarray, windows: list[Window]) -> np.ndarray:
    """Stack the pixels of ``windows`` from a 2-D image into an array (N, size, size)."""
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"expected a grey 2-D image, got shape {image.shape}")
    if not windows:
        raise ValueError("no windows given")
    sizes = {w.size for w in windows}
    if len(sizes) != 1:
        raise ValueError(f"windows must share one size to be stacked, got sizes {sorted(sizes)}")
    for w in windows:
        if w.x < 0 or w.y < 0 or w.y + w.size > image.shape[0] or w.x + w.size > image.shape[1]:
            raise ValueError(f"{w} does not fit in an image of shape {image.shape}")
    return np.stack([image[w.slices()] for w in windows])
