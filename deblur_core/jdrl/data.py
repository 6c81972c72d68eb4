"""Misaligned defocus pairs for JDRL: the download-free synthetic stand-in, generated and cached.

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

The physics lives in :mod:`deblur_core.physics.defocus` (colour, depth, defocus blur) and
:mod:`deblur_core.physics.misalignment` (the flow convention too); real pairs are read by
:mod:`deblur_core.data.paired`. A pair's flow goes from the blurry frame to ``sharp``:
``warp(sharp, flow) ≈ aligned_sharp`` away from the borders, where ``sharp`` shows content that the blurry frame
does not.

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
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..cache import cache_key, memoise
from ..data.dead_leaves import SCENE_PREFIX, dead_leaves, is_scene_name, scene_seed
from ..data.io import fit_to_shape, to_unit_range
from ..physics.defocus import defocus_blur, linear_to_srgb, motorcycle_depth, random_depth, srgb_to_linear
from ..physics.misalignment import misalign

COLOUR_SCENES = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle")
# more photographs bundled with scikit-image, so that held-out test sets can have several scenes: colour ones,
# and grey ones whose one channel is repeated (their defocus is then grey too)
EXTRA_COLOUR_SCENES = ("immunohistochemistry", "retina")
GREY_SCENES = ("camera", "coins", "moon", "grass", "gravel", "brick", "page", "text")
PHOTO_SCENES = COLOUR_SCENES + EXTRA_COLOUR_SCENES + GREY_SCENES
PAIRS_VERSION = 1  # bump when the generation changes, so that old caches are not reused
DEFAULT_BLUR_FRACTION = 1 / 32  # make_pair's default max_radius as a fraction of the image side


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
    return scene, motorcycle_depth((size, size), window)


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

    The cache is one ``.npz`` per configuration (:func:`deblur_core.cache.memoise`), keyed by
    :data:`PAIRS_VERSION` and every parameter, so changing any of them (or the generator's
    version) builds a new file instead of reusing a stale one.

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

    def arrays():
        pairs = generate()
        fields = {f"{i}_{field}": getattr(p, field) for i, p in enumerate(pairs) for field in _PAIR_FIELDS}
        return {"names": np.array([p.name for p in pairs]), **fields}

    identity = dict(names=names, count_per_image=int(count_per_image), size=size, seed=seed, options=options)
    saved = memoise(Path(cache_dir) / f"jdrl_pairs_{cache_key(PAIRS_VERSION, identity)}.npz", arrays)
    return [
        MisalignedPair(str(name), *(saved[f"{i}_{field}"] for field in _PAIR_FIELDS))
        for i, name in enumerate(saved["names"])
    ]
