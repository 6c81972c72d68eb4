"""Misaligned defocus pairs for JDRL: a download-free synthetic stand-in and loaders for real data.

JDRL (Li, Ren, Shu & Zuo) trains on blurry/sharp pairs that do not line up: its SDD
dataset shows zoom and shift misalignment (Fig. 5), and even DPDD and RealDOF are
slightly off (Fig. 1). The synthetic pairs reproduce that situation from colour
pictures bundled with scikit-image, and, unlike real data, also keep the answers:

* a **depth map** per scene (:func:`random_depth`: tilted planes and discs; for the
  motorcycle, the measured stereo disparity of :func:`motorcycle_depth`);
* a **blurry** image: the scene defocused by a disk PSF whose radius follows the
  depth (:func:`defocus_blur`, in linear light), plus noise and 8-bit rounding;
* a **sharp** ground truth as a real dataset gives it: the all-in-focus scene after
  a small random zoom, shift and rotation (:func:`misalign`), noise and 8-bit rounding;
* the **aligned sharp** image (the scene in the blurry image's frame) and the true
  **flow** between the two frames.

Flow convention
---------------
A flow is an ``(H, W, 2)`` float array: ``[..., 0]`` is the horizontal (x, column)
and ``[..., 1]`` the vertical (y, row) displacement in pixels. The flow *from a
reference R to a moving image M* satisfies ``R(p) ≈ M(p + flow(p))``, so backward
warping ``warp(M, flow)(p) = M(p + flow(p))`` (bilinear) aligns M onto R. A pair's
flow goes from the blurry frame to ``sharp``: ``warp(sharp, flow) ≈ aligned_sharp``
away from the borders, where ``sharp`` shows content that the blurry frame does not.

Depth convention
----------------
Depth maps hold normalised *inverse* depth (nearness, like stereo disparity) in
[0, 1]: 0 is the farthest surface, 1 the nearest. For a thin lens the diameter of
the circle of confusion is proportional to ``|1/distance - 1/focus distance|``, so on
this scale the blur radius is linear in ``|depth - focus_depth|``.

Real data (:func:`load_paired_folder`, :func:`load_dpdd`) is read into the same
float [0, 1] colour arrays; it has no depth, aligned sharp image or flow.

Examples
--------
>>> pair = make_pair("coffee", seed=0, size=40)
>>> pair.name, pair.blurry.shape, pair.flow.shape, pair.depth.shape
('coffee_0', (40, 40, 3), (40, 40, 2), (40, 40))
>>> bool(pair.blurry.min() >= 0 and pair.blurry.max() <= 1)
True
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy import ndimage
from scipy.signal import fftconvolve

from .. import storage
from ..data.dead_leaves import SCENE_PREFIX, dead_leaves, is_scene_name, scene_seed
from ..data.io import fit_to_shape, read_colour, to_unit_range

COLOUR_SCENES = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle")
# more photographs bundled with scikit-image, so that held-out test sets can have several scenes: colour ones,
# and grey ones whose one channel is repeated (their defocus is then grey too)
EXTRA_COLOUR_SCENES = ("immunohistochemistry", "retina")
GREY_SCENES = ("camera", "coins", "moon", "grass", "gravel", "brick", "page", "text")
PHOTO_SCENES = COLOUR_SCENES + EXTRA_COLOUR_SCENES + GREY_SCENES
PAIRS_VERSION = 1  # bump when the generation changes, so that old caches are not reused
LEVEL_STEP = 0.5  # largest gap, in px of radius, between two pre-blurred levels of defocus_blur
DEFAULT_BLUR_FRACTION = 1 / 32  # make_pair's default max_radius as a fraction of the image side
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


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


def motorcycle_depth(shape: tuple[int, int]) -> np.ndarray:
    """Depth (nearness in [0, 1]) of scikit-image's stereo motorcycle, fitted to ``shape``.

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
    return _normalise(fit_to_shape(_motorcycle_disparity(), shape))


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


# --------------------------------------------------------------------------- misalignment


def apply_similarity(
    image: np.ndarray, zoom: float = 1.0, shift: tuple[float, float] = (0.0, 0.0), rotation_deg: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Zoom, rotate and shift an image about its centre; return it with the true flow.

    Content at ``q`` in ``image`` moves to ``T(q) = c + zoom * R (q - c) + shift`` in
    the result, with ``c`` the image centre, ``R`` the rotation by ``rotation_deg``
    and points written ``(x, y)`` = (column, row); on screen (y pointing down),
    positive angles turn the content clockwise, and ``shift = (2, -1)`` moves it 2 px
    right and 1 px up. The result is sampled bilinearly at ``T^-1(p)``, with
    reflection beyond the borders.

    Returns
    -------
    moved : the transformed image, same shape and dtype float64.
    flow : (H, W, 2) flow from ``image`` to ``moved`` (module convention):
        ``flow(p) = T(p) - p``, so that ``moved(p + flow(p)) = image(p)``.

    Examples
    --------
    >>> image = np.arange(20.0).reshape(4, 5)
    >>> moved, flow = apply_similarity(image, shift=(1, 0))
    >>> moved[0], flow[0, 0]
    (array([0., 0., 1., 2., 3.]), array([1., 0.]))
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {image.shape}")
    if not zoom > 0:
        raise ValueError(f"zoom must be positive, got {zoom}")
    height, width = image.shape[:2]
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    cy, cx = (height - 1) / 2, (width - 1) / 2
    angle = np.deg2rad(rotation_deg)
    cos, sin = np.cos(angle), np.sin(angle)
    dx, dy = x - cx, y - cy
    flow = np.stack(
        [zoom * (cos * dx - sin * dy) + cx + shift[0] - x, zoom * (sin * dx + cos * dy) + cy + shift[1] - y], axis=-1
    )
    # inverse map T^-1(p) = c + R^T (p - shift - c) / zoom: where each output pixel comes from
    ux, uy = dx - shift[0], dy - shift[1]
    source_x = cx + (cos * ux + sin * uy) / zoom
    source_y = cy + (-sin * ux + cos * uy) / zoom
    channels = image[:, :, None] if image.ndim == 2 else image
    moved = np.stack(
        [
            ndimage.map_coordinates(channels[..., c], [source_y, source_x], order=1, mode="reflect")
            for c in range(channels.shape[2])
        ],
        axis=-1,
    )
    return (moved[..., 0] if image.ndim == 2 else moved), flow


def misalign(
    sharp: np.ndarray,
    seed,
    max_zoom: float = 0.03,
    max_shift: float = 8,
    max_rotation_deg: float = 1.0,
    noise: float = 0.01,
) -> tuple[np.ndarray, np.ndarray]:
    """Misalign an image as a re-focused capture would be: random zoom, shift and rotation, plus noise.

    Zoom is drawn uniformly from ``1 ± max_zoom``, each shift component from
    ``± max_shift`` px and the rotation from ``± max_rotation_deg``, all about the
    image centre (:func:`apply_similarity`, bilinear, reflective borders); then
    Gaussian noise of standard deviation ``noise`` and clipping to [0, 1].

    Returns
    -------
    misaligned : the moved, noisy image.
    flow : (H, W, 2) true flow from ``sharp``'s frame to ``misaligned`` (module
        convention), so that ``warp(misaligned, flow) ≈ sharp`` in the interior.

    Examples
    --------
    >>> image = np.full((9, 10, 3), 0.5)
    >>> moved, flow = misalign(image, seed=0, max_zoom=0, max_shift=0, max_rotation_deg=0, noise=0)
    >>> bool(np.allclose(moved, image)), float(np.abs(flow).max())
    (True, 0.0)
    """
    for label, value in (
        ("max_zoom", max_zoom),
        ("max_shift", max_shift),
        ("max_rotation_deg", max_rotation_deg),
        ("noise", noise),
    ):
        if not value >= 0:
            raise ValueError(f"{label} must be >= 0, got {value}")
    if max_zoom >= 1:
        raise ValueError(f"max_zoom must be below 1 (zoom 1 ± max_zoom stays positive), got {max_zoom}")
    rng = np.random.default_rng(seed)
    zoom = 1 + rng.uniform(-max_zoom, max_zoom)
    shift = tuple(rng.uniform(-max_shift, max_shift, size=2))
    rotation = rng.uniform(-max_rotation_deg, max_rotation_deg)
    moved, flow = apply_similarity(sharp, zoom, shift, rotation)
    return np.clip(moved + rng.normal(0.0, noise, moved.shape), 0, 1), flow


# --------------------------------------------------------------------------- pairs


@dataclass(frozen=True)
class MisalignedPair:
    """One synthetic training pair, with what real datasets cannot give (aligned_sharp, flow, depth).

    Images are float32 in [0, 1], ``(H, W, 3)``; ``flow`` is ``(H, W, 2)`` from the
    blurry frame to ``sharp`` (module convention): ``warp(sharp, flow) ≈ aligned_sharp``.
    """

    name: str
    blurry: np.ndarray
    sharp: np.ndarray
    aligned_sharp: np.ndarray
    flow: np.ndarray
    depth: np.ndarray


def scene_of(pair_name: str) -> str:
    """The scene a pair shows: ``"chelsea"`` for the synthetic pair ``"chelsea_1_0"`` (see :func:`synthetic_pairs`);
    any other name (a real pair's file name) is a scene of its own.

    >>> scene_of("dead-leaves-3_0_7"), scene_of("chelsea_1_0"), scene_of("IMG_0042")
    ('dead-leaves-3', 'chelsea', 'IMG_0042')
    """
    scene, *rest = pair_name.rsplit("_", 2)
    synthetic = len(rest) == 2 and all(part.isdigit() for part in rest)
    return scene if synthetic and (scene in PHOTO_SCENES or is_scene_name(scene)) else pair_name


def dead_leaves_scene(seed: int, size: int) -> np.ndarray:
    """A colour dead-leaves scene (:func:`deblur_core.data.dead_leaves.dead_leaves`) whose leaf colours are drawn
    from the pixels of the bundled colour scenes, so that its colour histogram is a photograph's."""
    return dead_leaves(size, seed, levels=_scene_palette())


@functools.lru_cache(maxsize=1)
def _scene_palette() -> np.ndarray:
    pixels = np.concatenate([_colour_scene(name, 64).reshape(-1, 3) for name in COLOUR_SCENES])
    return np.clip(pixels, 0, 1)


def _colour_scene(name: str, size: int) -> np.ndarray:
    if is_scene_name(name):
        return dead_leaves_scene(scene_seed(name), size)
    return np.clip(fit_to_shape(_photograph(name), (size, size)), 0, 1)


def _photograph(name: str) -> np.ndarray:
    from skimage import data

    if name not in PHOTO_SCENES:
        raise ValueError(
            f"{name!r} is not a bundled photograph; choose from {', '.join(PHOTO_SCENES)} "
            f"or {SCENE_PREFIX}N for a dead-leaves scene of seed N"
        )
    raw = data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(data, name)()
    image = to_unit_range(raw, source=name)
    return np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image


def _random_view(name: str, size: int, seed) -> tuple[np.ndarray, np.ndarray | None]:
    """A random square window of photograph ``name`` resized to ``size``, and the motorcycle's depth cut alike."""

    picture = _photograph(name)
    height, width = picture.shape[:2]
    shorter = min(height, width)
    rng = np.random.default_rng(seed)
    side = int(rng.integers(min(size, shorter), shorter + 1))
    top, left = int(rng.integers(0, height - side + 1)), int(rng.integers(0, width - side + 1))
    window = (slice(top, top + side), slice(left, left + side))
    scene = np.clip(fit_to_shape(picture[window], (size, size)), 0, 1)
    if name != "motorcycle":
        return scene, None
    return scene, _normalise(fit_to_shape(_motorcycle_disparity()[window], (size, size)))


def _quantise(image: np.ndarray) -> np.ndarray:
    return (np.round(np.clip(image, 0, 1) * 255) / 255).astype(np.float32)


def _seed_label(seed) -> str:
    return "_".join(str(int(s)) for s in np.atleast_1d(seed))


def make_pair(
    image_name: str,
    seed,
    size: int = 128,
    *,
    max_radius: float | None = None,
    focus_depth: float | None = None,
    max_zoom: float = 0.03,
    max_shift: float = 8,
    max_rotation_deg: float = 1.0,
    noise: float = 0.01,
    random_view: bool = False,
) -> MisalignedPair:
    """One synthetic misaligned defocus pair (deterministic from ``seed``).

    Parameters
    ----------
    image_name : one of :data:`PHOTO_SCENES` or a dead-leaves scene; the picture is cut to a
        centred square and resized to ``size``. The motorcycle gets its measured depth
        (:func:`motorcycle_depth`), the others a :func:`random_depth`.
    seed : int or sequence of ints.
    size : side of the square images in px (at least 16).
    max_radius : defocus radius in px at the depth farthest from focus; ``None``
        scales it with the image: ``size / 32`` (4 px at 128 px).
    focus_depth : the depth in focus; ``None`` takes the depth of a random pixel,
        as a photographer focuses on something in the scene.
    max_zoom, max_shift, max_rotation_deg : misalignment of ``sharp`` (:func:`misalign`).
    noise : standard deviation of the Gaussian noise of both captures (sRGB values).
    random_view : instead of the whole picture, a square window of it drawn from ``seed``: its side uniform
        between ``size`` (or the picture's shorter side, if smaller) and that shorter side, its place uniform.
        Each pair of a photograph then shows other content at another scale, at the
        picture's own resolution or coarser, never upsampled; the motorcycle's depth is cut alike.

    Returns
    -------
    MisalignedPair named ``"{image_name}_{seed}"``: ``blurry`` is the defocused scene
    (in linear light, :func:`defocus_blur`) plus noise; ``sharp`` the misaligned
    all-in-focus scene plus noise; both rounded to 8 bits like real captures.
    ``aligned_sharp`` is the noise-free scene in the blurry frame.
    """
    if int(size) != size or size < 16:
        raise ValueError(f"size must be an integer of at least 16 px, got {size}")
    size = int(size)
    # a fourth child leaves the first three, and so every pair made without random_view, as they were
    depth_seed, capture_seed, misalign_seed, view_seed = np.random.SeedSequence(seed).spawn(4)
    if random_view and not is_scene_name(image_name):
        scene, depth = _random_view(image_name, size, view_seed)
    else:
        scene = _colour_scene(image_name, size)
        depth = motorcycle_depth((size, size)) if image_name == "motorcycle" else None
    if depth is None:
        depth = random_depth((size, size), depth_seed)
    rng = np.random.default_rng(capture_seed)
    if focus_depth is None:
        focus_depth = float(depth[rng.integers(size), rng.integers(size)])
    if max_radius is None:
        max_radius = size * DEFAULT_BLUR_FRACTION
    blurred = linear_to_srgb(defocus_blur(srgb_to_linear(scene), depth, focus_depth, max_radius))
    blurry = _quantise(blurred + rng.normal(0.0, noise, blurred.shape))
    sharp, flow = misalign(scene, misalign_seed, max_zoom, max_shift, max_rotation_deg, noise)
    return MisalignedPair(
        f"{image_name}_{_seed_label(seed)}",
        blurry,
        _quantise(sharp),
        scene.astype(np.float32),
        flow.astype(np.float32),
        depth.astype(np.float32),
    )


_PAIR_FIELDS = ("blurry", "sharp", "aligned_sharp", "flow", "depth")


def synthetic_pairs(
    names, count_per_image: int, size: int = 128, seed: int = 0, cache_dir: str | Path | None = None, **options
) -> list[MisalignedPair]:
    """``count_per_image`` pairs of each named scene, generated once and cached under ``cache_dir``.

    Pair ``k`` of scene ``name`` is named ``"{name}_{seed}_{k}"`` and comes from
    :func:`make_pair` with the seed ``(seed, crc32(name), k)``: it does not depend on the other names or on
    ``count_per_image``, and two values of ``seed`` share no pair (train and test
    sets from different seeds are disjoint in their depth, focus and misalignment).
    ``options`` are :func:`make_pair`'s keyword arguments.

    The cache is one ``.npz`` per configuration, written atomically; its name holds
    :data:`PAIRS_VERSION` and a digest of every parameter, so changing any of them
    (or the generator's version) builds a new file instead of reusing a stale one.

    Examples
    --------
    >>> pairs = synthetic_pairs(["rocket", "chelsea"], count_per_image=2, size=24)
    >>> [p.name for p in pairs]
    ['rocket_0_0', 'rocket_0_1', 'chelsea_0_0', 'chelsea_0_1']
    """
    names = list(names)
    if not names:
        raise ValueError("names is empty; give at least one of " + ", ".join(PHOTO_SCENES))
    unknown = [n for n in names if n not in PHOTO_SCENES and not is_scene_name(n)]
    if unknown:
        raise ValueError(
            f"unknown scene(s) {', '.join(map(repr, unknown))}; choose from {', '.join(PHOTO_SCENES)} "
            f"or {SCENE_PREFIX}N"
        )
    if int(count_per_image) != count_per_image or count_per_image < 1:
        raise ValueError(f"count_per_image must be a positive integer, got {count_per_image}")

    def generate():
        return [
            replace(make_pair(name, (seed, zlib.crc32(name.encode()), k), size, **options), name=f"{name}_{seed}_{k}")
            for name in names
            for k in range(int(count_per_image))
        ]

    if cache_dir is None:
        return generate()
    settings = dict(
        version=PAIRS_VERSION, names=names, count_per_image=int(count_per_image), size=size, seed=seed, options=options
    )
    digest = hashlib.sha1(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"jdrl_pairs_v{PAIRS_VERSION}_{digest}.npz"
    if not path.exists():
        pairs = generate()
        arrays = {f"{i}_{field}": getattr(p, field) for i, p in enumerate(pairs) for field in _PAIR_FIELDS}
        storage.save_npz(path, names=np.array([p.name for p in pairs]), **arrays)
    with np.load(path) as data:
        return [
            MisalignedPair(str(name), *(data[f"{i}_{field}"] for field in _PAIR_FIELDS))
            for i, name in enumerate(data["names"])
        ]


# --------------------------------------------------------------------------- real data


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
