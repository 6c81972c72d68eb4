"""Misalignment of a sharp image against its blurry partner, as real defocus data sets show it (JDRL, Fig. 5).

A small random similarity transform (zoom, shift, rotation) moves the sharp frame; the true flow between the two
frames is returned with it.

Flow convention
---------------
A flow is an ``(H, W, 2)`` float array: ``[..., 0]`` is the horizontal (x, column)
and ``[..., 1]`` the vertical (y, row) displacement in pixels. The flow *from a
reference R to a moving image M* satisfies ``R(p) ≈ M(p + flow(p))``, so backward
warping ``warp(M, flow)(p) = M(p + flow(p))`` (bilinear) aligns M onto R.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


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
