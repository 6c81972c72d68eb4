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

from ..cache import cache_key, memoise
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

    def arrays():
        cases = generate_levin_like(seed, scale=scale, kernel_model=kernel_model)
        saved = {f"{case.name}_blurry": case.blurry for case in cases}
        saved.update({f"im{case.image_id}_sharp": case.sharp for case in cases})
        saved.update({f"kernel{case.kernel_id}": case.kernel for case in cases})
        return saved

    identity = {"seed": int(seed), "scale": float(scale), "kernel_model": kernel_model}
    saved = memoise(Path(cache_dir) / f"levin_like_{cache_key(LEVIN_LIKE_VERSION, identity)}.npz", arrays)
    return [
        BlurCase(
            i, k, saved[f"im{i}_kernel{k}_blurry"], saved[f"im{i}_sharp"], saved[f"kernel{k}"], estimation_sizes[k - 1]
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


# the rotated kernel must explain a kernel file's images better by this factor (geometric mean of the residual
# ratios over every image blurred with it) before the loader trusts it over the stored orientation
ORIENTATION_MARGIN = 0.8


def blur_residual(blurry: np.ndarray, sharp: np.ndarray, kernel: np.ndarray) -> float:
    """Mean squared difference between ``blurry`` and ``kernel * sharp`` (our convention) at the best whole-pixel
    offset.

    Offsets up to half the kernel's side are searched, because published kernels are not always centred
    (Levin's kernel 6 sits 4-5 px off centre). Only the interior is compared, where copies that padded their
    boundaries differently agree. ``inf`` where the image is too small to leave an interior.
    """
    reach = max(kernel.shape) // 2
    margin = max(kernel.shape) + reach
    if min(blurry.shape) <= 2 * margin:
        return float("inf")
    from scipy.signal import correlate

    # float32 blurs several times faster, and its rounding is far below the residuals compared
    predicted = convolve(torch.from_numpy(sharp).float(), torch.from_numpy(kernel).float(), "same").double().numpy()
    inner = blurry[margin:-margin, margin:-margin]
    region = predicted[
        margin - reach : predicted.shape[0] - margin + reach, margin - reach : predicted.shape[1] - margin + reach
    ]
    # every offset at once: |inner - shifted|^2 = |inner|^2 - 2 <inner, shifted> + |shifted|^2
    cross = correlate(region, inner, mode="valid", method="fft")
    energy = correlate(region**2, np.ones_like(inner), mode="valid", method="fft")
    squared_error = np.sum(inner**2) - 2 * cross + energy
    return max(float(squared_error.min()), 0.0) / inner.size


def orientation_ratios(cases: list[BlurCase]) -> dict[int, list[float]]:
    """Per kernel id, the residual of the 180-degree-rotated kernel over the stored one's, for each of its images
    (:func:`blur_residual`): below 1, the rotation explains that image better."""
    ratios: dict[int, list[float]] = {}
    for case in cases:
        keep = blur_residual(case.blurry, case.sharp, case.kernel)
        turn = blur_residual(case.blurry, case.sharp, flip_kernel(case.kernel))
        ratios.setdefault(case.kernel_id, []).append(turn / keep if np.isfinite(keep) and keep > 0 else 1.0)
    return ratios


def kernel_orientations(cases: list[BlurCase]) -> dict[int, bool]:
    """Whether each kernel file is stored rotated by 180 degrees (a correlation filter), decided once per file.

    One file blurs several images, so the decision pools them: the kernel is rotated when the geometric mean of
    its :func:`orientation_ratios` is below ``ORIENTATION_MARGIN``. Every image of one kernel then gets the same
    kernel, which a per-image decision did not guarantee for nearly symmetric kernels.
    """
    return {
        kernel_id: bool(np.exp(np.mean(np.log(values))) < ORIENTATION_MARGIN)
        for kernel_id, values in orientation_ratios(cases).items()
    }


def load_levin(folder: str | Path) -> list[BlurCase]:
    """Load the real Levin et al. benchmark from ``folder`` (either published layout).

    A published copy may store a kernel in the convolution convention of :mod:`deblur_core.physics.blur` or
    rotated by 180 degrees, and SelfDeblur's copy mixes both (kernels 2, 5, 6 and 7 rotated, 4 and 8 not). The
    loader decides once per kernel file from every image that uses it (:func:`kernel_orientations`) and rotates
    the files stored the other way, with a warning naming them. Images are sorted by (image, kernel) number.
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
    rotated = sorted(kernel_id for kernel_id, turned in kernel_orientations(cases).items() if turned)
    oriented = [
        dataclasses.replace(case, kernel=flip_kernel(case.kernel)) if case.kernel_id in rotated else case
        for case in cases
    ]
    if rotated:
        warnings.warn(
            f"kernel file(s) {', '.join(map(str, rotated))} of {Path(folder).name}/ are stored rotated by 180 degrees "
            "(correlation filters); rotated to the convolution convention",
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


def rescale_kernel(kernel: np.ndarray, factor: float, size: int) -> np.ndarray:
    """``kernel`` as it acts on an image resized by ``factor``: an odd ``size x size`` kernel, centre on centre.

    Each new tap integrates the old taps that fall into it (a Gaussian pre-filter of ``0.5 / factor`` px for
    ``factor < 1``, then linear sampling at the new tap centres), so the blur keeps its shape and total weight.
    """
    from scipy import ndimage

    if size % 2 == 0:
        raise ValueError(f"rescaled kernel size must be odd, got {size}")
    smooth = ndimage.gaussian_filter(kernel, sigma=0.5 / factor, mode="constant") if factor < 1 else kernel
    centre_in = (np.asarray(kernel.shape) - 1) / 2
    offsets = np.arange(size) - (size - 1) / 2
    rows, cols = np.meshgrid(offsets / factor + centre_in[0], offsets / factor + centre_in[1], indexing="ij")
    sampled = ndimage.map_coordinates(smooth, [rows, cols], order=1, mode="constant")
    return normalize_kernel(np.clip(sampled, 0, None))


def rescale_case(case: BlurCase, scale: float) -> BlurCase:
    """A real benchmark case at ``scale`` of its resolution, as :func:`levin_like_sizes` sizes the stand-in.

    The blurry and sharp images are resized with anti-aliasing (255 -> 127 px at ``scale=0.5``) and the kernel
    by the same factor (:func:`rescale_kernel`); the estimation size is SelfDeblur's scaled as for the stand-in.
    Downsampling averages the camera noise down too, so the half-scale set is a little cleaner than the original.
    ``scale=1`` returns the case unchanged.
    """
    if scale == 1.0:
        return case
    from skimage.transform import resize

    _, _, estimation_sizes = levin_like_sizes(scale)
    height, width = (int(n * scale) // 2 * 2 + 1 for n in case.blurry.shape)
    factor = height / case.blurry.shape[0]

    def shrink(image):
        return np.clip(resize(image, (height, width), anti_aliasing=True, order=3), 0, 1)

    size = _scaled_odd(max(case.kernel.shape), factor)
    estimation = (
        estimation_sizes[case.kernel_id - 1]
        if 1 <= case.kernel_id <= len(SELFDEBLUR_KERNEL_SIZES)
        else _scaled_odd(case.estimation_size, factor)
    )
    return BlurCase(
        case.image_id,
        case.kernel_id,
        shrink(case.blurry),
        shrink(case.sharp),
        rescale_kernel(case.kernel, factor, size),
        min(estimation, size),
    )


BENCHMARKS = ("levin", "levin-like")


def load_benchmark(
    data: str,
    *,
    scale: float = 1.0,
    folder: str | Path | None = None,
    cache_dir: str | Path | None = None,
    kernel_model: str = "trajectory",
) -> tuple[list[BlurCase], str]:
    """The 32 cases of a Levin benchmark at ``scale``, and a label naming the data for tables and figures.

    ``data="levin"`` is the real benchmark: read from ``folder`` when it holds Levin's original ``.mat`` files,
    else fetched into ``folder`` (or the default cache, :func:`deblur_core.data.fetch.fetch_levin`) and read with
    :func:`load_levin`, then resized with :func:`rescale_case`. ``data="levin-like"`` is the offline stand-in of
    :func:`levin_like_benchmark` (``kernel_model`` picks its kernels).
    """
    if data not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {data!r}; use one of {', '.join(BENCHMARKS)}")
    at = "full resolution" if scale == 1.0 else f"scale {scale:.2g}"
    if data == "levin-like":
        model = "" if kernel_model == "trajectory" else f", {kernel_model} kernels"
        cases = levin_like_benchmark(cache_dir, scale=scale, kernel_model=kernel_model)
        return cases, f"Levin-like synthetic stand-in ({at}{model})"
    from .fetch import fetch_levin

    original = folder is not None and any(_MAT_NAME.match(p.name) for p in Path(folder).glob("*.mat"))
    cases = load_levin(folder if original else fetch_levin(folder))
    cases = [rescale_case(case, scale) for case in cases]
    return cases, f"real Levin et al. 2009 ({at}, {cases[0].blurry.shape[0]} px)"
