"""Dead-leaves images: synthetic pictures with natural images' scale invariance, for training data beyond the corpus.

Matheron's dead-leaves model drops opaque shapes ("leaves") one over another until the plane is covered. With disc
radii drawn from a density proportional to ``r**-3`` between ``r_min`` and ``r_max``, the picture is statistically
scale invariant between those sizes, and its power spectrum falls as about ``1 / f**2``, as natural images' do (Lee,
Mumford and Huang, IJCV 2001). Achddou, Gousseau and Ladjal (*Synthetic images as a regularity prior for image
restoration neural networks*, SSVM 2021) trained restoration networks on such images alone and came within a fraction
of a dB of training on photographs; this module follows their generator in its simplest form: discs, power-law radii,
grey levels drawn from a photograph's histogram (or uniformly), no texture.

The leaves are laid front to back: each new disc only paints pixels no earlier disc has covered, and generation stops
once every pixel is covered, which gives exactly the dead-leaves picture of the (infinite) back-to-front sequence.

Examples
--------
>>> image = dead_leaves(64, seed=3)
>>> image.shape, image.dtype, bool(image.min() >= 0 and image.max() <= 1)
((64, 64), dtype('float64'), True)
>>> bool(np.array_equal(image, dead_leaves(64, seed=3)))
True
"""

from __future__ import annotations

import numpy as np

DEFAULT_R_MIN = 1.5  # px: below this, discs are smaller than the pixels that show them
RADIUS_EXPONENT = 3.0  # density of radii ~ r**-3: the scale-invariant choice
_BATCH = 2048  # discs per draw of random numbers; part of the random stream, so fixed
SCENE_PREFIX = "dead-leaves-"  # scene names "dead-leaves-N": a synthetic scene of seed N, in any paper's data


def scene_names(count: int) -> list[str]:
    """Names of the first ``count`` dead-leaves scenes, seeds 0 to ``count - 1``.

    >>> scene_names(2)
    ['dead-leaves-0', 'dead-leaves-1']
    """
    if count < 0:
        raise ValueError(f"the number of dead-leaves scenes must be 0 or more, got {count}")
    return [f"{SCENE_PREFIX}{seed}" for seed in range(count)]


def is_scene_name(name: str) -> bool:
    """Whether ``name`` names a dead-leaves scene (``dead-leaves-N``, N a seed)."""
    return name.startswith(SCENE_PREFIX) and name[len(SCENE_PREFIX) :].isdigit()


def scene_seed(name: str) -> int:
    """The seed of the dead-leaves scene ``name``: 3 for ``"dead-leaves-3"``."""
    if not is_scene_name(name):
        raise ValueError(f"{name!r} is not a dead-leaves scene name; use {SCENE_PREFIX}N with N a seed")
    return int(name[len(SCENE_PREFIX) :])


def power_law_radii(rng: np.random.Generator, count: int, r_min: float, r_max: float, exponent: float) -> np.ndarray:
    """``count`` radii with density proportional to ``r**-exponent`` on ``[r_min, r_max]`` (inverse transform)."""
    u = rng.random(count)
    a = 1.0 - exponent
    return (r_min**a + u * (r_max**a - r_min**a)) ** (1.0 / a)


def dead_leaves(
    size: int,
    seed: int,
    *,
    r_min: float = DEFAULT_R_MIN,
    r_max: float | None = None,
    exponent: float = RADIUS_EXPONENT,
    levels: np.ndarray | None = None,
) -> np.ndarray:
    """A ``size`` x ``size`` grey dead-leaves image in [0, 1], the same for the same arguments.

    Parameters
    ----------
    size : int
        Side in pixels.
    seed : int
        Seed of everything random (radii, centres, grey levels).
    r_min, r_max : float
        Smallest and largest disc radius in pixels; ``r_max`` defaults to half the side.
    exponent : float
        Radii have density ``r**-exponent``; 3 makes the picture scale invariant.
    levels : ndarray, optional
        Values to draw each leaf's from: grey levels ``(n,)`` or colours ``(n, channels)`` (for example a
        photograph's pixels, so that the histogram is natural); uniform grey on [0, 1] when omitted. Colours give
        a ``(size, size, channels)`` image.
    """
    if size < 2:
        raise ValueError(f"size must be at least 2 px, got {size}")
    r_max = size / 2 if r_max is None else r_max
    if not 0 < r_min < r_max:
        raise ValueError(f"need 0 < r_min < r_max, got r_min={r_min}, r_max={r_max}")
    channels = ()
    if levels is not None:
        levels = np.asarray(levels, dtype=np.float64)
        levels = levels.reshape(len(levels), -1) if levels.ndim == 2 else levels.ravel()
        if levels.size == 0 or not np.all(np.isfinite(levels)) or levels.min() < 0 or levels.max() > 1:
            raise ValueError("levels must be a non-empty set of grey values or colours in [0, 1]")
        channels = levels.shape[1:]
    rng = np.random.default_rng(seed)
    image = np.zeros((size, size, *channels))
    covered = np.zeros((size, size), dtype=bool)
    left = size * size
    # centres may fall outside the frame by up to r_max, so that the border is covered like the interior
    low, high = -r_max, size + r_max
    while left:
        radii = power_law_radii(rng, _BATCH, r_min, r_max, exponent)
        centres = rng.uniform(low, high, size=(_BATCH, 2))
        values = rng.random(_BATCH) if levels is None else levels[rng.integers(0, len(levels), _BATCH)]
        for (cy, cx), r, value in zip(centres, radii, values):
            y0, y1 = max(int(cy - r), 0), min(int(cy + r) + 2, size)
            x0, x1 = max(int(cx - r), 0), min(int(cx + r) + 2, size)
            if y0 >= y1 or x0 >= x1:
                continue
            yy, xx = np.ogrid[y0:y1, x0:x1]
            inside = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
            fresh = inside & ~covered[y0:y1, x0:x1]
            if fresh.any():
                image[y0:y1, x0:x1][fresh] = value
                covered[y0:y1, x0:x1] |= fresh
                left -= int(fresh.sum())
                if not left:
                    break
    return image


def radial_power_spectrum(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies (cycles per pixel) and the radially averaged power spectrum of a square grey image."""
    image = np.asarray(image, dtype=np.float64)
    size = image.shape[0]
    power = np.abs(np.fft.fftshift(np.fft.fft2(image - image.mean()))) ** 2
    yy, xx = np.indices(power.shape) - size // 2
    ring = np.hypot(yy, xx).round().astype(int)
    counts = np.bincount(ring.ravel())
    sums = np.bincount(ring.ravel(), weights=power.ravel())
    rings = np.arange(1, size // 2)
    return rings / size, sums[rings] / counts[rings]


def spectrum_slope(image: np.ndarray, band: tuple[float, float] = (1 / 64, 1 / 8)) -> float:
    """Least-squares slope of log power against log frequency within ``band`` (cycles per pixel): about -2 for
    natural images and for scale-invariant dead leaves."""
    frequency, power = radial_power_spectrum(image)
    keep = (frequency >= band[0]) & (frequency <= band[1])
    return float(np.polyfit(np.log(frequency[keep]), np.log(power[keep]), 1)[0])
