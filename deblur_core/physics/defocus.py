"""Defocus physics for the synthetic pairs of JDRL: colour in linear light, scene depth, and depth-dependent blur.

Depth convention
----------------
Depth maps hold normalised *inverse* depth (nearness, like stereo disparity) in
[0, 1]: 0 is the farthest surface, 1 the nearest. For a thin lens the diameter of
the circle of confusion is proportional to ``|1/distance - 1/focus distance|``, so on
this scale the blur radius is linear in ``|depth - focus_depth|``.

Blur is applied in linear light (:func:`srgb_to_linear`), as a lens does, with disk PSFs whose radius follows the
depth (:func:`defocus_blur`); camera-shake blur and the one convolution convention are in :mod:`.blur`.

Examples
--------
>>> depth = random_depth((32, 32), seed=0)
>>> blurred = defocus_blur(np.full((32, 32, 3), 0.5), depth, focus_depth=0.5, max_radius=3)
>>> bool(np.allclose(blurred, 0.5))
True
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import ndimage
from scipy.signal import fftconvolve

from ..data.io import fit_to_shape

LEVEL_STEP = 0.5  # largest gap, in px of radius, between two pre-blurred levels of defocus_blur


# --------------------------------------------------------------------------- colour


def srgb_to_linear(image: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] to linear light (the IEC 61966-2-1 curve).

    >>> srgb_to_linear(np.array([0.0, 0.5, 1.0])).round(4)
    array([0.   , 0.214, 1.   ])
    """
    image = np.asarray(image, dtype=np.float64)
    return np.where(image <= 0.04045, image / 12.92, ((image + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(image: np.ndarray) -> np.ndarray:
    """Linear light to sRGB-encoded values; clipped to [0, 1] first (the curve has no negative branch).

    >>> linear_to_srgb(srgb_to_linear(np.array([0.1, 0.7]))).round(6)
    array([0.1, 0.7])
    """
    image = np.clip(np.asarray(image, dtype=np.float64), 0, 1)
    return np.where(image <= 0.0031308, image * 12.92, 1.055 * image ** (1 / 2.4) - 0.055)


# --------------------------------------------------------------------------- depth


def _normalise(values: np.ndarray) -> np.ndarray:
    low, high = values.min(), values.max()
    if high == low:
        return np.zeros_like(values)
    return (values - low) / (high - low)


def _check_shape(shape) -> tuple[int, int]:
    if len(shape) != 2 or min(shape) < 8:
        raise ValueError(f"shape must be (height, width) with both at least 8 px, got {tuple(shape)}")
    return int(shape[0]), int(shape[1])


def random_depth(shape: tuple[int, int], seed) -> np.ndarray:
    """A smooth random scene depth (nearness in [0, 1], 1 = nearest; see the module notes).

    A tilted background plane, one or two further tilted planes over half-planes
    (walls, a table) and two to four discs (objects), each nearer than what it hides;
    where surfaces overlap the nearest wins, as in a photograph. A Gaussian blur of
    3 % of the shorter side rounds the occlusion edges, so that the defocus radius
    does not jump between neighbouring pixels. The result spans [0, 1] exactly.

    Parameters
    ----------
    shape : (height, width), both at least 8.
    seed : int, sequence of ints or ``numpy.random.SeedSequence``; same seed, same map.

    Examples
    --------
    >>> depth = random_depth((65, 71), seed=0)
    >>> depth.shape, float(depth.min()), float(depth.max())
    ((65, 71), 0.0, 1.0)
    """
    height, width = _check_shape(shape)
    rng = np.random.default_rng(seed)
    scale = max(height, width) - 1
    y, x = np.mgrid[0:height, 0:width] / scale
    y, x = y - y.mean(), x - x.mean()

    def ramp(offset):
        angle = rng.uniform(0, 2 * np.pi)
        return offset + rng.uniform(0.1, 0.4) * (np.cos(angle) * x + np.sin(angle) * y)

    nearness = ramp(0.0)
    for _ in range(rng.integers(1, 3)):
        angle, cut = rng.uniform(0, 2 * np.pi), rng.uniform(-0.3, 0.3)
        inside = np.cos(angle) * x + np.sin(angle) * y > cut
        nearness = np.where(inside, np.maximum(nearness, ramp(rng.uniform(0.1, 0.3))), nearness)
    for _ in range(rng.integers(2, 5)):
        cy, cx = rng.uniform(-0.4, 0.4, size=2)
        radius = rng.uniform(0.08, 0.25)
        inside = (y - cy) ** 2 + (x - cx) ** 2 < radius**2
        nearness = np.where(inside, np.maximum(nearness, rng.uniform(0.3, 0.7)), nearness)
    sigma = max(1.0, 0.03 * min(height, width))
    return _normalise(ndimage.gaussian_filter(nearness, sigma, mode="nearest"))


def _fill_occlusions(disparity: np.ndarray) -> np.ndarray:
    # pixels seen by one camera only belong to the hidden, farther surface: of the two
    # nearest valid pixels on the same row, take the one with the smaller disparity
    height, width = disparity.shape
    valid = np.isfinite(disparity)
    columns = np.broadcast_to(np.arange(width), disparity.shape)
    last = np.maximum.accumulate(np.where(valid, columns, -1), axis=1)
    following = np.minimum.accumulate(np.where(valid, columns, width)[:, ::-1], axis=1)[:, ::-1]
    rows = np.arange(height)[:, None]
    left = np.where(last >= 0, disparity[rows, np.clip(last, 0, width - 1)], np.nan)
    right = np.where(following < width, disparity[rows, np.clip(following, 0, width - 1)], np.nan)
    filled = np.fmin(left, right)
    return np.where(np.isnan(filled), disparity[valid].min(), filled)


def motorcycle_depth(shape: tuple[int, int], window: tuple[slice, slice] | None = None) -> np.ndarray:
    """Depth (nearness in [0, 1]) of scikit-image's stereo motorcycle, fitted to ``shape``; ``window`` cuts the
    map first (rows, columns of the photograph), as a random view of the scene cuts the picture.

    The pair's ground-truth disparity belongs to the left view (the scene
    :func:`make_pair` uses). Disparity is inverse depth, so normalising it to [0, 1]
    gives the nearness scale of this module directly. Its invalid (infinite) pixels,
    occlusions, take the smaller disparity of the nearest valid pixels left and right
    on the same row. The map is cropped to the aspect ratio of ``shape`` about the
    centre and resized, exactly as the scene image is.

    >>> depth = motorcycle_depth((48, 48))
    >>> depth.shape, float(depth.min()), float(depth.max())
    ((48, 48), 0.0, 1.0)
    """

    shape = _check_shape(shape)
    disparity = _motorcycle_disparity()
    return _normalise(fit_to_shape(disparity if window is None else disparity[window], shape))


@functools.lru_cache(maxsize=1)
def _motorcycle_disparity() -> np.ndarray:
    from skimage import data

    return _fill_occlusions(np.asarray(data.stereo_motorcycle()[2], dtype=np.float64))


# --------------------------------------------------------------------------- defocus


def disk_kernel(radius: float, supersampling: int = 8) -> np.ndarray:
    """A normalised disk PSF of ``radius`` px with an anti-aliased edge.

    Each tap is the share of its pixel covered by the disk, measured on a
    ``supersampling x supersampling`` grid of points inside the pixel. A disk of
    radius 0.5 or less fits inside the central pixel: a delta.

    >>> kernel = disk_kernel(1.0)
    >>> kernel.shape, round(float(kernel.sum()), 12), bool(kernel[1, 1] > kernel[0, 1] > kernel[0, 0])
    ((3, 3), 1.0, True)
    """
    if not radius >= 0:
        raise ValueError(f"disk radius must be >= 0, got {radius}")
    if radius <= 0.5:
        return np.ones((1, 1))
    half = math.ceil(radius + 0.5) - 1  # the outermost pixel column that the disk enters
    offsets = (np.arange(supersampling) + 0.5) / supersampling - 0.5
    centres = np.arange(-half, half + 1)
    fine = (centres[:, None] + offsets[None, :]).ravel()
    inside = (fine[:, None] ** 2 + fine[None, :] ** 2) <= radius**2
    side = 2 * half + 1
    coverage = inside.reshape(side, supersampling, side, supersampling).mean(axis=(1, 3))
    return coverage / coverage.sum()


def _blur_with(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    if kernel.shape == (1, 1):
        return image
    half = kernel.shape[0] // 2
    padded = np.pad(image, ((half, half), (half, half), (0, 0)), mode="reflect")
    return fftconvolve(padded, kernel[:, :, None], mode="valid", axes=(0, 1))


def defocus_radius(depth: np.ndarray, focus_depth: float, max_radius: float) -> np.ndarray:
    """Blur radius in px per pixel: ``max_radius * |depth - focus_depth| / max(focus_depth, 1 - focus_depth)``.

    The denominator is the largest distance from the focus within [0, 1], so
    ``max_radius`` is reached by the depth farthest from focus that a map can hold,
    and the radius of a pixel depends on its own depth only (a fixed camera), not on
    the rest of the scene. For the maps of this module, which span [0, 1], that is
    also the largest distance within the map.

    >>> defocus_radius(np.array([0.0, 0.25, 0.5, 1.0]), focus_depth=0.5, max_radius=4)
    array([4., 2., 0., 4.])
    """
    depth = np.asarray(depth, dtype=np.float64)
    if not 0 <= focus_depth <= 1:
        raise ValueError(f"focus_depth must lie in [0, 1] like the depth map, got {focus_depth}")
    if not max_radius >= 0:
        raise ValueError(f"max_radius must be >= 0 px, got {max_radius}")
    if depth.size and (depth.min() < 0 or depth.max() > 1):
        raise ValueError(f"depth must lie in [0, 1] (range {depth.min():.3g}..{depth.max():.3g}); normalise it first")
    return max_radius * np.abs(depth - focus_depth) / max(focus_depth, 1 - focus_depth)


def defocus_blur(image_linear: np.ndarray, depth: np.ndarray, focus_depth: float, max_radius: float) -> np.ndarray:
    """Spatially varying defocus: a disk PSF whose radius follows the depth (:func:`defocus_radius`).

    Parameters
    ----------
    image_linear : (H, W, C) or (H, W) image in **linear light** (see :func:`srgb_to_linear`);
        light adds up linearly, so a blur computed on sRGB values would darken
        highlights' halos.
    depth : (H, W) nearness in [0, 1] (see the module notes).
    focus_depth : the depth in [0, 1] that is in focus.
    max_radius : PSF radius in px at the depth farthest from focus.

    Returns
    -------
    The blurred image in linear light, same shape. Values may stray of order 1e-16
    below zero (FFT round-off); :func:`linear_to_srgb` clips them.

    Notes
    -----
    Computing a separate PSF at every pixel is slow, so the radius is quantised:
    the whole image is blurred once with a disk of each radius level
    ``0, ..., max_radius`` (at most :data:`LEVEL_STEP` = 0.5 px apart, reflective
    borders, FFT convolution), and each pixel linearly interpolates between the two
    levels around its own radius. Two approximations follow. A blend of two disks
    stands in for the disk of the radius between them (close, since they differ by
    at most half a pixel). And every output pixel gathers its neighbours through
    its own PSF, whatever their depth: at an occlusion edge, a blurred background
    takes in some of the sharp foreground's colour, and the foreground's blur does
    not spill over the background as a real lens would (no partial occlusion).
    :func:`random_depth` smooths depth edges, which keeps the radius continuous.

    Examples
    --------
    >>> point = np.zeros((15, 15, 1)); point[7, 7] = 1.0
    >>> spread = defocus_blur(point, np.full((15, 15), 0.0), focus_depth=1.0, max_radius=3)
    >>> round(float(spread.sum()), 6), int((spread[..., 0] > 1e-6).sum(axis=1).max())
    (1.0, 7)
    """
    image = np.asarray(image_linear, dtype=np.float64)
    grey = image.ndim == 2
    if grey:
        image = image[:, :, None]
    if image.ndim != 3:
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {image.shape}")
    depth = np.asarray(depth, dtype=np.float64)
    if depth.shape != image.shape[:2]:
        raise ValueError(f"depth has shape {depth.shape} but the image is {image.shape[:2]}; give one depth per pixel")
    radius = defocus_radius(depth, focus_depth, max_radius)
    levels = np.linspace(0.0, max_radius, math.ceil(max_radius / LEVEL_STEP) + 1)
    if len(levels) == 1:
        return image[..., 0] if grey else image.copy()
    spacing = levels[1] - levels[0]
    result = np.zeros_like(image)
    for level in levels:
        # linear interpolation between neighbouring levels = a hat-shaped weight per level
        weight = np.clip(1 - np.abs(radius - level) / spacing, 0, 1)
        if weight.any():
            result += weight[:, :, None] * _blur_with(image, disk_kernel(level))
    return result[..., 0] if grey else result
