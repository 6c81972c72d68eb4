"""Run profiles: the one place where budgets are set.

=========  ==================================================================
``smoke``  CI: every code path once, seconds to a few minutes per notebook.
``quick``  the default: a laptop CPU (2 cores), at most 10 minutes per notebook.
``long``   about an hour per notebook on 2 CPU cores, sized so that the papers' claims
           can show (paired samples enough for a bootstrap CI); results are committed
           under ``figures/long/``.
``paper``  the paper's own settings, for a GPU.
=========  ==================================================================

A notebook's ``parameters`` cell names a profile (or ``None``: then
``$DEBLUR_PROFILE``, else ``quick``) and may override single settings::

    settings = profile_settings("selfdeblur", PROFILE, iterations=800)

The ``quick`` SelfDeblur budget was sized from measured speed and convergence
(``benchmarks/selfdeblur_speed.py`` and ``benchmarks/selfdeblur_choices.py``):
see the notebook's "What quick leaves out" section.
"""

from __future__ import annotations

import os

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
            # (measured, SelfDeblur-J and -A alike), so these 16 runs fill the hour; Table 2's generators, the
            # kernel-size and the seed studies are left to quick (one case) and paper
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
            "data": "levin-like",
            "variants": ("SelfDeblur-J", "SelfDeblur-A", "SelfDeblur k−", "SelfDeblur k+", "Double-DIP"),
            "iterations": 1000,
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
            "compare_labellings": False,
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
            "compare_labellings": False,
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
            "compare_labellings": False,
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
            "seed": 0,
            "seeds": (0,),
        },
        "long": {
            # fewer, longer runs: one seed per variant, 800 steps of 4 crops each (quick: 240) on 400 pairs of
            # 25 scenes (9 photographs, each pair a random window of its picture, and 16 dead-leaves scenes),
            # tested on 3 pairs of each held-out photograph; about an hour on 2 cores
            **_JDRL_QUICK,
            "size": 160,
            "train_scenes": ("astronaut", "coffee", "rocket", "motorcycle", "retina", "moon", "gravel", "page", "text"),
            "dead_leaves": 16,
            "random_view": True,
            "pairs_per_scene": 16,
            "test_pairs": 3,
            "epochs": 8,
            "warmup_epochs": 2,
            "learning_rate": 5e-4,
            "halve_every": 3,
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
            "seed": 0,
            "seeds": (0,),
        },
    },
}


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


def profile_settings(section: str, profile: str | None = None, **overrides) -> dict:
    """Settings of ``section`` under a profile, with single settings overridden.

    The returned dict also holds ``'profile'``, the resolved profile name.

    Examples
    --------
    >>> s = profile_settings("selfdeblur", "paper", iterations=100)
    >>> s["profile"], s["iterations"], s["channels"]
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
    settings = dict(_SETTINGS[section][name])
    unknown = set(overrides) - set(settings)
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(sorted(unknown))} for {section}; known: {', '.join(sorted(settings))}"
        )
    settings.update({k: v for k, v in overrides.items() if v is not None})
    settings["profile"] = name
    return settings
