"""Reading images into [0, 1] floats, whatever the file holds.

8- and 16-bit files, grey, RGB and RGBA (composited on white, as a viewer shows it)
are all read the same way: a float64 array in [0, 1], ``(H, W)`` or ``(H, W, 3)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# ITU-R BT.601 luma weights, the usual "grey" of deblurring code (MATLAB's rgb2gray)
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as floats in [0, 1]: ``(H, W)`` grey or ``(H, W, 3)`` colour."""
    from skimage import io as skio

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no image file at {path}")
    try:
        raw = skio.imread(path)
    except Exception as error:  # the readers raise many types; one message for the user
        raise ValueError(
            f"cannot read {path} as an image ({type(error).__name__}); use a PNG, JPEG or TIFF file"
        ) from error
    return to_unit_range(raw, source=str(path))


def to_unit_range(raw: np.ndarray, source: str = "image") -> np.ndarray:
    """Scale integer or float pixels to [0, 1]; drop alpha by compositing on white."""
    raw = np.asarray(raw)
    if raw.dtype == bool:
        image = raw.astype(np.float64)
    elif np.issubdtype(raw.dtype, np.integer):
        image = raw.astype(np.float64) / np.iinfo(raw.dtype).max
    elif np.issubdtype(raw.dtype, np.floating):
        image = raw.astype(np.float64)
        if not np.all(np.isfinite(image)):
            raise ValueError(f"{source} contains NaN or infinite values")
        if image.min() < 0 or image.max() > 1:
            raise ValueError(
                f"{source} holds floats outside [0, 1] (range {image.min():.3g}..{image.max():.3g}); "
                "rescale it to [0, 1] first"
            )
    else:
        raise ValueError(f"{source} has unsupported pixel type {raw.dtype}")
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 3 and image.shape[-1] == 4:
        alpha = image[..., 3:]
        image = image[..., :3] * alpha + (1 - alpha)
    if image.ndim == 3 and image.shape[-1] == 2:  # grey + alpha
        image = image[..., 0] * image[..., 1] + (1 - image[..., 1])
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] != 3):
        raise ValueError(f"{source} has shape {raw.shape}; expected a grey, RGB or RGBA image")
    return image


def checked_grey(image, *, task: str, name: str = "image") -> np.ndarray:
    """``image`` as one finite grey float64 channel, or a one-line error saying what ``task`` needs and the fix.

    >>> checked_grey(np.zeros((2, 2, 3)), task="deconvolution")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: deconvolution works on one grey channel (a 2-D array), got shape (2, 2, 3); convert colour ...
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(
            f"{task} works on one grey channel (a 2-D array), got shape {image.shape}; convert colour images with "
            "deblur_core.data.io.to_grey"
        )
    if not np.all(np.isfinite(image)):
        raise ValueError(f"{name} contains NaN or infinite values; replace them before {task}")
    return image


def to_grey(image: np.ndarray) -> np.ndarray:
    """Luminance of a colour image (BT.601 weights); grey images pass through."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 2:
        return image
    return image @ LUMA_WEIGHTS


def read_colour(path: str | Path) -> np.ndarray:
    """Read an image file as ``(H, W, 3)`` float32 in [0, 1]; a grey file is repeated over three channels."""
    image = read_image(path)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return image.astype(np.float32)


def fit_to_shape(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Centre crop to the aspect ratio of ``shape``, then an anti-aliased bilinear resize to it."""
    from skimage.transform import resize

    height, width = image.shape[:2]
    target_h, target_w = shape
    if height * target_w > width * target_h:
        crop_h, crop_w = max(1, round(width * target_h / target_w)), width
    else:
        crop_h, crop_w = height, max(1, round(height * target_w / target_h))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    cropped = image[top : top + crop_h, left : left + crop_w]
    return resize(cropped, shape, order=1, anti_aliasing=True, mode="reflect")


def read_kernel_image(path: str | Path) -> np.ndarray:
    """A kernel stored as an 8-bit picture (as in SelfDeblur's Levin folder), normalised."""
    from ..kernels import normalize_kernel

    return normalize_kernel(to_grey(read_image(path)))
