"""Blur kernels: normalisation, centring, flipping, random camera shake, similarity.

Kernels are 2-D NumPy arrays of non-negative taps summing to one, with the centre
convention of :mod:`deblur_core.physics.blur` (centre tap at ``(kh // 2, kw // 2)``).

* Random camera-shake kernels follow the random-trajectory model of Boracchi & Foi
  (2012), as used to synthesise training data in *Select Good Regions for Deblurring*
  (Sec. 4.1: 32 kernels of 11-55 px).
* :func:`kernel_similarity` is the measure of Hu & Yang (2012), used to label windows
  in the region-selection paper (Sec. 3.1, lambda = 0.75).

Examples
--------
>>> k = random_motion_kernel(15, seed=3)
>>> k.shape, bool(abs(k.sum() - 1) < 1e-9), bool((k >= 0).all())
((15, 15), True, True)
>>> round(kernel_similarity(k, np.roll(k, 2, axis=1)), 6)   # a shifted copy still matches
1.0
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal

MIN_KERNEL_SIZE = 3


def check_kernel_size(size: int, image_shape: tuple[int, int] | None = None) -> int:
    """Validate a square kernel size: odd, at least 3, not larger than the image."""
    if int(size) != size or size < MIN_KERNEL_SIZE:
        raise ValueError(f"kernel size must be an odd integer >= {MIN_KERNEL_SIZE}, got {size}")
    if size % 2 == 0:
        raise ValueError(
            f"kernel size must be odd so that the kernel has a centre tap, got {size}; use {size + 1} or {size - 1}"
        )
    if image_shape is not None and size > min(image_shape):
        raise ValueError(
            f"kernel size {size} is larger than the image {tuple(image_shape)}; "
            "use a smaller --kernel-size or a larger image"
        )
    return int(size)


def normalize_kernel(kernel: np.ndarray) -> np.ndarray:
    """Clip negative taps to zero and scale the taps to sum to one."""
    kernel = np.asarray(kernel, dtype=np.float64)
    if not np.all(np.isfinite(kernel)):
        raise ValueError("kernel contains NaN or infinite values")
    kernel = np.clip(kernel, 0.0, None)
    total = kernel.sum()
    if total <= 0:
        raise ValueError("kernel has no positive tap; it cannot be normalised")
    return kernel / total


def flip_kernel(kernel: np.ndarray) -> np.ndarray:
    """Rotate by 180 degrees: turns a convolution kernel into the matching correlation kernel."""
    return np.asarray(kernel)[::-1, ::-1].copy()


def kernel_centroid(kernel: np.ndarray) -> tuple[float, float]:
    """Centre of mass (row, column) of the kernel taps."""
    return tuple(float(c) for c in ndimage.center_of_mass(np.asarray(kernel, dtype=np.float64)))


def center_kernel(kernel: np.ndarray) -> np.ndarray:
    """Shift the kernel by whole pixels so that its centroid lands on the centre tap.

    Taps pushed past the border are dropped and the kernel is renormalised; a blind
    estimate can be off-centre only by a translation, which this removes.
    """
    kernel = normalize_kernel(kernel)
    cy, cx = kernel_centroid(kernel)
    shift = (kernel.shape[0] // 2 - int(round(cy)), kernel.shape[1] // 2 - int(round(cx)))
    shifted = ndimage.shift(kernel, shift, order=0, mode="constant", cval=0.0)
    return normalize_kernel(shifted)


def random_motion_kernel(
    size: int,
    seed: int | None = None,
    *,
    n_steps: int = 2000,
    extent: float | None = None,
    speed_variation: float = 0.0,
    optical_blur: float = 0.0,
) -> np.ndarray:
    """Random camera-shake kernel from a random particle trajectory (Boracchi & Foi style).

    A particle moves with a velocity that is nudged at every step by Gaussian
    jitter, pulled back towards the start (centripetal term), and now and then
    reversed by an abrupt shake. The trajectory is scaled to span ``extent`` of the
    support, rasterised with bilinear weights, centred by centroid and normalised.

    By default the particle keeps a constant speed, so the kernel's mass is spread
    evenly along the path. A recorded shake is not like that: the camera slows down
    where it turns and lingers at the ends, which shows as bright knots on a faint
    stroke in Levin et al.'s kernels. ``speed_variation`` > 0 lets the speed follow a
    smooth log-normal process of that standard deviation (the time spent at a place,
    and so its mass, goes as one over the speed); ``optical_blur`` convolves the
    rasterised path with a Gaussian of that standard deviation in pixels (the lens
    and the measurement blur a recorded kernel a little). See :func:`recorded_shake_kernel`.

    Parameters
    ----------
    size : int
        Odd side length of the square kernel (the papers use 11-55).
    seed : int, optional
        Same seed, same kernel.
    n_steps : int
        Number of trajectory samples.
    extent : float, optional
        Fraction of the support the trajectory spans; random in [0.55, 0.95] if not given.
    speed_variation : float
        Standard deviation of the log-speed (0: constant speed, the kernels of earlier versions).
    optical_blur : float
        Standard deviation in pixels of a Gaussian blur of the path (0: none).
    """
    check_kernel_size(size)
    rng = np.random.default_rng(seed)
    anxiety = rng.uniform(0.005, 0.05)
    centripetal = rng.uniform(0.0, 0.7)
    jitter = rng.uniform(1.0, 6.0)
    shake_rate = rng.uniform(0.0, 0.005)
    extent = rng.uniform(0.55, 0.95) if extent is None else float(extent)

    if speed_variation < 0 or optical_blur < 0:
        raise ValueError("speed_variation and optical_blur must be >= 0")
    speeds = np.ones(n_steps)
    if speed_variation > 0:  # drawn only then, so constant-speed kernels stay those of earlier versions
        log_speed = ndimage.gaussian_filter1d(rng.standard_normal(n_steps), n_steps / 40, mode="nearest")
        speeds = np.exp(speed_variation * log_speed / max(log_speed.std(), 1e-12))

    step = 1.0 / n_steps
    velocity = np.exp(1j * rng.uniform(0, 2 * np.pi)) * step
    position = 0j
    path = np.empty(n_steps, dtype=complex)
    for t in range(n_steps):
        shake = 0j
        if rng.random() < shake_rate:
            shake = 2 * velocity * np.exp(1j * (np.pi + rng.uniform(-0.5, 0.5)))
        drift = (
            anxiety * (jitter * complex(rng.standard_normal(), rng.standard_normal()) - centripetal * position) * step
        )
        velocity = velocity + shake + drift
        velocity = velocity / max(abs(velocity), 1e-12) * step
        position = position + velocity * speeds[t]
        path[t] = position

    # scale the trajectory so that its longer side spans `extent` of the support
    span = max(np.ptp(path.real), np.ptp(path.imag), 1e-9)
    scale = extent * (size - 1) / span
    rows = (path.imag - path.imag.min()) * scale
    cols = (path.real - path.real.min()) * scale
    rows += (size - 1 - rows.max()) / 2
    cols += (size - 1 - cols.max()) / 2

    kernel = np.zeros((size, size))
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    fr, fc = rows - r0, cols - c0
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dc, wc in ((0, 1 - fc), (1, fc)):
            rr = np.clip(r0 + dr, 0, size - 1)
            cc = np.clip(c0 + dc, 0, size - 1)
            np.add.at(kernel, (rr, cc), wr * wc)
    if optical_blur > 0:
        kernel = ndimage.gaussian_filter(kernel, optical_blur, mode="constant")
    return center_kernel(kernel)


def recorded_shake_kernel(size: int, seed: int | None = None) -> np.ndarray:
    """A camera-shake kernel drawn to look like a recorded one rather than a constant-speed path.

    :func:`random_motion_kernel` with a log-speed spread drawn in [0.5, 1.2] (bright knots
    where the camera slowed down, faint strokes where it moved fast) and a 0.5 px optical
    blur. The ranges are chosen by eye against the kernels pictured in Levin et al. (2009),
    not fitted to them (the recorded kernels are not bundled).

    Examples
    --------
    >>> k = recorded_shake_kernel(21, seed=4)
    >>> k.shape, bool(abs(k.sum() - 1) < 1e-9)
    ((21, 21), True)
    """
    rng = np.random.default_rng(seed)
    speed_variation = rng.uniform(0.5, 1.2)
    return random_motion_kernel(size, seed=int(rng.integers(2**31)), speed_variation=speed_variation, optical_blur=0.5)


def delta_kernel(size: int) -> np.ndarray:
    """The identity kernel: one tap at the centre (the trivial blind solution)."""
    check_kernel_size(size)
    kernel = np.zeros((size, size))
    kernel[size // 2, size // 2] = 1.0
    return kernel


def kernel_similarity(kernel: np.ndarray, estimate: np.ndarray) -> float:
    """Kernel similarity of Hu & Yang: the best normalised cross-correlation over all shifts.

    ``max_g sum_t k(t) k_hat(t + g) / (||k|| ||k_hat||)``. A correlation, not a
    convolution, so a 180-degree-rotated estimate of an asymmetric kernel scores below
    one. Kernels of different sizes can be compared. The value lies in [0, 1] for
    non-negative kernels.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    estimate = np.asarray(estimate, dtype=np.float64)
    for name, k in (("kernel", kernel), ("estimate", estimate)):
        if k.ndim != 2:
            raise ValueError(f"{name} must be a 2-D array, got shape {k.shape}")
        if not np.all(np.isfinite(k)):
            raise ValueError(f"{name} contains NaN or infinite values")
    norms = np.linalg.norm(kernel) * np.linalg.norm(estimate)
    if norms == 0:
        raise ValueError("kernel similarity is undefined for an all-zero kernel")
    correlation = signal.correlate(estimate, kernel, mode="full")
    return float(correlation.max() / norms)
