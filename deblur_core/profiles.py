"""Run profiles: the one place where budgets are set.

=========  ==================================================================
``smoke``  CI: every code path once, seconds to a few minutes per notebook.
``quick``  the default: a laptop CPU (2 cores), at most 10 minutes per notebook.
``long``   about an hour per notebook on 2 CPU cores, sized so that the papers' claims
           can show (paired samples enough for a bootstrap CI); results are committed
           under ``figures/long/``.
``paper``  the paper's own settings, for a GPU.
=========  ==================================================================

Each paper's settings are a frozen dataclass (:data:`SETTINGS_TYPES`) that builds that paper's run configurations.
A notebook's ``parameters`` cell names a profile (or ``None``: then ``$DEBLUR_PROFILE``, else ``quick``) and may
override single settings::

    settings = profile_settings("selfdeblur", PROFILE, iterations=800)
    settings.iterations, settings.run_config(kernel_size=13, seed=0, loss="paper", variant={})

The ``quick`` SelfDeblur budget was sized from measured speed and convergence
(``benchmarks/selfdeblur_speed.py`` and ``benchmarks/selfdeblur_choices.py``):
see the notebook's "What quick leaves out" section.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

PROFILES = ("smoke", "quick", "long", "paper")
PROFILE_ENV = "DEBLUR_PROFILE"
# wall-clock budget per notebook on 2 CPU cores, in minutes (None: no CPU budget; paper is for a GPU)
BUDGET_MINUTES = {"smoke": 3, "quick": 10, "long": 60, "paper": None}
DEFAULT_PROFILE = "quick"

# split by sharp image (region-selection notebook): every category in training, unseen images in test
_REGION_SPLIT = {
    "train_images": (
        "grass",
        "gravel",
        "moon",
        "hubble_deep_field",
        "brick",
        "coffee",
        "rocket",
        "motorcycle",
        "text",
        "astronaut",
    ),
    "val_images": ("coins", "page"),
    "test_images": ("camera", "chelsea"),
}
LONG_REGION_DEAD_LEAVES = 4  # synthetic training scenes (deblur_core.data.dead_leaves) that long adds

# photographs that no profile trains on: six held-out scenes, enough units for a verdict (deblur_core.stats)
_JDRL_TEST_SCENES = ("chelsea", "camera", "coins", "grass", "brick", "immunohistochemistry")
_JDRL_QUICK = {
    "size": 112,
    "crop": 80,
    "train_scenes": ("astronaut", "coffee", "rocket", "motorcycle"),
    "dead_leaves": 0,
    "random_view": False,
    "test_scenes": _JDRL_TEST_SCENES,
    "pairs_per_scene": 10,
    "test_pairs": 2,
    "max_radius": 7,
    # 14 epochs of 10 steps: the 9 runs (7 variants, the supplement's #2, the control) fit quick's 10 minutes on 2 cores
    "epochs": 14,
    "warmup_epochs": 3,
    "learning_rate": 1e-4,
    "halve_every": 7,
    "width": 16,
    "reblur_width": 16,
    "batch_size": 4,
    "output": "residual",
    "schedule": "step",
    "lr_warmup": 0.05,
    "dropout": 0.4,
    "flips": False,
    "variants": None,
    "seed": 0,
    "seeds": (0,),
}

_SETTINGS = {
    "selfdeblur": {
        # Table 1 / Table 2 on the Levin benchmark (SelfDeblur, Sec. 4.1)
        # data: "levin" (the real benchmark, fetched by deblur_core.data.fetch) or "levin-like" (the offline
        # synthetic stand-in); scale: resolution of either (0.5: 127 px images, kernels resized alike)
        "paper": {
            "data": "levin",
            "variants": ("SelfDeblur-J", "SelfDeblur-A", "SelfDeblur k−", "SelfDeblur k+", "Double-DIP"),
            "iterations": 5000,
            "channels": 128,
            "scale": 1.0,
            "crop": None,
            "cases": "all",
            "seeds": (0,),
            "seed_study": None,
            "oversize_factor": 1.5,
            "snapshot_count": 16,
            "eval_every": 100,
        },
        "long": {
            # the real benchmark at half scale, 8 cases (each image twice, each kernel once) x 1 seed = 8
            # independent paired samples per claim (the verdict rule needs >= 6). Only Table 1's two variants and
            # Table 3's classical row: on a 2-core AVX2 CPU without bf16 one 800-iteration run takes 4.3-6 min
            # (measured, SelfDeblur-J and -A alike), so these 16 runs fill the hour (with native bf16 they take about a
            # third of it: notebook 03's conclusions give the time). Table 2's generators run at these
            # settings in benchmarks/selfdeblur_table2.py (committed; notebook 03 §4 shows it); the kernel-size and
            # the seed studies are left to paper
            "data": "levin",
            "variants": ("SelfDeblur-J", "SelfDeblur-A"),
            "iterations": 800,
            "channels": 64,
            "scale": 0.5,
            "crop": None,
            "cases": [(1, 1), (2, 3), (3, 5), (4, 7), (1, 6), (2, 8), (3, 2), (4, 4)],
            "seeds": (0,),
            "seed_study": None,
            "oversize_factor": None,
            "snapshot_count": 12,
            "eval_every": 20,
        },
        "quick": {
            # Table 1's two variants at long's per-run budget: on a 2-core AVX2 CPU without bf16 one run takes about
            # 4.3 min, so Table 2's three generators would triple the notebook's time (VARIANTS adds them)
            "data": "levin-like",
            "variants": ("SelfDeblur-J", "SelfDeblur-A"),
            "iterations": 800,
            "channels": 64,
            "scale": 0.5,
            "crop": None,
            "cases": [(1, 1)],
            "seeds": (0,),
            "seed_study": None,
            "oversize_factor": None,
            "snapshot_count": 12,
            "eval_every": 20,
        },
        "smoke": {
            "data": "levin-like",
            "variants": ("SelfDeblur-J", "SelfDeblur-A", "SelfDeblur k−", "SelfDeblur k+", "Double-DIP"),
            "iterations": 12,
            "channels": 16,
            "scale": 0.5,
            "crop": 63,
            "cases": [(1, 5)],
            "seeds": (0, 1),
            "seed_study": {"cases": 1, "seeds": (0, 1, 2)},
            "oversize_factor": 1.5,
            "snapshot_count": 4,
            "eval_every": 4,
        },
    },
    "regions": {
        # region-selection paper, Sec. 3.4 (data, windows, classifier) and Sec. 4 (evaluation).
        # Images are resized to image_size; test images get their own kernel bank.
        "paper": {
            "image_size": 450,
            "window_size": 228,
            "stride": 20,
            "kernel_sizes": (11, 55),
            "kernel_count": 32,
            "test_kernel_count": 32,
            "noise": 0.005,
            "seed": 0,
            # constant-speed trajectories; "recorded-shake" for kernels closer to recorded camera shake
            "kernel_model": "trajectory",
            **_REGION_SPLIT,
            "dead_leaves": 0,
            "iterations_per_scale": 10,
            "similarity_threshold": 0.75,
            "input_size": 228,
            "width": 64,
            "blocks": (3, 4, 6, 3),
            "epochs": 20,
            "batch_size": 32,
            "learning_rate": 1e-3,
            # also train the same classifier on per-image labels (the better half of each image's windows) with the
            # same data, budget and folds, and compare the two (notebook 01, §7)
            "compare_labellings": True,
            # an integer: also cross-validate the selectors over scenes in that many folds (regions.crossval)
            "scene_folds": None,
            # also score every selector on Levin et al.'s 32 real camera-shake images (fetched; held out)
            "real_levin": True,
        },
        "quick": {
            # 8 epochs: the validation AUC stops rising after about 6 (measured on quick's own training curve)
            "image_size": 200,
            "window_size": 100,
            "stride": 25,
            "kernel_sizes": (7, 19),
            "kernel_count": 4,
            "test_kernel_count": 6,
            "noise": 0.005,
            "seed": 0,
            "kernel_model": "trajectory",
            **_REGION_SPLIT,
            "dead_leaves": 0,
            "iterations_per_scale": 10,
            "similarity_threshold": 0.75,
            "input_size": 100,
            "width": 16,
            "blocks": (3, 4, 6, 3),
            "epochs": 8,
            "batch_size": 32,
            "learning_rate": 1e-3,
            "compare_labellings": True,
            "scene_folds": None,
            "real_levin": False,
        },
        "long": {
            # quick's sizes with 2x the training kernels, 8 unseen test kernels and 4 dead-leaves training scenes;
            # two validation images (coins alone has only good windows under these kernels); every photograph
            # held out once in 3 folds, so that the claims are tested over 12 scenes. Labelling is most of the
            # hour; 8 epochs because quick's validation AUC stops rising after about 6
            "image_size": 200,
            "window_size": 100,
            "stride": 20,
            "kernel_sizes": (7, 19),
            "kernel_count": 8,
            "test_kernel_count": 8,
            "noise": 0.005,
            "seed": 0,
            "kernel_model": "trajectory",
            **_REGION_SPLIT,
            "dead_leaves": LONG_REGION_DEAD_LEAVES,
            "iterations_per_scale": 10,
            "similarity_threshold": 0.75,
            "input_size": 100,
            "width": 16,
            "blocks": (3, 4, 6, 3),
            "epochs": 8,
            "batch_size": 32,
            "learning_rate": 1e-3,
            "compare_labellings": True,
            "scene_folds": 3,
            "real_levin": True,
        },
        "smoke": {
            "image_size": 96,
            "window_size": 48,
            "stride": 24,
            "kernel_sizes": (5, 9),
            "kernel_count": 2,
            "test_kernel_count": 2,
            "noise": 0.005,
            "seed": 0,
            "kernel_model": "trajectory",
            "train_images": ("brick", "text", "astronaut"),
            "dead_leaves": 1,
            "val_images": ("coins", "page"),
            "test_images": ("camera",),
            "iterations_per_scale": 3,
            "similarity_threshold": 0.75,
            "input_size": 48,
            "width": 4,
            "blocks": (1, 1, 1, 1),
            "epochs": 2,
            "batch_size": 8,
            "learning_rate": 1e-3,
            "compare_labellings": True,
            "scene_folds": 2,
            "real_levin": False,
        },
    },
    "jdrl": {
        # JDRL Table 4 (ablation). Synthetic misaligned pairs by default; train and test scenes differ.
        "paper": {
            "size": 640,
            "crop": 512,
            "train_scenes": ("astronaut", "coffee", "rocket", "motorcycle"),
            "dead_leaves": 0,
            "random_view": False,
            "test_scenes": ("chelsea",),
            "pairs_per_scene": 30,
            "test_pairs": 10,
            "max_radius": 20,
            "epochs": 100,
            "warmup_epochs": 15,
            "learning_rate": 2e-5,
            "halve_every": 60,
            "width": 64,
            "reblur_width": 64,
            "batch_size": 1,
            "output": "sigmoid",
            "schedule": "step",
            "lr_warmup": 0.05,
            "dropout": 0.4,
            "flips": False,
            "variants": None,
            "seed": 0,
            "seeds": (0,),
        },
        "long": {
            # fewer, longer runs: one seed per variant, 64 epochs of 25 steps of 16 crops of 64 px on 400 pairs of
            # 25 scenes (9 photographs, each pair a random window of its picture, and 16 dead-leaves scenes),
            # tested on 3 pairs of each held-out photograph; about an hour on 2 cores. The recipe (many small flipped
            # crops, warm-up + cosine decay from 5e-4, no dropout) is what benchmarks/jdrl_recipes.py chose
            **_JDRL_QUICK,
            "size": 160,
            "crop": 64,
            "batch_size": 16,
            "train_scenes": ("astronaut", "coffee", "rocket", "motorcycle", "retina", "moon", "gravel", "page", "text"),
            "dead_leaves": 16,
            "random_view": True,
            "pairs_per_scene": 16,
            "test_pairs": 3,
            "epochs": 64,
            "warmup_epochs": 10,
            "learning_rate": 5e-4,
            "schedule": "cosine",
            "dropout": 0.0,
            "flips": True,
            # #5's unconstrained per-pixel kernels have no ring-sum fast path: 34 s per epoch here against the final
            # model's 5, more than all other variants together; quick and paper train it
            "variants": (
                "#1 baseline",
                "#2 w/o cycle deformation",
                "#3 w/o calibration mask",
                "#4 w/o reblurring",
                "#6 w/o weight prediction",
                "final",
            ),
        },
        "quick": _JDRL_QUICK,
        "smoke": {
            "size": 48,
            "crop": 40,
            "train_scenes": ("astronaut", "coffee"),
            "dead_leaves": 0,
            "random_view": False,
            "test_scenes": ("chelsea",),
            "pairs_per_scene": 2,
            "test_pairs": 1,
            "max_radius": 3,
            "epochs": 2,
            "warmup_epochs": 1,
            "learning_rate": 1e-3,
            "halve_every": 12,
            "width": 2,
            "reblur_width": 4,
            "batch_size": 2,
            "output": "residual",
            "schedule": "cosine",
            "lr_warmup": 0.05,
            "dropout": 0.0,
            "flips": True,
            "variants": None,
            "seed": 0,
            "seeds": (0,),
        },
    },
}


@dataclass(frozen=True)
class SelfDeblurSettings:
    """One profile of notebook 03 (SelfDeblur, Tables 1-3): data, budget and runs.

    ``data`` is ``"levin"`` (the real benchmark, fetched) or ``"levin-like"`` (the offline stand-in) at ``scale``;
    ``crop`` a centre crop side or ``None``; ``cases`` ``(image, kernel)`` pairs or ``"all"``; ``seed_study``
    ``{"cases": n, "seeds": (...)}`` or ``None``; ``oversize_factor`` the over-estimated kernel size's factor or
    ``None``.
    """

    profile: str
    data: str
    variants: tuple[str, ...]
    iterations: int
    channels: int
    scale: float
    crop: int | None
    cases: tuple[tuple[int, int], ...] | str
    seeds: tuple[int, ...]
    seed_study: dict | None
    oversize_factor: float | None
    snapshot_count: int
    eval_every: int

    def run_config(self, kernel_size: int, seed: int, loss: str, variant: dict):
        """The :class:`~deblur_core.selfdeblur.optimisation.SelfDeblurConfig` of one run: a variant (an entry of
        :data:`deblur_core.selfdeblur.experiment.VARIANTS`) with a ``kernel_size`` kernel under this profile."""
        from .selfdeblur.optimisation import SelfDeblurConfig

        return SelfDeblurConfig(
            kernel_size=(kernel_size, kernel_size),
            iterations=self.iterations,
            channels=self.channels,
            seed=seed,
            loss=loss,
            snapshot_count=self.snapshot_count,
            eval_every=self.eval_every,
            **variant,
        )


@dataclass(frozen=True)
class RegionSettings:
    """One profile of notebook 01 (region selection): images, windows, kernels, labels and the classifier."""

    profile: str
    image_size: int
    window_size: int
    stride: int
    kernel_sizes: tuple[int, int]
    kernel_count: int
    test_kernel_count: int
    noise: float
    seed: int
    kernel_model: str
    train_images: tuple[str, ...]
    val_images: tuple[str, ...]
    test_images: tuple[str, ...]
    dead_leaves: int
    iterations_per_scale: int
    similarity_threshold: float
    input_size: int
    width: int
    blocks: tuple[int, ...]
    epochs: int
    batch_size: int
    learning_rate: float
    compare_labellings: bool
    scene_folds: int | None
    real_levin: bool

    def classifier_config(self, seed: int):
        """The :class:`~deblur_core.regions.training.ClassifierTrainingConfig` of this profile's classifier."""
        from .regions.training import ClassifierTrainingConfig

        return ClassifierTrainingConfig(
            input_size=self.input_size,
            width=self.width,
            blocks=tuple(self.blocks),
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            seed=seed,
        )


@dataclass(frozen=True)
class JDRLSettings:
    """One profile of notebook 02 (JDRL, Table 4): pairs, scenes and training."""

    profile: str
    size: int
    crop: int
    train_scenes: tuple[str, ...]
    dead_leaves: int
    random_view: bool
    test_scenes: tuple[str, ...]
    pairs_per_scene: int
    test_pairs: int
    max_radius: float
    epochs: int
    warmup_epochs: int
    learning_rate: float
    halve_every: int
    width: int
    reblur_width: int
    batch_size: int
    output: str
    schedule: str
    lr_warmup: float
    dropout: float
    flips: bool
    variants: tuple[str, ...] | None  # Table 4's variants this profile trains; None: all of them
    seed: int
    seeds: tuple[int, ...]

    def __post_init__(self):
        from .jdrl.training import VARIANTS

        if self.variants is not None:
            unknown = sorted(set(self.variants) - set(VARIANTS))
            if unknown or not {"final", "#1 baseline"} <= set(self.variants):
                raise ValueError(
                    f"variants must name Table 4's variants ({', '.join(VARIANTS)}) and include final and "
                    f"#1 baseline; got unknown {unknown} in {self.variants}"
                )

    def variants_trained(self) -> dict:
        """The :data:`~deblur_core.jdrl.training.VARIANTS` this profile trains, in Table 4's order."""
        from .jdrl.training import VARIANTS

        return {name: v for name, v in VARIANTS.items() if self.variants is None or name in self.variants}

    def training_config(self, seed: int):
        """The :class:`~deblur_core.jdrl.training.JDRLConfig` of this profile's runs under ``seed``."""
        from .jdrl.training import JDRLConfig

        return JDRLConfig(
            width=self.width,
            reblur_width=self.reblur_width,
            epochs=self.epochs,
            warmup_epochs=self.warmup_epochs,
            learning_rate=self.learning_rate,
            halve_every=self.halve_every,
            crop=self.crop,
            batch_size=self.batch_size,
            output=self.output,
            schedule=self.schedule,
            lr_warmup=self.lr_warmup,
            dropout=self.dropout,
            flips=self.flips,
            seed=seed,
        )


SETTINGS_TYPES = {"selfdeblur": SelfDeblurSettings, "regions": RegionSettings, "jdrl": JDRLSettings}


def sections_with(profile: str) -> list[str]:
    """The sections (notebooks) that define ``profile``."""
    return [section for section, by_profile in _SETTINGS.items() if profile in by_profile]


def resolve_profile(profile: str | None = None) -> str:
    """``profile``, else ``$DEBLUR_PROFILE``, else ``'quick'``; checked against :data:`PROFILES`."""
    name = profile or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ValueError(
            f"unknown profile {name!r}; use one of {', '.join(PROFILES)} "
            f"(set by the notebook parameter PROFILE or ${PROFILE_ENV})"
        )
    return name


def profile_settings(section: str, profile: str | None = None, **overrides):
    """The typed settings of ``section`` (:data:`SETTINGS_TYPES`) under a profile, with single settings overridden.

    An override of ``None`` leaves the profile's value, so that a notebook parameter left at ``None`` means "the
    profile's"; to set a field to ``None`` (no crop, no cross-validation), use :func:`dataclasses.replace` on the
    result.

    Examples
    --------
    >>> s = profile_settings("selfdeblur", "paper", iterations=100)
    >>> s.profile, s.iterations, s.channels
    ('paper', 100, 128)
    """
    if section not in _SETTINGS:
        raise ValueError(f"unknown section {section!r}; known: {', '.join(_SETTINGS)}")
    name = resolve_profile(profile)
    if name not in _SETTINGS[section]:
        raise ValueError(
            f"profile {name!r} is not defined for {section} yet; use one of "
            f"{', '.join(p for p in PROFILES if p in _SETTINGS[section])}"
        )
    kind = SETTINGS_TYPES[section]
    known = {f.name for f in fields(kind)} - {"profile"}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(sorted(unknown))} for {section}; known: {', '.join(sorted(known))}"
        )
    values = {**_SETTINGS[section][name], **{k: v for k, v in overrides.items() if v is not None}}
    if isinstance(values.get("variants"), list):
        values["variants"] = tuple(values["variants"])
    if isinstance(values.get("cases"), list):
        values["cases"] = tuple(tuple(case) for case in values["cases"])
    return kind(profile=name, **values)
