"""Optical flow, backward warping and the calibration mask of JDRL's deblurring loss (Sec. 3.2, Eq. 2-4).

JDRL deforms the (misaligned) ground truth ``I_S`` onto the network output ``I_hat``
with an optical flow before comparing them, and the other way round ("cycle
deformation"). The paper estimates the flow with a pretrained PWC-Net; no weights
may be downloaded here, so :func:`estimate_flow` uses OpenCV's DIS optical flow
(Kroeger et al. 2016), a classical coarse-to-fine patch method that needs no
training and runs in milliseconds on a CPU.

Flow convention (shared with every module of this package that makes or reads flows):
a flow is an ``(H, W, 2)`` numpy array or a ``(B, 2, H, W)`` tensor whose channel 0
is the horizontal (x, column) and channel 1 the vertical (y, row) displacement in
pixels. The *flow from reference R to moving M* satisfies ``R(p) ~ M(p + flow(p))``,
so backward warping, ``warp(M, flow)(p) = M(p + flow(p))``, lays ``M`` onto ``R``'s
grid. OpenCV's ``calc(prev=R, next=M)`` returns exactly this flow.

Examples
--------
A picture moved 3 px right and 2 px up gives the flow ``(3, -2)``, and warping the
moved picture with that flow puts it back:

>>> import numpy as np, torch
>>> from scipy.ndimage import gaussian_filter
>>> reference = gaussian_filter(np.random.default_rng(0).random((64, 64)), 2)
>>> reference = (reference - reference.min()) / np.ptp(reference)
>>> moving = np.roll(reference, (-2, 3), axis=(0, 1))
>>> flow = estimate_flow(reference, moving)
>>> np.round(np.median(flow[16:-16, 16:-16], axis=(0, 1)), 1)
array([ 3., -2.], dtype=float32)
>>> as_tensor = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
>>> back = warp(as_tensor(moving)[None, None], as_tensor(flow).permute(2, 0, 1)[None])
>>> bool((back[0, 0, 16:-16, 16:-16] - as_tensor(reference)[16:-16, 16:-16]).abs().max() < 0.05)
True
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..data.io import LUMA_WEIGHTS, to_grey
from .tensors import images_to_tensor, tensor_to_images

PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}
# OpenCV's DIS refuses images whose larger side is below 12 px (dis_flow.cpp, checked up front
# so the error names the fix instead of surfacing as a cv2.error from deep inside calc)
MIN_SIDE = 12
DEFAULT_LAMBDA = 0.35  # JDRL Sec. 4.1: the calibration band is the mean flow +- 35 %


# --------------------------------------------------------------------------- estimation
def _to_grey8(image: np.ndarray, name: str) -> np.ndarray:
    """``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)`` image in [0, 1] (or already uint8) -> contiguous uint8 grey."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    elif image.ndim == 3 and image.shape[-1] == 3:
        if image.dtype == np.uint8:
            image = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
        else:
            image = to_grey(image.astype(np.float64))  # BT.601, the weights cv2's RGB2GRAY uses
    if image.ndim != 2:
        raise ValueError(f"{name} must be (H, W), (H, W, 1) or (H, W, 3), got shape {image.shape}")
    if image.dtype == np.uint8:
        return np.ascontiguousarray(image)
    # DIS works on 8-bit grey levels: rounding (not truncating) keeps the quantisation unbiased
    return np.ascontiguousarray(np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8))


def estimate_flow(reference: np.ndarray, moving: np.ndarray, preset: str = "medium") -> np.ndarray:
    """Flow from ``reference`` to ``moving`` by DIS: ``reference(p) ~ moving(p + flow(p))``.

    Parameters
    ----------
    reference, moving : (H, W), (H, W, 1) or (H, W, 3) arrays
        Float images in [0, 1] (colour is reduced to BT.601 luminance) or uint8 images.
        Both are quantised to 8-bit grey, the only input DIS accepts.
    preset : {"ultrafast", "fast", "medium"}
        OpenCV's DIS preset; "medium" (the default) adds a finer pyramid level and
        variational refinement, worth its few milliseconds for a training loss.

    Returns
    -------
    (H, W, 2) float32 array: channel 0 horizontal, channel 1 vertical displacement in px.

    Notes
    -----
    OpenCV's thread count is left as it is: it is process-wide state that a library
    call should not change behind the caller's back, and on a 256 x 256 image the
    estimate takes a few milliseconds either way. Callers that run this inside many
    worker processes may call ``cv2.setNumThreads(1)`` themselves to avoid
    oversubscribing the cores.
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    reference, moving = _to_grey8(reference, "reference"), _to_grey8(moving, "moving")
    if reference.shape != moving.shape:
        raise ValueError(f"reference {reference.shape} and moving {moving.shape} must have the same height and width")
    if max(reference.shape) < MIN_SIDE:
        raise ValueError(
            f"DIS needs an image side of at least {MIN_SIDE} px, got {reference.shape}; use a larger image"
        )
    # a fresh estimator per call: creating one costs microseconds, and an instance must not be
    # shared between threads, so caching one would make this function thread-unsafe
    estimator = cv2.DISOpticalFlow_create(PRESETS[preset])
    return estimator.calc(reference, moving, None).astype(np.float32, copy=False)


def _check_batch(tensor: torch.Tensor, name: str) -> None:
    if tensor.ndim != 4:
        raise ValueError(f"{name} must be a (B, C, H, W) tensor, got shape {tuple(tensor.shape)}")


@torch.no_grad()
def estimate_flow_batch(reference: torch.Tensor, moving: torch.Tensor, preset: str = "medium") -> torch.Tensor:
    """:func:`estimate_flow` image by image on ``(B, C, H, W)`` tensors.

    Returns ``(B, 2, H, W)`` on the input's device and dtype.

    ``C`` may be 1 or 3 and may differ between the two inputs (both become grey).
    No gradient passes through the flow: DIS is not differentiable, and JDRL treats
    the deformation as given when it back-propagates the deblurring loss.
    """
    _check_batch(reference, "reference")
    _check_batch(moving, "moving")
    if reference.shape[0] != moving.shape[0] or reference.shape[-2:] != moving.shape[-2:]:
        raise ValueError(
            f"reference {tuple(reference.shape)} and moving {tuple(moving.shape)} "
            f"must share batch size, height and width"
        )
    ref_np = reference.detach().to("cpu", torch.float32).permute(0, 2, 3, 1).numpy()
    mov_np = moving.detach().to("cpu", torch.float32).permute(0, 2, 3, 1).numpy()
    flows = np.stack([estimate_flow(r, m, preset) for r, m in zip(ref_np, mov_np)])
    return torch.from_numpy(flows).permute(0, 3, 1, 2).to(device=reference.device, dtype=reference.dtype)


# --------------------------------------------------------------------------- warping
def pixel_grid(height: int, width: int, dtype=torch.float32, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Column and row index maps ``(x, y)``, each ``(H, W)``."""
    ys = torch.arange(height, dtype=dtype, device=device)
    xs = torch.arange(width, dtype=dtype, device=device)
    return xs[None, :].expand(height, width), ys[:, None].expand(height, width)


def warp(moving: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Backward warping ``out(p) = moving(p + flow(p))`` with bilinear interpolation.

    Parameters
    ----------
    moving : (B, C, H, W) tensor
        Image to resample; the result is differentiable with respect to it.
    flow : (B, 2, H, W) tensor
        Flow from the reference (whose grid the output lives on) to ``moving``.

    Returns
    -------
    (B, C, H, W) tensor, ``moving`` laid onto the reference grid. Samples that fall
    outside the image take the nearest border value (``padding_mode="border"``).

    Notes
    -----
    ``F.grid_sample`` reads normalised coordinates, and ``align_corners`` decides what
    -1 and +1 mean. With ``align_corners=True`` they are the *centres* of the first and
    last pixel, so pixel ``x`` is ``2 x / (W - 1) - 1``; this is the grid built here.
    With ``align_corners=False`` they would be the outer *edges* of those pixels
    (``x -> (2 x + 1) / W - 1``). Building the grid for one convention and sampling
    with the other reads pixel ``x`` at ``x W / (W - 1) - 1/2``: a zoom about the
    centre and half a pixel of error at the borders, so even a zero flow would move
    and blur the image. Grid and sampler must therefore agree.

    Positions travel through normalised coordinates, whose float32 resolution is
    about ``2**-24`` of the half-width: a zero flow reproduces a float32 image to
    ``~W * 6e-8`` px of position (errors of a few 1e-6 on white noise at 53 px,
    3e-5 at 512 px), and a float64 image to rounding.
    """
    _check_batch(moving, "moving")
    _check_batch(flow, "flow")
    batch, _, height, width = moving.shape
    if flow.shape != (batch, 2, height, width):
        raise ValueError(
            f"flow {tuple(flow.shape)} must be (B, 2, H, W) = {(batch, 2, height, width)} to warp "
            f"moving {tuple(moving.shape)}"
        )
    flow = flow.to(dtype=moving.dtype)
    xs, ys = pixel_grid(height, width, moving.dtype, moving.device)
    # a one-pixel side has a single centre: any normalised value maps to it, so avoid dividing by zero
    grid_x = (xs + flow[:, 0]) * (2.0 / max(width - 1, 1)) - 1.0
    grid_y = (ys + flow[:, 1]) * (2.0 / max(height - 1, 1)) - 1.0
    grid = torch.stack([grid_x, grid_y], dim=-1)
    return F.grid_sample(moving, grid, mode="bilinear", padding_mode="border", align_corners=True)


# --------------------------------------------------------------------------- calibration mask
# Baker et al.'s Middlebury colour wheel: numbers of hues between the six primaries
# red-yellow, yellow-green, green-cyan, cyan-blue, blue-magenta, magenta-red (55 in all);
# the uneven split spaces the hues roughly evenly to the eye.
_WHEEL_SEGMENTS = (15, 6, 4, 11, 13, 6)


def colour_wheel() -> np.ndarray:
    """The 55 RGB colours (in [0, 1]) of the Middlebury flow colour wheel, in order of angle."""
    colours = []
    # each segment ramps one channel up or down between two fully saturated primaries
    primaries = [(1, 0, 0), (1, 1, 0), (0, 1, 0), (0, 1, 1), (0, 0, 1), (1, 0, 1), (1, 0, 0)]
    for start, end, steps in zip(primaries, primaries[1:], _WHEEL_SEGMENTS):
        for step in range(steps):
            t = step / steps
            colours.append([s + (e - s) * t for s, e in zip(start, end)])
    return np.array(colours)


def flow_to_colour(flow: torch.Tensor, scale: float | None = None) -> torch.Tensor:
    """Middlebury picture of a ``(B, 2, H, W)`` flow: ``(B, 3, H, W)`` RGB in [0, 1].

    Hue follows the flow's direction on the colour wheel; saturation grows with the
    magnitude divided by ``scale`` px (zero flow is white, ``scale`` and beyond fully
    saturated). Without ``scale`` each image is normalised by its own largest magnitude,
    which makes 0.2 px look as strong as 2 px: pictures that are compared need one
    shared ``scale`` (and :func:`flow_key` to read it).
    """
    _check_batch(flow, "flow")
    if scale is not None and not scale > 0:
        raise ValueError(f"scale must be a positive number of pixels, got {scale}")
    wheel = torch.as_tensor(colour_wheel(), dtype=flow.dtype, device=flow.device)
    count = wheel.shape[0]
    u, v = flow[:, 0], flow[:, 1]
    radius = torch.sqrt(u * u + v * v)
    if scale is None:
        largest = radius.flatten(1).amax(dim=1).clamp_min(torch.finfo(flow.dtype).eps)
    else:
        largest = torch.full((flow.shape[0],), float(scale), dtype=flow.dtype, device=flow.device)
    radius = (radius / largest[:, None, None]).clamp(max=1)
    # angle in (-1, 1]: pointing left (-x) is the wheel's start, red
    angle = torch.atan2(-v, -u) / torch.pi
    position = (angle + 1) / 2 * (count - 1)
    low = position.floor().long().clamp(0, count - 1)
    high = (low + 1) % count
    frac = (position - low.to(flow.dtype))[..., None]
    colour = (1 - frac) * wheel[low] + frac * wheel[high]  # (B, H, W, 3)
    colour = 1 - radius[..., None] * (1 - colour)  # desaturate towards white
    return colour.permute(0, 3, 1, 2)


def flow_picture(flow: np.ndarray, scale: float | None = None) -> np.ndarray:
    """:func:`flow_to_colour` of one NumPy flow ``(H, W, 2)``: an RGB picture ``(H, W, 3)`` in [0, 1]."""
    return tensor_to_images(flow_to_colour(images_to_tensor(flow), scale))[0]


def flow_key(scale: float, size: int = 65) -> np.ndarray:
    """The colour key of :func:`flow_to_colour` with ``scale``: each pixel of a ``size`` square is
    coloured as the flow from the centre to it, the square's half-side being ``scale`` px.
    Outside the inscribed disc it is white."""
    if size < 3:
        raise ValueError(f"size must be at least 3 px, got {size}")
    axis = np.linspace(-scale, scale, size)
    u, v = np.meshgrid(axis, axis)
    key = flow_picture(np.stack([u, v], axis=-1).astype(np.float32), scale)
    key[np.hypot(u, v) > scale] = 1.0
    return key


def _grey(rgb: torch.Tensor) -> torch.Tensor:
    weights = torch.as_tensor(LUMA_WEIGHTS, dtype=rgb.dtype, device=rgb.device)
    return torch.einsum("bchw,c->bhw", rgb, weights)


def calibration_mask(flow: torch.Tensor, lam: float = DEFAULT_LAMBDA, mode: str = "magnitude") -> torch.Tensor:
    """JDRL's calibration mask (Eq. 4): 1 where the flow looks like the image's typical flow, else 0.

    Parameters
    ----------
    flow : (B, 2, H, W) tensor
    lam : float in [0, 1)
        Half-width of the accepted band relative to the mean (0.35 in the paper).
    mode : {"magnitude", "colour"}
        ``"magnitude"`` is Eq. 4 as printed: with ``|Phi|`` the per-pixel flow magnitude
        and ``Phi_bar`` its mean over the image, keep ``(1 - lam) Phi_bar < |Phi| <
        (1 + lam) Phi_bar``. ``"colour"`` is what the authors' released code compares
        instead: the flow's Middlebury colour picture (:func:`flow_to_colour`) turned
        grey (BT.601 luminance), with the same band around that grey image's mean. It
        reacts to direction as well as magnitude, and its zero flow is white (grey 1),
        so it never degenerates.

    Returns
    -------
    (B, 1, H, W) tensor of 0. and 1. in the flow's dtype.

    Notes
    -----
    The paper's rule assumes the misalignment varies little across the image, so an
    outlying magnitude marks a wrong estimate. It is scale-free, which has one
    degenerate case: an all-zero flow has ``Phi_bar = 0`` and the strict inequalities
    would reject every pixel. A zero flow means the images already agree, so there is
    nothing to distrust: such images get a mask of ones (and so does any image whose
    mean magnitude is exactly zero, which only an all-zero flow has).

    The band is centred on the mean, which the outliers themselves pull: on a small
    image, or when a large region is wrong, one far-off vector can move the mean out
    of reach of the correct ones (a 4 x 4 unit flow with one 10-fold vector keeps
    nothing). The rule works as intended when the outliers are a small share of the
    pixels.

    Examples
    --------
    >>> import torch
    >>> flow = torch.ones(1, 2, 8, 8)
    >>> flow[0, :, 0, 0] = 3.0                    # one vector three times longer than the rest
    >>> mask = calibration_mask(flow)
    >>> mask.shape, mask[0, 0, 0, 0].item(), int(mask.sum())
    (torch.Size([1, 1, 8, 8]), 0.0, 63)
    >>> calibration_mask(torch.zeros(1, 2, 3, 3)).min().item()
    1.0
    """
    _check_batch(flow, "flow")
    if flow.shape[1] != 2:
        raise ValueError(f"flow must have 2 channels (x, y), got {flow.shape[1]}")
    if not 0 <= lam < 1:
        raise ValueError(f"lam must be in [0, 1), got {lam}")
    if mode == "magnitude":
        value = torch.sqrt(flow[:, 0] ** 2 + flow[:, 1] ** 2)
    elif mode == "colour":
        value = _grey(flow_to_colour(flow))
    else:
        raise ValueError(f"mode must be 'magnitude' or 'colour', got {mode!r}")
    mean = value.flatten(1).mean(dim=1)[:, None, None]
    keep = ((1 - lam) * mean < value) & (value < (1 + lam) * mean)
    keep = keep | (mean == 0)  # the degenerate case, see Notes
    return keep[:, None].to(flow.dtype)


def mask_keep_fraction(mask: torch.Tensor) -> torch.Tensor:
    """Share of pixels a ``(B, 1, H, W)`` mask keeps, one value per image: ``(B,)``."""
    _check_batch(mask, "mask")
    return mask.detach().flatten(1).float().mean(dim=1)
