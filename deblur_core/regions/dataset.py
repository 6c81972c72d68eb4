"""Blurry training and test images for region selection (region-selection paper, Sec. 3.4).

The paper blurs 30 sharp images (natural, man-made, text, face) with 32 camera-shake
kernels of 11-55 px and adds Gaussian noise: 960 blurry images. Here the sharp images
come from the bundled corpus (:mod:`deblur_core.data.corpus`) and the kernels from
:func:`~deblur_core.kernels.random_motion_kernel` (``kernel_model="trajectory"``, the default) or
:func:`~deblur_core.kernels.recorded_shake_kernel` (``"recorded-shake"``: camera speed varying along
the path, as in recorded shake; :data:`deblur_core.data.levin.KERNEL_MODELS`):

* each sharp image is cut to a centred square and resized to ``image_size``;
* one **kernel bank** (``kernel_count`` kernels, sizes spread evenly over
  ``kernel_sizes``) blurs every training and validation image, as in the paper; test
  images get a second bank drawn from another seed, so the test measures both unseen
  images and unseen kernels;
* blurring is a 'valid' convolution of a slightly larger crop (no boundary artefact),
  then Gaussian noise of standard deviation ``noise`` (0.005: the text copy of the
  paper loses its value; this is the Levin-like benchmark's) and 8-bit rounding;
* the split is **by sharp image**: no test image, blurred by any kernel, was seen in
  training;
* ``dead_leaves`` synthetic scenes (:mod:`deblur_core.data.dead_leaves`, made at the
  size needed) join the training images only (:func:`training_images`): more scenes to
  learn from, while validation and test stay photographs.

Examples
--------
>>> examples = make_examples(["text"], "train", image_size=48, kernel_sizes=(5, 9), kernel_count=2)
>>> [(e.name, e.blurry.shape, e.kernel.shape) for e in examples]
[('text_k1', (48, 48), (5, 5)), ('text_k2', (48, 48), (9, 9))]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.corpus import SYNTHETIC, image_category, load_bundled
from ..data.dead_leaves import dead_leaves, scene_names, scene_seed
from ..data.io import fit_to_shape
from ..data.levin import blur_and_quantise, kernel_model_function
from ..profiles import RegionSettings

SPLITS = ("train", "val", "test")
TEST_BANK_OFFSET = 7919  # test kernels come from a different seed than training kernels


@dataclass(frozen=True)
class BlurryExample:
    """One sharp image blurred by one kernel, with its place in the split."""

    image_name: str
    category: str
    split: str
    kernel_id: int
    blurry: np.ndarray
    sharp: np.ndarray
    kernel: np.ndarray

    @property
    def name(self) -> str:
        return f"{self.image_name}_k{self.kernel_id}"


def kernel_bank(count: int, sizes: tuple[int, int], seed: int, kernel_model: str = "trajectory") -> list[np.ndarray]:
    """``count`` camera-shake kernels of ``kernel_model`` with odd sizes spread evenly from ``sizes[0]``
    to ``sizes[1]``.

    >>> [k.shape[0] for k in kernel_bank(4, (11, 55), seed=0)]
    [11, 25, 41, 55]
    """
    low, high = sizes
    if low % 2 == 0 or high % 2 == 0 or low > high or low < 3:
        raise ValueError(f"kernel sizes must be odd, at least 3 and increasing, got {sizes}")
    if count < 1:
        raise ValueError(f"kernel_count must be at least 1, got {count}")
    spread = np.linspace(low, high, count) if count > 1 else np.array([high])
    odd = [int(2 * round((s - 1) / 2) + 1) for s in spread]
    draw = kernel_model_function(kernel_model)
    return [draw(size, seed=seed * 1000 + index) for index, size in enumerate(odd)]


def make_examples(
    image_names,
    split: str,
    *,
    image_size: int,
    kernel_sizes: tuple[int, int],
    kernel_count: int,
    noise: float = 0.005,
    seed: int = 0,
    kernel_model: str = "trajectory",
) -> list[BlurryExample]:
    """Blur each named corpus image with each kernel of the split's bank (deterministic)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    categories = [image_category(name) for name in image_names]
    bank_seed = seed + (TEST_BANK_OFFSET if split == "test" else 0)
    kernels = kernel_bank(kernel_count, kernel_sizes, bank_seed, kernel_model)
    margin = max(k.shape[0] for k in kernels) // 2
    examples = []
    for image_index, (name, category) in enumerate(zip(image_names, categories)):
        large = _sharp_square(name, category, image_size + 2 * margin)
        sharp = large[margin : margin + image_size, margin : margin + image_size]
        for kernel_id, kernel in enumerate(kernels, start=1):
            r = kernel.shape[0] // 2
            support = large[margin - r : margin + image_size + r, margin - r : margin + image_size + r]
            rng = np.random.default_rng([seed, image_index, kernel_id, SPLITS.index(split)])
            examples.append(
                BlurryExample(
                    name, category, split, kernel_id, blur_and_quantise(support, kernel, noise, rng), sharp, kernel
                )
            )
    return examples


def _sharp_square(name: str, category: str, side: int) -> np.ndarray:
    if category == SYNTHETIC:
        return dead_leaves(side, scene_seed(name))
    return fit_to_shape(load_bundled(name), (side, side))


def training_images(settings: RegionSettings) -> list[str]:
    """The training images of ``profile_settings('regions')``: its photographs, then its
    ``dead_leaves`` synthetic scenes."""
    return list(settings.train_images) + scene_names(settings.dead_leaves)


def check_split_by_image(settings: RegionSettings) -> None:
    """Raise unless the training, validation and test images of ``profile_settings('regions')`` are
    disjoint, the test list is not empty, validation has at least 2 images, and validation and test are photographs.

    Two validation images give the validation AUC a chance of seeing both classes: one image's windows can all be
    good (coins, under ``long``'s kernels).
    """
    if not settings.test_images:
        raise ValueError("test_images is empty; name at least one sharp image for the test split")
    overlap = set(settings.train_images) & (set(settings.val_images) | set(settings.test_images))
    overlap |= set(settings.val_images) & set(settings.test_images)
    if overlap:
        raise ValueError(
            f"image(s) {', '.join(sorted(overlap))} appear in more than one split; the split must be by sharp image"
        )
    if len(settings.val_images) < 2:
        raise ValueError(
            f"val_images has {len(settings.val_images)} image(s); name at least 2, so that the validation "
            "windows can hold both classes"
        )
    synthetic = [n for n in (*settings.val_images, *settings.test_images) if image_category(n) == SYNTHETIC]
    if synthetic:
        raise ValueError(f"{', '.join(synthetic)}: synthetic scenes may only train; validate and test on photographs")


def split_examples(settings: RegionSettings) -> dict[str, list[BlurryExample]]:
    """Training, validation and test examples of ``profile_settings('regions')``."""
    check_split_by_image(settings)
    names = {"train": training_images(settings), "val": settings.val_images, "test": settings.test_images}
    return {split: split_bank(settings, names[split], split) for split in SPLITS}


def split_bank(settings: RegionSettings, image_names, split: str) -> list[BlurryExample]:
    """``image_names`` blurred by the kernel bank of ``split`` as ``profile_settings('regions')``
    defines it (the test bank for ``"test"``, the training bank otherwise)."""
    return make_examples(
        image_names,
        split,
        image_size=settings.image_size,
        kernel_sizes=tuple(settings.kernel_sizes),
        kernel_count=settings.test_kernel_count if split == "test" else settings.kernel_count,
        noise=settings.noise,
        seed=settings.seed,
        kernel_model=settings.kernel_model,
    )


def levin_examples(image_size: int, folder=None, images=None) -> tuple[list[BlurryExample], str]:
    """Levin et al.'s 32 real camera-shake images as held-out test examples, and a label naming the data.

    The 255 px images (and their recorded kernels) are resized to about ``image_size`` px, so that kernels
    and windows keep the proportions the selectors were trained on (:func:`deblur_core.data.levin.rescale_case`).
    ``folder`` is where the benchmark is or is fetched to (:func:`deblur_core.data.fetch.fetch_levin`); ``images``
    keeps only those sharp images (ids 1-4), every kernel of each. Never use
    these images for training or tuning: they are the companion's only real test of the selectors.
    """
    from ..data.levin import LEVIN_IMAGE_SIZE, load_benchmark

    cases, label = load_benchmark("levin", scale=min(1.0, image_size / LEVIN_IMAGE_SIZE), folder=folder)
    examples = [
        BlurryExample(f"im{c.image_id}", "Levin et al.", "test", c.kernel_id, c.blurry, c.sharp, c.kernel)
        for c in cases
        if images is None or c.image_id in images
    ]
    if not examples:
        raise ValueError(f"no Levin image among {sorted(images)}; the benchmark's images are 1, 2, 3 and 4")
    return examples, label
