"""The Levin et al. (2009) blind-deconvolution benchmark: a synthetic stand-in and loaders.

Levin et al. recorded 4 grey 255 x 255 images blurred by 8 real camera-shake kernels
of 19, 17, 15, 27, 13, 21, 23 and 23 px. SelfDeblur (Sec. 4.1) estimates kernels of
17, 15, 13, 27, 11, 19, 21 and 21 px on them.

* :func:`levin_like_benchmark` builds the download-free stand-in: 4 grey images from
  the bundled corpus x 8 kernels from :func:`~deblur_core.kernels.random_motion_kernel`
  with those sizes, small Gaussian noise, 8-bit quantisation. ``scale=0.5`` builds
  the same benchmark at half resolution (127 px images, kernels of half Levin's
  sizes), which keeps the paper's kernel-to-image proportions at a quarter of the
  pixels: the quick profile's choice. ``kernel_model="recorded-shake"`` draws the kernels
  with :func:`~deblur_core.kernels.recorded_shake_kernel` (uneven speed along the path,
  a slight optical blur) and doubles the noise: a harder set, closer to recorded camera
  shake, on which ``benchmarks/kernel_estimation.py`` measures the estimator. Each generated kernel
  has the estimation size and is zero-padded to Levin's size, like Levin's kernels
  whose outer rows are (nearly) empty. Blurring is a 'valid' convolution of a larger
  sharp crop, so there is no boundary artefact. Deterministic; cached as ``.npz``.
* :func:`load_levin` reads the real benchmark in either published layout:

  - SelfDeblur's folder: ``imN_kernelM_img.png`` blurry images, ``gt/imN.png`` sharp
    images and ``gt/kernelM.png`` kernels stored as 8-bit pictures;
  - Levin's original ``.mat`` files (one per pair, e.g. ``im05_flit01.mat``) with the
    variables ``x`` (sharp), ``y`` (blurry) and ``f`` (kernel).
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .. import storage
from ..kernels import flip_kernel, normalize_kernel, random_motion_kernel, recorded_shake_kernel
from ..physics.blur import convolve
from .corpus import load_bundled
from .io import read_image, read_kernel_image, to_unit_range

LEVIN_KERNEL_SIZES = (19, 17, 15, 27, 13, 21, 23, 23)
SELFDEBLUR_KERNEL_SIZES = (17, 15, 13, 27, 11, 19, 21, 21)
LEVIN_IMAGE_SIZE = 255
LEVIN_LIKE_IMAGES = ("camera", "astronaut", "chelsea", "coffee")
LEVIN_LIKE_NOISE = 0.005
LEVIN_LIKE_VERSION = 1
#: how the Levin-like kernels are drawn, and the noise that goes with each: Gaussian noise std on [0, 1]
#: before 8-bit rounding. The recorded-shake noise (about 2.5 grey levels) is an assumption: Levin et al.'s
#: blurry images are camera captures whose noise we cannot measure without the set.
KERNEL_MODELS = {
    "trajectory": (random_motion_kernel, LEVIN_LIKE_NOISE),
    "recorded-shake": (recorded_shake_kernel, 0.01),
}


@dataclass(frozen=True)
class BlurCase:
    """One blurry image of a benchmark with its ground truth."""

    image_id: int
    kernel_id: int
    blurry: np.ndarray
    sharp: np.ndarray
    kernel: np.ndarray
    estimation_size: int

    @property
    def name(self) -> str:
        return f"im{self.image_id}_kernel{self.kernel_id}"


def _square_crop(image: np.ndarray, size: int) -> np.ndarray:
    from skimage.transform import resize

    side = min(image.shape)
    top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
    square = image[top : top + side, left : left + side]
    return np.clip(resize(square, (size, size), anti_aliasing=True, order=3), 0, 1)


def _scaled_odd(length: int, scale: float) -> int:
    return max(3, int(round(length * scale)) // 2 * 2 + 1)


def levin_like_sizes(scale: float = 1.0) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """Image side, true kernel sizes and estimation kernel sizes at a given scale."""
    if not 0.2 <= scale <= 1.0:
        raise ValueError(f"scale must lie in [0.2, 1], got {scale}")
    size = int(LEVIN_IMAGE_SIZE * scale) // 2 * 2 + 1
    true_sizes = tuple(_scaled_odd(n, scale) for n in LEVIN_KERNEL_SIZES)
    estimation_sizes = tuple(min(_scaled_odd(n, scale), t) for n, t in zip(SELFDEBLUR_KERNEL_SIZES, true_sizes))
    return size, true_sizes, estimation_sizes


def blur_and_quantise(support: np.ndarray, kernel: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """'Valid' blur of ``support`` (the sharp image plus a kernel-radius margin), Gaussian noise, 8-bit rounding."""
    blurred = convolve(torch.from_numpy(support), torch.from_numpy(kernel), "valid").numpy()
    noisy = blurred + rng.normal(0.0, noise, blurred.shape)
    return np.round(np.clip(noisy, 0, 1) * 255) / 255


def _kernel_model(name: str):
    if name not in KERNEL_MODELS:
        raise ValueError(f"unknown kernel model {name!r}; use one of {', '.join(KERNEL_MODELS)}")
    return KERNEL_MODELS[name]


def kernel_model_function(name: str):
    """The function ``(size, seed=...) -> kernel`` of a :data:`KERNEL_MODELS` name."""
    return _kernel_model(name)[0]


def generate_levin_like(
    seed: int = 0, noise: float | None = None, scale: float = 1.0, kernel_model: str = "trajectory"
) -> list[BlurCase]:
    """Build the 32 synthetic cases (4 images x 8 kernels); same arguments, same data.

    ``noise=None`` takes the kernel model's noise (:data:`KERNEL_MODELS`).
    """
    draw_kernel, model_noise = _kernel_model(kernel_model)
    noise = model_noise if noise is None else noise
    size, true_sizes, estimation_sizes = levin_like_sizes(scale)
    margin = max(true_sizes) // 2
    rng = np.random.default_rng(seed)
    kernels = []
    for index, (true_size, est_size) in enumerate(zip(true_sizes, estimation_sizes)):
        core = draw_kernel(est_size, seed=seed * 1000 + index)
        pad = (true_size - est_size) // 2
        kernels.append(np.pad(core, pad))
    cases = []
    for image_id, name in enumerate(LEVIN_LIKE_IMAGES, start=1):
        large = _square_crop(load_bundled(name), size + 2 * margin)
        sharp = large[margin : margin + size, margin : margin + size]
        for kernel_id, kernel in enumerate(kernels, start=1):
            r = kernel.shape[0] // 2
            support = large[margin - r : margin + size + r, margin - r : margin + size + r]
            blurry = blur_and_quantise(support, kernel, noise, rng)
            cases.append(BlurCase(image_id, kernel_id, blurry, sharp, kernel, estimation_sizes[kernel_id - 1]))
    return cases


def levin_like_benchmark(
    cache_dir: str | Path | None = None, seed: int = 0, scale: float = 1.0, kernel_model: str = "trajectory"
) -> list[BlurCase]:
    """The synthetic Levin-like benchmark, generated once and cached under ``cache_dir``."""
    _kernel_model(kernel_model)
    if cache_dir is None:
        return generate_levin_like(seed, scale=scale, kernel_model=kernel_model)
    _, _, estimation_sizes = levin_like_sizes(scale)
    suffix = "" if scale == 1.0 else f"_scale{scale:g}"
    model = "" if kernel_model == "trajectory" else f"_{kernel_model}"
    path = Path(cache_dir) / f"levin_like_v{LEVIN_LIKE_VERSION}{model}_seed{seed}{suffix}.npz"
    if not path.exists():
        cases = generate_levin_like(seed, scale=scale, kernel_model=kernel_model)
        arrays = {}
        for case in cases:
            arrays[f"{case.name}_blurry"] = case.blurry
        for image_id in {c.image_id for c in cases}:
            arrays[f"im{image_id}_sharp"] = next(c.sharp for c in cases if c.image_id == image_id)
        for kernel_id in {c.kernel_id for c in cases}:
            arrays[f"kernel{kernel_id}"] = next(c.kernel for c in cases if c.kernel_id == kernel_id)
        storage.save_npz(path, **arrays)
    with np.load(path) as data:
        return [
            BlurCase(
                i, k, data[f"im{i}_kernel{k}_blurry"], data[f"im{i}_sharp"], data[f"kernel{k}"], estimation_sizes[k - 1]
            )
            for i in range(1, len(LEVIN_LIKE_IMAGES) + 1)
            for k in range(1, len(LEVIN_KERNEL_SIZES) + 1)
        ]


def _estimation_size(kernel_id: int, kernel: np.ndarray) -> int:
    if 1 <= kernel_id <= len(SELFDEBLUR_KERNEL_SIZES):
        return SELFDEBLUR_KERNEL_SIZES[kernel_id - 1]
    size = max(kernel.shape)
    return size if size % 2 else size + 1


_PNG_NAME = re.compile(r"^im(\d+)_kernel(\d+)_img\.png$")
_MAT_NAME = re.compile(r"^im(\d+)_\D*(\d+)\.mat$")


def _load_png_layout(folder: Path, files: list[Path]) -> list[BlurCase]:
    cases = []
    for path in files:
        image_id, kernel_id = (int(g) for g in _PNG_NAME.match(path.name).groups())
        sharp_path = folder / "gt" / f"im{image_id}.png"
        kernel_path = folder / "gt" / f"kernel{kernel_id}.png"
        for needed in (sharp_path, kernel_path):
            if not needed.is_file():
                raise FileNotFoundError(
                    f"{path.name} has no ground truth {needed}; the SelfDeblur layout "
                    "keeps gt/imN.png and gt/kernelM.png beside the blurry images"
                )
        kernel = read_kernel_image(kernel_path)
        cases.append(
            BlurCase(
                image_id,
                kernel_id,
                read_image(path),
                read_image(sharp_path),
                kernel,
                _estimation_size(kernel_id, kernel),
            )
        )
    return cases


def _load_mat_layout(files: list[Path]) -> list[BlurCase]:
    from scipy.io import loadmat

    cases = []
    for path in files:
        content = loadmat(path)
        missing = [key for key in ("x", "y", "f") if key not in content]
        if missing:
            raise ValueError(
                f"{path.name} lacks the variable(s) {', '.join(missing)}; Levin's .mat files "
                "hold x (sharp), y (blurry) and f (kernel)"
            )
        image_id, kernel_id = (int(g) for g in _MAT_NAME.match(path.name).groups())
        sharp = to_unit_range(np.asarray(content["x"], dtype=np.float64), source=f"{path.name}:x")
        blurry = to_unit_range(np.clip(np.asarray(content["y"], dtype=np.float64), 0, 1), source=f"{path.name}:y")
        kernel = normalize_kernel(np.asarray(content["f"], dtype=np.float64))
        cases.append(BlurCase(image_id, kernel_id, blurry, sharp, kernel, _estimation_size(kernel_id, kernel)))
    return cases


# search range (px) for an offset between a copy's sharp and blurry images, and the margin by which the
# rotated kernel must explain the blurry image better before the loader trusts it over the stored one
ORIENTATION_SHIFT = 3
ORIENTATION_MARGIN = 0.8


def _blur_residual(blurry: np.ndarray, sharp: np.ndarray, kernel: np.ndarray) -> float:
    """Mean squared difference between ``blurry`` and ``kernel * sharp`` (our convention), best whole-pixel
    offset within ``ORIENTATION_SHIFT``, away from the boundary, where copies differ in how they padded."""
    predicted = convolve(torch.from_numpy(sharp), torch.from_numpy(kernel), mode="same").numpy()
    margin = max(kernel.shape) + ORIENTATION_SHIFT
    inner = blurry[margin:-margin, margin:-margin]
    if inner.size == 0:  # too small to tell: both orientations look alike
        return np.inf
    best = np.inf
    for dy in range(-ORIENTATION_SHIFT, ORIENTATION_SHIFT + 1):
        for dx in range(-ORIENTATION_SHIFT, ORIENTATION_SHIFT + 1):
            shifted = predicted[
                margin + dy : predicted.shape[0] - margin + dy, margin + dx : predicted.shape[1] - margin + dx
            ]
            best = min(best, float(np.mean((inner - shifted) ** 2)))
    return best


def orient_kernel(blurry: np.ndarray, sharp: np.ndarray, kernel: np.ndarray) -> tuple[np.ndarray, bool]:
    """The kernel in the convolution convention of :mod:`deblur_core.physics.blur`, and whether it was rotated.

    A published copy may store the kernel as a correlation filter (rotated by 180 degrees), and a symmetric-looking
    file cannot say which. The data can: the kernel is rotated only when the rotated one reproduces the blurry
    image from the sharp one clearly better (residual below ``ORIENTATION_MARGIN`` of the stored one's).
    """
    rotated = flip_kernel(kernel)
    keep, turn = _blur_residual(blurry, sharp, kernel), _blur_residual(blurry, sharp, rotated)
    return (rotated, True) if turn < ORIENTATION_MARGIN * keep else (kernel, False)


def load_levin(folder: str | Path) -> list[BlurCase]:
    """Load the real Levin et al. benchmark from ``folder`` (either published layout).

    Both layouts are expected to store each kernel in the convolution convention of
    :mod:`deblur_core.physics.blur`; the loader checks it on every case with
    :func:`orient_kernel` and rotates a kernel by 180 degrees, with a warning, where the
    images say the copy stored it the other way. Images are sorted by (image, kernel) number.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Levin benchmark folder {folder} does not exist")
    pngs = sorted(p for p in folder.iterdir() if _PNG_NAME.match(p.name))
    mats = sorted(p for p in folder.iterdir() if _MAT_NAME.match(p.name))
    if pngs:
        cases = _load_png_layout(folder, pngs)
    elif mats:
        cases = _load_mat_layout(mats)
    else:
        raise ValueError(
            f"{folder} matches neither Levin layout: expected imN_kernelM_img.png files with a "
            "gt/ folder (SelfDeblur's copy) or imNN_*MM.mat files with x, y, f (the original)"
        )
    oriented, rotated = [], []
    for case in cases:
        kernel, turned = orient_kernel(case.blurry, case.sharp, case.kernel)
        oriented.append(dataclasses.replace(case, kernel=kernel))
        if turned:
            rotated.append(case.name)
    if rotated:
        warnings.warn(
            f"{len(rotated)} of {len(cases)} kernels in {folder} were stored rotated by 180 degrees (correlation "
            f"filters: {', '.join(rotated[:4])}{', ...' if len(rotated) > 4 else ''}); rotated to the convolution "
            "convention",
            stacklevel=2,
        )
    return sorted(oriented, key=lambda c: (c.image_id, c.kernel_id))


def crop_case(case: BlurCase, size: int | None) -> BlurCase:
    """Centre ``size x size`` crop of a case (blurry and sharp alike; the kernel is kept).

    A crop of a blurred image is the blur of a larger sharp crop, so a cropped case is
    as consistent as the original; ``None`` returns the case unchanged.
    """
    if size is None or size >= min(case.blurry.shape):
        return case
    if size <= case.estimation_size:
        raise ValueError(f"crop {size} px is not larger than the {case.estimation_size} px kernel")
    top = (case.blurry.shape[0] - size) // 2
    left = (case.blurry.shape[1] - size) // 2
    window = (slice(top, top + size), slice(left, left + size))
    return BlurCase(
        case.image_id, case.kernel_id, case.blurry[window], case.sharp[window], case.kernel, case.estimation_size
    )
