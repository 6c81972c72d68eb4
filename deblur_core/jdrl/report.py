"""Notebook 02's report: its figures, tables and printed findings (JDRL Sec. 4.4, Table 4, Figs. 1, 4, 8, 12, 13).

The notebook holds the story and one call per figure or table; the drawing, the table building and the sentences
live here, one function per notebook section:

* §1 :func:`settings_line`, :func:`data_line`, :func:`misaligned_pair_figure` (Fig. 1/5);
* §2 :func:`isotropic_kernels_figure` (Fig. 4);
* §3 :func:`calibration_flows`, :func:`calibration_masks_figure` (Fig. 13), :func:`calibration_mask_table`,
  :func:`mask_takeaway`;
* §4 :func:`training_seconds_table`, :func:`training_runs_lines`, :func:`training_curves_figure`,
  :func:`loss_change_line`;
* §5 :func:`ablation_table` (Table 4), :func:`table4_claims`, :func:`verdict_grid`, :func:`readable_claims`,
  :func:`claim_takeaways`;
* §6 :func:`most_misaligned`, :func:`movement_table`, :func:`baseline_deformation_figure` (Fig. 8),
  :func:`movement_takeaway`;
* §7 :func:`noise_floor`, :func:`reblurring_figure` (Fig. 12), :func:`reblurring_takeaway`;
* §8 :func:`explorer` (the widgets) and the figures it redraws;
* §9 :func:`conclusion_lines`, :func:`timing_line`, :func:`findings_markdown`;
* the solutions: :func:`aligned_psnr`, :func:`reblurring_difference_figure`, :func:`reblurring_edges_line`.

Everything reads the run's own results; nothing is typed in by hand but the paper's reference numbers
(:data:`PAPER_TABLE4`), which stay next to the claims that use them. Saving stays with the notebook
(:func:`deblur_core.storage.save_figure`, :func:`~deblur_core.storage.save_table`). Every ``tag`` is the profile in
square brackets (``"[quick]"``) that ends each title and starts each printed line.

Examples
--------
>>> paper_difference("final > #1 baseline", "PSNR")
'+1.2'
>>> paper_difference("final > blurry input", "PSNR")
'not reported'
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure

from ..metrics import psnr
from ..plotting import busiest_box, crop_box, integer_epochs, largest_box, mark_box, show_image, show_mask
from ..profiles import JDRLSettings
from ..stats import READING, UNITS_FOR_OURS, UNITS_FOR_PAPER, with_readings
from ..tables import claims_markdown, formatted, interval_text, profiles_table
from .data import scene_of
from .evaluation import (
    BORDER,
    deblur_images,
    deform_ground_truth,
    evaluate_outputs,
    output_displacement,
    relative_sharpness,
)
from .experiment import BASELINE, CONTROL, FINAL, INPUT, ablation_comparisons
from .flow import DEFAULT_LAMBDA, calibration_mask, estimate_flow, flow_key, flow_picture, mask_keep_fraction
from .reblurring import isotropic_kernel
from .tensors import images_to_tensor, tensor_to_images

# JDRL Table 4 (SDD test set): PSNR, SSIM, MAE, LPIPS per variant
PAPER_TABLE4 = {
    "#1 baseline": (24.62, 0.758, 0.0360, 0.344),
    "#2 w/o cycle deformation": (24.80, 0.758, 0.0353, 0.347),
    "#3 w/o calibration mask": (25.78, 0.780, 0.0326, 0.309),
    "#4 w/o reblurring": (25.58, 0.777, 0.0335, 0.311),
    "#5 w/o isotropic design": (25.68, 0.778, 0.0329, 0.311),
    "#6 w/o weight prediction": (25.74, 0.778, 0.0330, 0.332),
    "final": (25.82, 0.783, 0.0320, 0.305),
}
PAPER_METRICS = ("PSNR", "SSIM", "MAE", "LPIPS")

NOT_COVERED = """\
**What this notebook does not cover, and why.**
JDRL's Table 1 (JDRL applied to other defocus-deblurring networks) and Tables 2-3 (SDD and DPDD test sets against
published methods): the networks' weights and the data sets cannot be fetched here, and a 2-core CPU could not train
them; pass `SDD_DIR` or `DPDD_DIR` to run this table on a real data set. LPIPS: its network weights cannot be
downloaded offline. PWC-Net: DIS optical flow stands in for it, in training and in the evaluation protocol. The
paper's budget (a 64-wide UNet, 100 epochs on 4,830 patches of 512 px) is the `paper` profile's, for a GPU."""


def paper_table(index) -> pd.DataFrame:
    """The paper's Table 4 as a frame (rows ``index``: variants without a paper row get NaN)."""
    return pd.DataFrame(PAPER_TABLE4, index=list(PAPER_METRICS)).T.reindex(index)


def paper_difference(claim: str, metric: str) -> str:
    """``final`` minus the other variant in the paper's Table 4, oriented like ours (positive favours final)."""
    other = claim.removeprefix("final > ")
    if other not in PAPER_TABLE4:
        return "not reported"
    column = PAPER_METRICS.index(metric)
    difference = PAPER_TABLE4[FINAL][column] - PAPER_TABLE4[other][column]
    return f"{difference if metric != 'MAE' else -difference:+.4g}"


# §1 The misalignment problem


def settings_line(settings: JDRLSettings, seeds, device: str, figures, tag: str, precision: str = "float32") -> str:
    """The run's data size, network, budget, seeds and device, and where its figures go (notebook's first cell).

    Parameters
    ----------
    settings : JDRLSettings
        The profile's settings (:func:`deblur_core.profiles.profile_settings`).
    seeds : sequence of int
        The training seeds.
    device : str
        The device's type (``"cpu"``, ``"cuda"``).
    figures : path
        The folder of the figures and tables, as the reader should see it (relative to the repository).
    tag : str
        The profile in square brackets.
    precision : str
        The UNet's precision as it resolves on this machine (:class:`deblur_core.device.Precision` ``.name``).

    Returns
    -------
    str
        One printed line.
    """
    return f"{tag} {settings_text(settings, seeds)}; device {device}, {precision}; figures -> {figures}"


def settings_text(settings: JDRLSettings, seeds) -> str:
    """The run's data size, network, budget and seeds in words, from the profile and ``seeds`` alone (the settings
    part of :func:`settings_line`; a test re-renders it for each executed copy)."""
    schedule = (
        f"halved every {settings.halve_every} epochs" if settings.schedule == "step" else f"{settings.schedule} decay"
    )
    return (
        f"{settings.size} px pairs, batches of {settings.batch_size} crops of {settings.crop} px"
        f"{', flipped' if settings.flips else ''}, UNet width {settings.width} ({settings.output} output, dropout "
        f"{settings.dropout:g}), reblurring width {settings.reblur_width}, {settings.epochs} epochs "
        f"({settings.warmup_epochs} warm-up), lr {settings.learning_rate:g} {schedule}, seeds {list(seeds)}"
    )


def _scope_row(settings: JDRLSettings) -> dict[str, str]:
    from .training import VARIANTS

    photographs = len(settings.train_scenes)
    pairs = (photographs + settings.dead_leaves) * settings.pairs_per_scene
    steps = settings.epochs * -(-pairs // settings.batch_size)
    left_out = [name for name in VARIANTS if name not in settings.variants_trained()]
    return {
        "training pairs": f"{pairs:,} of {settings.size} px from {photographs} photographs"
        + (f" and {settings.dead_leaves} dead-leaves scenes" if settings.dead_leaves else "")
        + (", each a random window of its picture" if settings.random_view else ""),
        "test pairs": f"{settings.test_pairs} of each of {len(settings.test_scenes)} held-out photograph(s)",
        "defocus": f"discs up to {settings.max_radius} px",
        "network": f"UNet width {settings.width}, {settings.output} output; reblurring width {settings.reblur_width}",
        "budget per run": f"{steps:,} steps of {settings.batch_size} crop(s) of {settings.crop} px "
        f"({settings.epochs} epochs, {settings.warmup_epochs} of warm-up)",
        "variants": "all of Table 4" if not left_out else f"all but {', '.join(left_out)}",
        "seeds": ", ".join(map(str, settings.seeds)),
    }


def scope_markdown(profiles: dict) -> str:
    """What each profile trains beside ``paper``, rendered from the profiles themselves (notebook 02, §9).

    Parameters
    ----------
    profiles : dict
        Profile name -> ``profile_settings('jdrl', name)``, ``paper`` among them.

    Returns
    -------
    str
        Markdown: a heading, a table with one column per profile, and what the synthetic data cannot stand in for.
    """
    rows = profiles_table({name: _scope_row(settings) for name, settings in profiles.items()})
    return "\n".join(
        [
            "### What each profile trains, and what the paper did",
            "",
            *rows,
            "",
            "The `paper` column keeps the paper's network and schedule on the synthetic pairs; the paper itself "
            "trains on 4,830 SDD patches of 512 px and tests on 35 images of 4096 × 2160 px. Dead-leaves scenes "
            "follow Achddou et al. (*Synthetic images as a regularity prior for image restoration neural networks*, "
            "SSVM 2021). The synthetic misalignment (zoom, shift, slight rotation) follows SDD's description but is "
            "cleaner than a real camera's, and the defocus is milder than SDD's. The CPU profiles use a residual "
            "output head where the paper has a sigmoid (§4; `benchmarks/jdrl_training_choices.py` measures both), and "
            "`long` the recipe `benchmarks/jdrl_recipes.py` chose. A profile that leaves out #5 does so because its "
            "unconstrained per-pixel kernels have no fast path and cost more than all the other variants together. "
            "The control (#1 trained on the exact aligned sharp images) exists only on synthetic data: no camera "
            "gives them.",
        ]
    )


def data_line(train_pairs, test_pairs, source: str, settings: JDRLSettings, tag: str) -> str:
    """What the run trains and tests on, and how many training steps each run takes (notebook §1).

    Parameters
    ----------
    train_pairs, test_pairs : sequences of pairs
        :class:`~.data.MisalignedPair` or :class:`~deblur_core.data.paired.RealPair`, with ``name`` and
        ``blurry`` (all test images of one shape).
    source : str
        The data set in words (``"synthetic misaligned pairs"``, ``"SDD (folder)"``).
    settings : JDRLSettings
        The profile's settings: its epochs and batch size give the steps (a last partial batch included).
    tag : str
        The profile in square brackets.

    Returns
    -------
    str
        One printed line.
    """
    train_scenes = {scene_of(p.name) for p in train_pairs}
    test_scenes = {scene_of(p.name) for p in test_pairs}
    height, width = test_pairs[0].blurry.shape[:2]
    steps = settings.epochs * -(-len(train_pairs) // settings.batch_size)
    return (
        f"{tag} {source}: {len(train_pairs)} training pairs of {len(train_scenes)} scenes "
        f"({sum(s.startswith('dead-leaves') for s in train_scenes)} of them dead leaves), {len(test_pairs)} test pairs "
        f"of {len(test_scenes)} held-out scenes ({', '.join(sorted(test_scenes))}), {height} x {width} px; "
        f"{steps} training steps of {settings.batch_size} crops per run"
    )


def misaligned_pair_figure(pair, source: str, tag: str) -> Figure:
    """One pair: the blurry input, its misaligned sharp image and, on synthetic pairs, the misalignment, the
    aligned sharp image and the true flow (notebook §1; JDRL Figs. 1 and 5).

    Parameters
    ----------
    pair : MisalignedPair or RealPair
        A real pair has no aligned sharp image nor flow: its last three panels stay empty.
    source : str
        The data set in words, for the title.
    tag : str
        The profile in square brackets.

    Returns
    -------
    matplotlib.figure.Figure
        Five panels in a row.
    """
    fig, axes = plt.subplots(1, 5, figsize=(16, 3.6))
    show_image(axes[0], pair.blurry, "blurry $I_B$")
    show_image(axes[1], pair.sharp, "misaligned sharp $I_S$")
    if hasattr(pair, "aligned_sharp"):
        axes[2].imshow(np.abs(pair.sharp - pair.aligned_sharp).mean(-1), cmap="magma", vmin=0, vmax=0.3)
        axes[2].set_title("|$I_S$ − aligned sharp|: the misalignment", fontsize=9)
        axes[2].axis("off")
        show_image(axes[3], pair.aligned_sharp, "sharp aligned to $I_B$ (synthetic only)")
        show_image(axes[4], flow_picture(pair.flow), f"true flow (largest {np.hypot(*pair.flow.T).max():.1f} px)")
    fig.suptitle(f"Fig. 1/5 analogue: a misaligned pair ({source}) {tag}")
    return fig


# §2 Isotropic kernels from seeds

# seeds whose kernels show the range of shapes Eq. 7 allows: a box, a peak, a ring, and a smaller kernel
EXAMPLE_SEEDS = {
    "flat seed (box-like)": torch.zeros(8),
    "falling seed (peaked)": -torch.arange(8.0),
    "rising seed (ring)": torch.arange(8.0) * 0.6,
    "small kernel, i = 3": torch.tensor([0.0, -1.0, -2.0]),
}


def isotropic_kernels_figure(seeds: dict[str, torch.Tensor], tag: str) -> Figure:
    """The isotropic kernel of each seed, titled with its size (notebook §2; JDRL Fig. 4, Eq. 7).

    Parameters
    ----------
    seeds : dict of str to 1-D tensor
        Title and seed of each panel, such as :data:`EXAMPLE_SEEDS`.
    tag : str
        The profile in square brackets.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per seed.
    """
    fig, axes = plt.subplots(1, len(seeds), figsize=(12, 3.2), squeeze=False)
    for ax, (title, seed) in zip(axes[0], seeds.items()):
        ax.imshow(isotropic_kernel(seed).numpy(), cmap="viridis")
        ax.set_title(f"{title}\n{seed.numel() * 2 - 1} × {seed.numel() * 2 - 1}", fontsize=9)
        ax.axis("off")
    fig.suptitle(f"Fig. 4 analogue: isotropic kernels generated from seeds {tag}")
    return fig


# §3 Calibration masks

DIS_FLOW = "DIS flow, $I_B$ → $I_S$"
FAILED_FLOW = "DIS flow with a simulated failure"
MASK_RULES = ("magnitude", "colour")


def calibration_flows(pair) -> dict[str, torch.Tensor]:
    """The flows whose calibration masks §3 compares: the true flow (synthetic pairs only), the DIS flow from
    ``pair.blurry`` to ``pair.sharp`` (:data:`DIS_FLOW`), and that flow with a simulated failure
    (:data:`FAILED_FLOW`).

    Parameters
    ----------
    pair : MisalignedPair or RealPair

    Returns
    -------
    dict of str to tensor
        Name and ``(1, 2, H, W)`` flow, the true flow first where there is one.
    """
    dis_flow = images_to_tensor(estimate_flow(pair.blurry, pair.sharp))
    # the failure: a square of 1/16 of the image whose flow is three times the typical one, pointing back, as
    # when the flow loses track of a region
    failed_flow = dis_flow.clone()
    height, width = failed_flow.shape[-2:]
    failed_flow[..., height // 4 : height // 2, width // 4 : width // 2] = -3 * dis_flow.mean(
        dim=(-2, -1), keepdim=True
    )
    flows = {DIS_FLOW: dis_flow, FAILED_FLOW: failed_flow}
    if hasattr(pair, "flow"):
        flows = {"true flow": images_to_tensor(pair.flow), **flows}
    return flows


def calibration_masks_figure(flows: dict[str, torch.Tensor], tag: str) -> Figure:
    """Each flow's picture beside its calibration masks under both rules, λ = :data:`~.flow.DEFAULT_LAMBDA`
    (notebook §3; JDRL Fig. 13, Eq. 4).

    Parameters
    ----------
    flows : dict of str to tensor
        :func:`calibration_flows`' flows.
    tag : str
        The profile in square brackets.

    Returns
    -------
    matplotlib.figure.Figure
        One row per flow: the flow, the magnitude rule's mask, the colour rule's mask; the colour key beside the
        first row.
    """
    # one colour scale for every flow picture, so that colours compare across rows
    scale = max(float(torch.linalg.vector_norm(f, dim=1).max()) for f in flows.values())
    fig, axes = plt.subplots(
        len(flows), 4, figsize=(13, 3.3 * len(flows)), squeeze=False, gridspec_kw={"width_ratios": [1, 1, 1, 0.45]}
    )
    for row, (name, flow) in enumerate(flows.items()):
        show_image(axes[row, 0], flow_picture(tensor_to_images(flow)[0], scale), name)
        for column, mode in enumerate(MASK_RULES, start=1):
            show_mask(
                axes[row, column], calibration_mask(flow, DEFAULT_LAMBDA, mode)[0, 0].numpy(), f"mask ({mode} rule)"
            )
        axes[row, 3].axis("off")
    show_image(axes[0, 3], flow_key(scale), f"colour key\n(rim = {scale:.1f} px)")
    fig.suptitle(f"Fig. 13 analogue: calibration masks, λ = {DEFAULT_LAMBDA}; white = kept, black = rejected {tag}")
    return fig


def calibration_mask_table(flows: dict[str, torch.Tensor], profile: str) -> pd.DataFrame:
    """The share of pixels each rule's calibration mask keeps of each flow (notebook §3; JDRL Fig. 13).

    Parameters
    ----------
    flows : dict of str to tensor
        :func:`calibration_flows`' flows.
    profile : str
        The profile, for the table's ``profile`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``flow``, ``mask`` (the rule), ``kept share``, ``profile`` and ``paper``; a row per flow and rule.
    """
    return pd.DataFrame(
        [
            {
                "flow": name,
                "mask": mode,
                "kept share": float(mask_keep_fraction(calibration_mask(flow, DEFAULT_LAMBDA, mode))[0]),
                "profile": profile,
                "paper": "not reported (Fig. 13 is qualitative)",
            }
            for name, flow in flows.items()
            for mode in MASK_RULES
        ]
    )


def mask_takeaway(mask_table: pd.DataFrame, tag: str) -> str:
    """How much of the failed flow each rule keeps, from :func:`calibration_mask_table` (notebook §3).

    Parameters
    ----------
    mask_table : pandas.DataFrame
        :func:`calibration_mask_table`'s table.
    tag : str
        The profile in square brackets.

    Returns
    -------
    str
        One printed line.
    """
    failed = mask_table[mask_table["flow"] == FAILED_FLOW].set_index("mask")["kept share"]
    return (
        f"{tag} take-away: with a square of failed flow, the magnitude rule keeps {failed['magnitude']:.0%} "
        f"and the colour rule {failed['colour']:.0%} of the pixels (the failed square is 1/16 of the image)."
    )


# §4 Training the seven variants


def training_seconds_table(timing: pd.DataFrame, variants) -> pd.DataFrame:
    """Seconds each run took when it was computed, a row per variant and a column per seed (notebook §4).

    Parameters
    ----------
    timing : pandas.DataFrame
        :func:`~.experiment.train_variants`' table, the runs of every call together.
    variants : iterable of str
        The variants, in the rows' order.

    Returns
    -------
    pandas.DataFrame
    """
    return timing.pivot(index="variant", columns="seed", values="training seconds").reindex(list(variants))


def training_runs_lines(timing: pd.DataFrame, tag: str) -> str:
    """How many runs came from the cache, and how many started from a shared warm-up (notebook §4).

    Parameters
    ----------
    timing : pandas.DataFrame
        :func:`~.experiment.train_variants`' table.
    tag : str
        The profile in square brackets.

    Returns
    -------
    str
        Two printed lines.
    """
    cached = int(timing["from cache"].sum())
    note = " (a run loaded whole from the cache trained earlier: whether it shared a warm-up is not recorded)"
    return (
        f"{tag} runs loaded from the cache this time: {cached} of {len(timing)}\n"
        f"{tag} runs trained now that started from a shared warm-up: {int(timing['warm-up reused'].sum())} of "
        f"{len(timing) - cached}{note if cached else ''}"
    )


def training_curves_figure(results: dict, variants, seeds, warmup_epochs: int, tag: str) -> Figure:
    """The deblurring loss per epoch of every variant on its own axes, the reblurring loss on a right-hand axis
    where there is one (notebook §4; JDRL Eq. 1, 5, 10).

    #1 and #2 minimise other deblurring losses than final's Eq. 5, so their values are not comparable with the
    others': hence one pair of axes per variant.

    Parameters
    ----------
    results : dict
        :func:`~.experiment.train_variants`' results, keyed by ``(variant, seed)``.
    variants : collection of str
        The variants (a dict iterates its names), in the panels' order, on two rows.
    seeds : sequence of int
        The seeds; the first is drawn solid, the others faint.
    warmup_epochs : int
        The warm-up's length, marked by a dotted line.
    tag : str
        The profile in square brackets.

    Returns
    -------
    matplotlib.figure.Figure
    """
    columns = (len(variants) + 1) // 2
    fig, axes = plt.subplots(2, columns, figsize=(3.3 * columns, 6.2), sharex=True, squeeze=False)
    for ax, name in zip(axes.flat, variants):
        right = ax.twinx() if results[name, seeds[0]].history["reblurring"].notna().any() else None
        for seed in seeds:
            history = results[name, seed].history
            alpha = 1.0 if seed == seeds[0] else 0.35
            ax.plot(history["epoch"], history["deblurring"], ".-", color="C0", alpha=alpha)
            if right is not None:
                right.plot(history["epoch"], history["reblurring"], ".-", color="C3", alpha=alpha)
                right.set_ylabel("reblurring loss", color="C3", fontsize=8)
        ax.axvline(warmup_epochs + 0.5, color="grey", ls=":")
        ax.set_title(name, fontsize=9)
        ax.set_ylabel("deblurring loss", color="C0", fontsize=8)
        ax.set_xlabel("epoch")
        integer_epochs(ax)
    for ax in list(axes.flat)[len(variants) :]:
        ax.axis("off")
    fig.suptitle(f"Training losses per variant (faint: other seeds; dotted: end of warm-up) {tag}")
    fig.tight_layout()
    return fig


def loss_change_line(results: dict, variants, seed: int, tag: str) -> str:
    """Each variant's deblurring loss from its first epoch to its last, and why the change is small (notebook §4).

    Parameters
    ----------
    results : dict
        :func:`~.experiment.train_variants`' results, keyed by ``(variant, seed)``.
    variants : iterable of str
    seed : int
        The seed whose runs are read.
    tag : str
        The profile in square brackets.

    Returns
    -------
    str
        One printed line.
    """
    change = {name: results[name, seed].history["deblurring"].iloc[[0, -1]].to_numpy() for name in variants}
    return (
        f"{tag} deblurring loss, first epoch to last (seed {seed}): "
        + ", ".join(
            f"{name} {first:.4f} -> {last:.4f} ({(last - first) / first:+.0%})"
            for name, (first, last) in change.items()
        )
        + ". A few per cent is what one pass over the data buys at this budget: the losses are dominated by what no "
        "network can remove (noise, and for #1 the misalignment itself), so the curves look flat even while §5's "
        "scores move."
    )


# §5 Table 4


def ablation_table(per_image: pd.DataFrame, input_scores: pd.DataFrame, *, seeds: int, profile: str) -> pd.DataFrame:
    """Table 4: our mean scores per variant beside the paper's, the blurry input as a row of its own (notebook §5;
    JDRL Table 4).

    Parameters
    ----------
    per_image : pandas.DataFrame
        :func:`~.evaluation.evaluate_outputs`' rows of every variant and seed, with ``variant`` and ``seed``
        columns; the aligned-GT columns are added where it has them (synthetic pairs).
    input_scores : pandas.DataFrame
        The blurry input's rows, one per test image.
    seeds : int
        How many seeds each variant trained under.
    profile : str

    Returns
    -------
    pandas.DataFrame
        A row per variant (then :data:`~.experiment.INPUT`); ours against the deformed ground truth beside the
        paper's for PSNR, SSIM, MAE and LPIPS, ours against the aligned one, then ``seeds``, ``test images`` and
        ``profile``.
    """
    means = pd.concat(
        [
            per_image.groupby("variant", sort=False).mean(numeric_only=True).drop(columns="seed"),
            input_scores.mean(numeric_only=True).rename(INPUT).to_frame().T,
        ]
    )
    paper = paper_table(means.index)
    table = pd.DataFrame(
        {
            "PSNR (ours, deformed GT)": means["PSNR (deformed GT)"].round(2),
            "PSNR (paper)": paper["PSNR"],
            "SSIM (ours, deformed GT)": means["SSIM (deformed GT)"].round(3),
            "SSIM (paper)": paper["SSIM"],
            "MAE (ours, deformed GT)": means["MAE (deformed GT)"].round(4),
            "MAE (paper)": paper["MAE"],
            "LPIPS (ours)": "unavailable offline",
            "LPIPS (paper)": paper["LPIPS"],
        }
    )
    if "PSNR (aligned)" in means:
        table["PSNR (ours, aligned GT)"] = means["PSNR (aligned)"].round(2)
        table["SSIM (ours, aligned GT)"] = means["SSIM (aligned)"].round(3)
        table["MAE (ours, aligned GT)"] = means["MAE (aligned)"].round(4)
    table["seeds"] = seeds
    table["test images"] = len(input_scores)
    table["profile"] = profile
    return table


def table4_claims(per_image: pd.DataFrame, input_scores: pd.DataFrame, *, profile: str) -> pd.DataFrame:
    """The paper's claims "final > X", tested on paired scores, with the paper's difference beside ours (notebook
    §5; JDRL Table 4).

    Parameters
    ----------
    per_image, input_scores : pandas.DataFrame
        As for :func:`ablation_table`.
    profile : str

    Returns
    -------
    pandas.DataFrame
        :func:`~.experiment.ablation_comparisons`' table with ``profile``, ``paper's difference``
        (:func:`paper_difference`) and the verdict read against it with the held-out scenes a study would need
        (:func:`deblur_core.stats.with_readings`) added.
    """
    claims = ablation_comparisons(per_image, input_scores)
    claims["profile"] = profile
    claims["paper's difference"] = [paper_difference(c, m) for c, m in zip(claims["claim"], claims["metric"])]
    return with_readings(claims, paper_column="paper's difference")


def verdict_grid(claims: pd.DataFrame) -> pd.DataFrame:
    """The verdicts at a glance: a row per claim, a column per ground truth and metric (notebook §5).

    Parameters
    ----------
    claims : pandas.DataFrame
        :func:`~.experiment.ablation_comparisons`' table.

    Returns
    -------
    pandas.DataFrame
    """
    return claims.pivot_table(
        index="claim", columns=["ground truth", "metric"], values="verdict", aggfunc="first", sort=False
    )


READABLE_CLAIM_COLUMNS = [
    "claim",
    "ground truth",
    "metric",
    "difference [95 % CI]",
    "paired samples",
    "clusters",
    "verdict",
    "paper's difference",
    READING,
    UNITS_FOR_PAPER,
    UNITS_FOR_OURS,
]


def readable_claims(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims for reading: the difference and its interval as one rounded text, the units and the verdict
    beside the paper's difference (notebook §5).

    Parameters
    ----------
    claims : pandas.DataFrame
        :func:`table4_claims`'s table.

    Returns
    -------
    pandas.DataFrame
        Columns ``claim``, ``ground truth``, ``metric``, ``difference [95 % CI]``, ``paired samples``,
        ``clusters``, ``verdict``, ``paper's difference``, ``reading`` and the units needed for the paper's
        effect and ours (:func:`deblur_core.stats.with_readings`).
    """
    text = formatted(claims)
    intervals = [
        f"{m} [{lo}, {hi}]" for m, lo, hi in zip(text["mean difference"], text["CI 95% low"], text["CI 95% high"])
    ]
    return claims.assign(**{"difference [95 % CI]": intervals})[READABLE_CLAIM_COLUMNS]


def claim_takeaways(claims: pd.DataFrame, tag: str) -> str:
    """Per ground truth, whether the final model beats its blurry input and the baseline in PSNR (notebook §5).

    Parameters
    ----------
    claims : pandas.DataFrame
        :func:`~.experiment.ablation_comparisons`' table, with its input claim.
    tag : str
        The profile in square brackets.

    Returns
    -------
    str
        One printed line per ground truth.
    """
    psnr = claims[claims["metric"] == "PSNR"].set_index(["claim", "ground truth"])
    lines = []
    for truth in psnr.index.get_level_values("ground truth").unique():
        deblurs = psnr.loc[(f"final > {INPUT}", truth)]
        beats_baseline = psnr.loc[(f"final > {BASELINE}", truth)]
        lines.append(
            f"{tag} take-away ({truth}): final vs its blurry input {deblurs['mean difference']:+.2f} dB "
            f"{interval_text(deblurs['CI 95% low'], deblurs['CI 95% high'])} -> {deblurs['verdict']}; "
            f"vs the baseline {beats_baseline['mean difference']:+.2f} dB -> {beats_baseline['verdict']}."
        )
    return "\n".join(lines)


# §6 What the baseline learns


def _is_synthetic(pair) -> bool:
    """Whether ``pair`` is a synthetic :class:`~.data.MisalignedPair`, which carries its aligned sharp image and its
    true flow; real pairs carry neither."""
    return hasattr(pair, "aligned_sharp")


def _misalignment(pair) -> float:
    """Mean length (px) of the pair's true flow; NaN for a real pair, whose misalignment nobody knows."""
    return np.hypot(*pair.flow.T).mean() if _is_synthetic(pair) else np.nan


def most_misaligned(pairs) -> int:
    """The index of the pair with the largest true misalignment, the one §6 shows; 0 for real pairs.

    Parameters
    ----------
    pairs : sequence of MisalignedPair or RealPair

    Returns
    -------
    int
    """
    return int(np.nanargmax([_misalignment(p) for p in pairs])) if _is_synthetic(pairs[0]) else 0


def movement_table(outputs: dict, pairs, *, seed: int, profile: str) -> pd.DataFrame:
    """How far each variant's output moved from its input and, on synthetic pairs, how sharp it is against the
    aligned truth (notebook §6; JDRL Fig. 8 in numbers).

    Parameters
    ----------
    outputs : dict
        Deblurred test stacks ``(N, H, W, 3)`` keyed by ``(variant, seed)``.
    pairs : sequence of MisalignedPair or RealPair
        The ``N`` test pairs; real pairs have no aligned truth, so no sharpness column then.
    seed : int
        The seed whose outputs the sharpness reads.
    profile : str

    Returns
    -------
    pandas.DataFrame
        A row per variant (and, on synthetic pairs, :data:`~.experiment.INPUT`, which moved 0 px):
        ``displacement (px)`` (:func:`~.evaluation.output_displacement`, mean over images and seeds),
        ``sharpness`` (:func:`~.evaluation.relative_sharpness`), ``true misalignment of I_S (px)`` (mean over the
        pairs; NaN on real data), ``profile`` and ``paper``.
    """
    moved = pd.DataFrame(
        [
            {"variant": name, "displacement": output_displacement(o, p.blurry)}
            for (name, _), out in outputs.items()
            for o, p in zip(out, pairs)
        ]
    )
    movement = moved.groupby("variant", sort=False)["displacement"].mean().rename("displacement (px)").to_frame()
    if _is_synthetic(pairs[0]):  # blur, which PSNR mixes with displacement: gradient energy against the aligned truth
        sharpness = {
            name: np.mean([relative_sharpness(o, p.aligned_sharp) for o, p in zip(out, pairs)])
            for (name, run_seed), out in outputs.items()
            if run_seed == seed
        }
        sharpness[INPUT] = np.mean([relative_sharpness(p.blurry, p.aligned_sharp) for p in pairs])
        movement.loc[INPUT, "displacement (px)"] = 0.0
        movement["sharpness"] = pd.Series(sharpness)
    movement["true misalignment of I_S (px)"] = np.mean([_misalignment(p) for p in pairs])
    movement["profile"] = profile
    movement["paper"] = "not measured (Fig. 8 shows the artefacts only)"
    return movement


# Fig. 8's title calls an output "barely different" from its input when their relative sharpness differs by less
BARELY_CHANGED_SHARPNESS = 0.05


def baseline_deformation_figure(pair, outputs: dict, movement: pd.DataFrame, *, seed: int, tag: str) -> Figure:
    """One test pair through the baseline and the final model: the images, a zoom into their busiest region, and
    the flow from the input to each output on one colour scale with its key (notebook §6; JDRL Fig. 8).

    Parameters
    ----------
    pair : MisalignedPair or RealPair
        The test pair (:func:`most_misaligned`); a synthetic pair's aligned sharp image gets a panel of its own.
    outputs : dict of str to numpy.ndarray
        The pair's output ``(H, W, 3)`` from :data:`~.experiment.BASELINE` and from :data:`~.experiment.FINAL`.
    movement : pandas.DataFrame
        :func:`movement_table`'s table: with a ``sharpness`` column, the title says what the figure shows in
        numbers over all test pairs.
    seed : int
        The seed of the outputs.
    tag : str
        The profile in square brackets.

    Returns
    -------
    matplotlib.figure.Figure
        Two rows: the images (the zoomed box outlined) above their zooms, and a last column of flows.
    """
    size = pair.blurry.shape[0] // 3
    if _is_synthetic(pair):  # where the final model deblurs most: the zoom shows what it does beside the baseline
        box = largest_box(_error_drop(pair.blurry, outputs[FINAL], pair.aligned_sharp), size, BORDER)
        zoom = f"zoom: where the final model gains most over its input ({_box_gain(pair, outputs[FINAL], box):+.1f} dB)"
    else:
        box, zoom = busiest_box(pair.blurry, size=size, border=BORDER), "zoom: the busiest region"
    panels = {"blurry input": pair.blurry}
    if _is_synthetic(pair):
        panels["sharp, aligned (synthetic only)"] = pair.aligned_sharp
    panels.update({name: outputs[name] for name in (BASELINE, FINAL)})
    flows = {name: estimate_flow(pair.blurry, panels[name]) for name in (BASELINE, FINAL)}
    scale = max(max(np.hypot(*f.T).max() for f in flows.values()), 0.5)
    fig, axes = plt.subplots(2, len(panels) + 1, figsize=(3.2 * (len(panels) + 1), 6.6))
    for column, (title, image) in enumerate(panels.items()):
        show_image(axes[0, column], image, title)
        mark_box(axes[0, column], box)
        show_image(axes[1, column], crop_box(image, box), "zoom (yellow box)")
    for row, name in enumerate((BASELINE, FINAL)):
        magnitude = np.hypot(*flows[name].T)
        title = f"flow input → {name.split()[0]}\nmean {magnitude.mean():.2f} px, largest {magnitude.max():.2f} px"
        show_image(axes[row, -1], flow_picture(flows[name], scale), title)
    key_axes = axes[1, -1].inset_axes([0.72, 0.0, 0.28, 0.28])
    show_image(key_axes, flow_key(scale), f"key ±{scale:.1f} px", fontsize=6)
    in_numbers = ""
    if "sharpness" in movement:
        ours, theirs = movement.loc[BASELINE, "sharpness"], movement.loc[INPUT, "sharpness"]
        in_numbers = (
            f"\nover all test pairs the baseline's output is {'blurrier' if ours < theirs else 'sharper'} than its "
            f"input (sharpness {ours:.2f} against {theirs:.2f}) and moved "
            f"{movement.loc[BASELINE, 'displacement (px)']:.2f} px"
        )
        final = movement.loc[FINAL, "sharpness"]
        if abs(final - theirs) < BARELY_CHANGED_SHARPNESS:
            verdict = "barely differs from its input: at this budget it hardly deblurs"
        else:
            verdict = f"is {'sharper' if final > theirs else 'blurrier'} than its input"
        in_numbers += f"\nthe final model's output (sharpness {final:.2f}) {verdict}"
    title = (
        f"Fig. 8 analogue: test pair {pair.name} (misalignment {_misalignment(pair):.1f} px), seed {seed}; {zoom}; "
        f"flows share one colour scale {tag}{in_numbers}"
    )
    fig.suptitle(title)
    # room for every title line above the panels' own two-line titles
    fig.subplots_adjust(top=0.92 - 0.035 * title.count("\n"))
    return fig


def _error_drop(blurry: np.ndarray, output: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per pixel, how much the output's squared error against ``truth`` is below the input's (positive: better)."""
    truth = np.asarray(truth, dtype=float)
    return ((np.asarray(blurry, float) - truth) ** 2 - (np.asarray(output, float) - truth) ** 2).mean(-1)


def _box_gain(pair, output: np.ndarray, box) -> float:
    """PSNR gain (dB) of ``output`` over the blurry input inside ``box``, against the aligned truth."""
    inside = [crop_box(np.asarray(image, float), box) for image in (pair.blurry, output, pair.aligned_sharp)]
    return float(psnr(inside[1], inside[2]) - psnr(inside[0], inside[2]))


def movement_takeaway(movement: pd.DataFrame, tag: str) -> str:
    """How far the baseline's and the final model's outputs moved, beside the true misalignment (notebook §6).

    Parameters
    ----------
    movement : pandas.DataFrame
        :func:`movement_table`'s table.
    tag : str
        The profile in square brackets.

    Returns
    -------
    str
        One printed line.
    """
    moved = movement["displacement (px)"]
    return (
        f"{tag} take-away: the baseline's output moved {moved[BASELINE]:.2f} px on average, the final model's "
        f"{moved[FINAL]:.2f} px (true misalignment of I_S {movement['true misalignment of I_S (px)'].iloc[0]:.2f} px)."
    )


# §7 Reblurring

# the pixels every score reads
_INSIDE_BORDER = (slice(BORDER, -BORDER), slice(BORDER, -BORDER))


def noise_floor(pair) -> float:
    """The mean absolute difference the blurry input's noise alone makes: what no reblurred clean image can beat
    on average (notebook §7).

    Parameters
    ----------
    pair : MisalignedPair or RealPair

    Returns
    -------
    float
        0.01 * sqrt(2 / pi) for a synthetic pair, whose noise is Gaussian of standard deviation 0.01 in sRGB
        (:func:`~.data.make_pair`'s default); NaN for a real pair, whose noise is unknown.
    """
    return 0.01 * np.sqrt(2 / np.pi) if _is_synthetic(pair) else np.nan


def _reblurred(final, output: np.ndarray, blurry: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return tensor_to_images(final.reblur(images_to_tensor(output), images_to_tensor(blurry)))[0]


def reblurring_figure(final, output: np.ndarray, pair, tag: str) -> Figure:
    """The final model's output reblurred by its own reblurring module, against the input it should match and the
    deformed ground truth (notebook §7; JDRL Fig. 12, Eq. 10).

    Parameters
    ----------
    final : JDRLResult
        The final model's run (:func:`~.experiment.train_variants`), with its reblurring module.
    output : numpy.ndarray
        Its output ``(H, W, 3)`` of ``pair``.
    pair : MisalignedPair or RealPair
        The test pair: its blurry input and misaligned sharp image.
    tag : str
        The profile in square brackets.

    Returns
    -------
    matplotlib.figure.Figure
        Input, output, reblurred output, their mismatch map (its mean inside the scoring border beside the
        :func:`noise_floor`) and the deformed ground truth.
    """
    reblurred = _reblurred(final, output, pair.blurry)
    mismatch = np.abs(reblurred - pair.blurry).mean(-1)
    fig, axes = plt.subplots(1, 5, figsize=(17, 3.8))
    show_image(axes[0], pair.blurry, "blurry input $I_B$")
    show_image(axes[1], output, "output $\\hat I$")
    show_image(axes[2], reblurred, "reblurred $\\hat I_B$")
    picture = axes[3].imshow(mismatch, cmap="magma", vmin=0, vmax=0.05)
    axes[3].set_title(
        f"|$\\hat I_B$ − $I_B$|: mean {mismatch[_INSIDE_BORDER].mean():.4f}\n"
        f"(noise alone: about {noise_floor(pair):.4f})",
        fontsize=9,
    )
    axes[3].axis("off")
    fig.colorbar(picture, ax=axes[3], fraction=0.046)
    show_image(axes[4], deform_ground_truth(output, pair.sharp), "deformed ground truth $I_S^w$")
    fig.suptitle(f"Fig. 12 analogue: the reblurred output is close to, not equal to, the input {tag}")
    return fig


def reblurring_takeaway(final, output: np.ndarray, pair, tag: str) -> str:
    """How close the reblurred output comes to the input, against the output itself and the :func:`noise_floor`,
    and what that says (notebook §7).

    Parameters
    ----------
    final, output, pair, tag
        As for :func:`reblurring_figure`.

    Returns
    -------
    str
        One printed line.
    """
    mismatch = np.abs(_reblurred(final, output, pair.blurry) - pair.blurry).mean(-1)[_INSIDE_BORDER].mean()
    input_to_output = np.abs(output - pair.blurry).mean(-1)[_INSIDE_BORDER].mean()
    floor = noise_floor(pair)
    if mismatch < floor:
        reading = (
            "Both sit below the noise floor: the output keeps much of the input's noise (the residual network starts "
            "as the identity and moves little from it), so its reblurred version reproduces the input more closely "
            "than a clean image blurred could."
        )
    else:
        reading = "The reblurred output stays above the noise floor: reblurring matches the blur, not the noise."
    return (
        f"{tag} take-away: reblurring brings the output to a mean absolute difference of {mismatch:.4f} from the "
        f"input (output itself: {input_to_output:.4f}; the input's noise alone: {floor:.4f}). {reading} The "
        "deformed ground truth is smeared along its border, where the flow points outside the image; every score "
        f"leaves out an {BORDER} px border."
    )


# §8 Explore


def kernel_profile_figure(seed: torch.Tensor, tag: str) -> Figure:
    """A seed's isotropic kernel and its profile from the centre along a row (notebook §8; JDRL Eq. 7).

    Parameters
    ----------
    seed : 1-D tensor
    tag : str
        The profile in square brackets.

    Returns
    -------
    matplotlib.figure.Figure
    """
    kernel = isotropic_kernel(seed).numpy()
    centre = seed.numel() - 1
    fig, (ax_kernel, ax_profile) = plt.subplots(1, 2, figsize=(8, 3.2))
    ax_kernel.imshow(kernel, cmap="viridis")
    ax_kernel.axis("off")
    ax_kernel.set_title(f"{kernel.shape[0]} × {kernel.shape[1]} kernel", fontsize=9)
    ax_profile.plot(kernel[centre, centre:], "o-")
    ax_profile.set_xlabel("radius (px)")
    ax_profile.set_title(f"profile along a row {tag}", fontsize=9)
    return fig


def mask_rules_figure(flow: torch.Tensor, lam: float, tag: str) -> Figure:
    """The calibration masks of one flow under both rules at band half-width ``lam`` (notebook §8; JDRL Eq. 4).

    Parameters
    ----------
    flow : tensor
        A ``(1, 2, H, W)`` flow.
    lam : float
    tag : str
        The profile in square brackets.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.4))
    for ax, mode in zip(axes, MASK_RULES):
        show_mask(ax, calibration_mask(flow, lam, mode)[0, 0].numpy(), f"{mode} rule {tag}")
    return fig


def variant_comparison_figure(blurry: np.ndarray, outputs: dict, *, left: str, right: str, seed: int) -> Figure:
    """One test image through two variants, beside its blurry input (notebook §8).

    Parameters
    ----------
    blurry : numpy.ndarray
        The test image's blurry input.
    outputs : dict of str to numpy.ndarray
        Each variant's output of that image.
    left, right : str
        The two variants shown.
    seed : int
        The seed of the outputs, for the titles.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    show_image(axes[0], blurry, "blurry")
    show_image(axes[1], outputs[left], f"{left}, seed {seed}")
    show_image(axes[2], outputs[right], f"{right}, seed {seed}")
    return fig


def explorer(flow: torch.Tensor, blurry: np.ndarray, outputs: dict, *, names, seed: int, tag: str):
    """The notebook's widgets: seed sliders redraw a kernel, a λ slider redraws the masks of ``flow``, and two
    variant pickers and an image picker compare outputs (notebook §8).

    Parameters
    ----------
    flow : tensor
        The ``(1, 2, H, W)`` flow whose masks the λ slider redraws (:data:`DIS_FLOW`).
    blurry : numpy.ndarray
        The test inputs ``(N, H, W, 3)``.
    outputs : dict
        Deblurred test stacks keyed by ``(variant, seed)``; the pickers offer the variants of ``seed``.
    names : sequence of str
        The test images' names, for the image picker.
    seed : int
    tag : str
        The profile in square brackets.

    Returns
    -------
    ipywidgets.VBox
        To ``display``.
    """
    # ipywidgets comes with the notebooks extra, not with the library
    import ipywidgets as widgets

    # a seed of 8 values: Eq. 7's largest kernel, 15 x 15
    seed_sliders = [
        widgets.FloatSlider(value=-0.5 * i, min=-4, max=4, step=0.1, description=f"a{i}", continuous_update=False)
        for i in range(8)
    ]
    lam_slider = widgets.FloatSlider(
        value=DEFAULT_LAMBDA, min=0.05, max=0.95, step=0.05, description="λ", continuous_update=False
    )
    variants = [name for name, run_seed in outputs if run_seed == seed]
    left_pick = widgets.Dropdown(options=variants, value=BASELINE, description="left")
    right_pick = widgets.Dropdown(options=variants, value=FINAL, description="right")
    image_pick = widgets.Dropdown(options=[(n, i) for i, n in enumerate(names)], description="image")

    def show_kernel(**values):
        kernel_profile_figure(torch.tensor([values[slider.description] for slider in seed_sliders]), tag)
        plt.show()

    def show_masks(lam):
        mask_rules_figure(flow, lam, tag)
        plt.show()

    def compare(left, right, index):
        shown = {name: outputs[name, seed][index] for name in (left, right)}
        variant_comparison_figure(blurry[index], shown, left=left, right=right, seed=seed)
        plt.show()

    return widgets.VBox(
        [
            widgets.HTML("<b>Seeds → kernel</b>"),
            widgets.HBox(seed_sliders[:4]),
            widgets.HBox(seed_sliders[4:]),
            widgets.interactive_output(show_kernel, {s.description: s for s in seed_sliders}),
            widgets.HTML("<b>λ → calibration masks</b>"),
            lam_slider,
            widgets.interactive_output(show_masks, {"lam": lam_slider}),
            widgets.HTML("<b>Variant picker</b>"),
            widgets.HBox([left_pick, right_pick, image_pick]),
            widgets.interactive_output(compare, {"left": left_pick, "right": right_pick, "index": image_pick}),
        ]
    )


# §9 Conclusions


def conclusion_lines(claims: pd.DataFrame, table4: pd.DataFrame, tag: str) -> str:
    """Every PSNR claim's difference and verdict, the verdicts over all claims, and the best variant (notebook §9).

    Parameters
    ----------
    claims : pandas.DataFrame
        :func:`~.experiment.ablation_comparisons`' table.
    table4 : pandas.DataFrame
        :func:`ablation_table`'s table.
    tag : str
        The profile in square brackets.

    Returns
    -------
    str
        One printed line per PSNR claim and ground truth, then two.
    """
    psnr = claims[claims["metric"] == "PSNR"].set_index(["claim", "ground truth"])
    lines = [
        f"{tag} PSNR, {truth}: {claim}: {row['mean difference']:+.2f} dB "
        f"{interval_text(row['CI 95% low'], row['CI 95% high'])} -> {row['verdict']}"
        for (claim, truth), row in psnr.iterrows()
    ]
    by_verdict = claims.groupby("verdict").size().to_dict()
    lines.append(f"{tag} over all {len(claims)} claims (PSNR, SSIM and MAE, both ground truths): {by_verdict}")
    deformed = table4["PSNR (ours, deformed GT)"]
    best = deformed.drop(INPUT).idxmax()
    lines.append(
        f"{tag} highest mean PSNR (deformed GT): {best} ({deformed[best]:.2f} dB); "
        f"the blurry input scores {deformed[INPUT]:.2f} dB."
    )
    return "\n".join(lines)


def timing_line(timing: pd.DataFrame, elapsed: float, tag: str) -> str:
    """How long this execution took, beside what its training runs cost when they were computed (notebook §9).

    Parameters
    ----------
    timing : pandas.DataFrame
        :func:`~.experiment.train_variants`' table, every run of the notebook.
    elapsed : float
        Seconds since the notebook started.
    tag : str
        The profile in square brackets.

    Returns
    -------
    str
        One printed line.
    """
    return (
        f"{tag} this execution took {elapsed:.0f} s; computing its training runs took "
        f"{timing['training seconds'].sum():.0f} s when they were trained ({int(timing['from cache'].sum())} of "
        f"{len(timing)} runs loaded from the cache now; a run started from a shared warm-up counts that warm-up again)."
    )


def model_card(
    settings: JDRLSettings,
    train_pairs,
    test_pairs,
    claims: pd.DataFrame,
    timing: pd.DataFrame,
    *,
    seed: int,
    precision: str,
    cpu: str,
) -> dict:
    """What the shipped UNet is: its data, the blur it was trained for, its recipe, cost and held-out score.

    ``manifest.json`` keeps it beside the weights (:func:`deblur_core.weights.ship`), and ``jdrl-deblur --help``
    quotes its blur range.

    Parameters
    ----------
    settings : JDRLSettings
        The profile that trained it.
    train_pairs, test_pairs : sequences of :class:`~.data.MisalignedPair`
        Its training pairs and the held-out pairs it was scored on.
    claims : pandas.DataFrame
        :func:`table4_claims`: the row "final > blurry input" (PSNR, aligned GT) gives the held-out gain.
    timing : pandas.DataFrame
        :func:`~.experiment.train_variants`' table: the final run's ``training seconds``.
    seed : int
        The shipped run's seed.
    precision, cpu : str
        How and where it was trained.

    Returns
    -------
    dict
        JSON-ready facts.
    """
    train_scenes = sorted({scene_of(p.name) for p in train_pairs})
    dead_leaves = sum(name.startswith("dead-leaves") for name in train_scenes)
    gain = claims[
        (claims["claim"] == f"final > {INPUT}")
        & (claims["metric"] == "PSNR")
        & (claims["ground truth"] == "aligned GT")
    ]
    if len(gain) != 1:
        raise ValueError("claims hold no single 'final > blurry input' PSNR row against the aligned ground truth")
    gain = gain.iloc[0]
    final_run = timing[(timing["variant"] == FINAL) & (timing["seed"] == seed)]
    steps = settings.epochs * -(-len(train_pairs) // settings.batch_size)
    schedule = f"halved every {settings.halve_every} epochs" if settings.schedule == "step" else settings.schedule
    return {
        "network": f"UNet width {settings.width}, {settings.output} output, dropout {settings.dropout:g}",
        "training_data": (
            f"{len(train_pairs)} synthetic misaligned pairs of {settings.size} px from {len(train_scenes)} scenes "
            f"({len(train_scenes) - dead_leaves} photographs bundled with scikit-image, {dead_leaves} dead-leaves)"
        ),
        "trained_for": (
            f"defocus discs of radius 0 to {settings.max_radius:g} px in {settings.size} px images "
            f"(at most 1/{settings.size / settings.max_radius:.0f} of the side), Gaussian noise 0.01, 8-bit"
        ),
        "recipe": (
            f"JDRL final objective, {steps} steps of {settings.batch_size} crops of {settings.crop} px"
            f"{' (flipped)' if settings.flips else ''}, Adam lr {settings.learning_rate:g} {schedule}, "
            f"{settings.warmup_epochs} of {settings.epochs} epochs warm-up, {precision}, seed {seed}"
        ),
        "training_minutes": round(float(final_run["training seconds"].sum()) / 60, 1),
        "cpu": cpu,
        "held_out_scenes": sorted({scene_of(p.name) for p in test_pairs}),
        "held_out_gain_db": round(float(gain["mean difference"]), 2),
        "held_out_gain_ci_db": [round(float(gain["CI 95% low"]), 2), round(float(gain["CI 95% high"]), 2)],
    }


def shipped_line(card: dict, tag: str) -> str:
    """One printed line on the network ``jdrl-deblur`` loads, from its model card (notebook 02 §9): it is trained
    apart, by ``make train-jdrl``, for longer than a notebook run; an empty card says that none is shipped.

    >>> card = {"recipe": "9 steps", "training_minutes": 1.5, "cpu": "a CPU", "held_out_gain_db": 1.2,
    ...         "held_out_gain_ci_db": [0.8, 1.6], "held_out_scenes": ["a", "b"]}
    >>> print(shipped_line(card, "[t]").replace("; ", ";\\n"))
    [t] jdrl-deblur loads a UNet trained apart by `make train-jdrl` (9 steps;
    1.5 min on a CPU): +1.20 dB [+0.80, +1.60] over the blurry input on 2 held-out scenes (aligned GT).
    """
    if not card:
        return f"{tag} no JDRL UNet is shipped with a model card; `make train-jdrl` trains and ships one."
    low, high = card["held_out_gain_ci_db"]
    return (
        f"{tag} jdrl-deblur loads a UNet trained apart by `make train-jdrl` ({card['recipe']}; "
        f"{card['training_minutes']:g} min on {card['cpu']}): {card['held_out_gain_db']:+.2f} dB "
        f"{interval_text(low, high)} over the blurry input on {len(card['held_out_scenes'])} held-out scenes "
        "(aligned GT)."
    )


def ship_final_unet(
    checkpoint,
    settings: JDRLSettings,
    train_pairs,
    test_pairs,
    claims: pd.DataFrame,
    timing: pd.DataFrame,
    *,
    seed: int,
    psnr_deformed_gt: float,
):
    """Ship the final UNet saved at ``checkpoint`` as ``jdrl_unet.pt`` (:func:`deblur_core.weights.ship`) with its
    :func:`model_card`, written where ``claims`` hold its gain over the input against the aligned truth (synthetic
    pairs only). ``train-jdrl --ship`` ships through here; notebook 02 does not ship (its runs are shorter than the
    shipped network's) and prints :func:`shipped_line` instead.

    Returns
    -------
    (pathlib.Path, dict)
        The shipped file and its model card (empty on real pairs).
    """
    from ..device import cpu_model, select_precision
    from ..weights import MODEL_CARD, ship

    card = {}
    if ((claims["claim"] == f"final > {INPUT}") & (claims["ground truth"] == "aligned GT")).any():
        card = model_card(
            settings,
            train_pairs,
            test_pairs,
            claims,
            timing,
            seed=seed,
            precision=select_precision().name,
            cpu=cpu_model(),
        )
    facts = {MODEL_CARD: card} if card else {}
    path = ship(checkpoint, "jdrl_unet.pt", settings.profile, seed=seed, psnr_deformed_gt=psnr_deformed_gt, **facts)
    return path, card


def _claim_sentence(row: pd.Series, unit: str) -> str:
    return f"{row['mean difference']:+.2f} {unit} {interval_text(row['CI 95% low'], row['CI 95% high'])}".strip()


def scene_gains(per_image: pd.DataFrame, input_scores: pd.DataFrame, variant: str = FINAL) -> pd.Series:
    """Mean PSNR gain (dB, aligned GT) of ``variant`` over the blurry input per held-out scene, over its test pairs
    and seeds; empty on real data, which has no aligned truth.

    >>> images = ["coins_1_0", "coins_1_1", "chelsea_1_0"]
    >>> per_image = pd.DataFrame({"image": images, "variant": FINAL, "seed": 0, "PSNR (aligned)": [31.0, 29.0, 24.0]})
    >>> inputs = pd.DataFrame({"image": images, "PSNR (aligned)": [29.0, 28.0, 25.0]})
    >>> scene_gains(per_image, inputs).to_dict()
    {'chelsea': -1.0, 'coins': 1.5}
    """
    column = "PSNR (aligned)"
    if column not in per_image:
        return pd.Series(dtype=float)
    ours = per_image[per_image["variant"] == variant]
    gains = ours[column].to_numpy() - input_scores.set_index("image")[column].reindex(ours["image"]).to_numpy()
    return pd.Series(gains, index=[scene_of(name) for name in ours["image"]]).groupby(level=0).mean()


def findings_markdown(
    claims: pd.DataFrame,
    movement: pd.DataFrame,
    *,
    profile: str,
    scenes: int,
    gains_by_scene: pd.Series | None = None,
) -> str:
    """ "What we found": the PSNR verdicts in words, the paper's difference beside ours, and the baseline's failure.

    ``claims`` is :func:`~.experiment.ablation_comparisons`' table; ``movement`` has one row per variant with
    ``displacement (px)`` and, on synthetic data, ``sharpness`` (:func:`~.evaluation.relative_sharpness`);
    ``gains_by_scene`` (:func:`scene_gains`) adds where the final model deblurs most and least.
    """
    psnr = claims[claims["metric"] == "PSNR"].set_index(["claim", "ground truth"])
    truth = "aligned GT" if "aligned GT" in psnr.index.get_level_values("ground truth") else "deformed GT"
    lines = [f"### What we found (`{profile}`, {scenes} held-out test scenes, PSNR against the {truth})", ""]
    deblurs = psnr.loc[(f"final > {INPUT}", truth)]
    lines.append(
        f"* **Does the final model deblur?** It changes the blurry input's PSNR by {_claim_sentence(deblurs, 'dB')}: "
        f"**{deblurs['verdict']}**. The paper reports no score of its input."
    )
    if gains_by_scene is not None and len(gains_by_scene):
        ranked = gains_by_scene.sort_values()
        lines.append(
            f"  By scene it ranges from {ranked.iloc[0]:+.2f} dB ({ranked.index[0]}) to {ranked.iloc[-1]:+.2f} dB "
            f"({ranked.index[-1]}); it loses on {int((ranked < 0).sum())} of {len(ranked)} scenes."
        )
    baseline = psnr.loc[(f"final > {BASELINE}", truth)]
    lines.append(
        f"* **JDRL against the plain pixel loss (#1).** Paper: {paper_difference(f'final > {BASELINE}', 'PSNR')} dB; "
        f"ours: {_claim_sentence(baseline, 'dB')}, **{baseline['verdict']}**."
    )
    ablations = [c for c in psnr.index.get_level_values("claim").unique() if c.removeprefix("final > ") in PAPER_TABLE4]
    ablations = [c for c in ablations if c != f"final > {BASELINE}"]
    if ablations:
        rows = psnr.xs(truth, level="ground truth").loc[ablations].reset_index()
        rows["paper"] = [paper_difference(claim, "PSNR") for claim in rows["claim"]]
        lines += ["", claims_markdown(rows, paper_column="paper", unit="dB", units_name="scenes"), ""]
    if BASELINE in movement.index and FINAL in movement.index:
        moved = movement["displacement (px)"]
        sentence = (
            f"* **What the baseline learns.** Its output moved {moved[BASELINE]:.2f} px from the input on average, the "
            f"final model's {moved[FINAL]:.2f} px"
        )
        if CONTROL in movement.index:
            sentence += f", the control's (#1 trained on aligned pairs) {moved[CONTROL]:.2f} px"
        sentence += "."
        if "sharpness" in movement:
            sharp = movement["sharpness"]
            sentence += (
                f" Sharpness against the aligned truth (1 = as sharp): input {sharp[INPUT]:.2f}, baseline "
                f"{sharp[BASELINE]:.2f}, final {sharp[FINAL]:.2f}"
                + (f", control {sharp[CONTROL]:.2f}" if CONTROL in sharp.index else "")
                + "."
            )
        lines.append(sentence)
        if "sharpness" in movement:
            lines.append(_why_sentence(movement))
    if (f"final > {CONTROL}", truth) in psnr.index:
        control = psnr.loc[(f"final > {CONTROL}", truth)]
        lines.append(
            f"* **Final against the control** (the same budget on perfectly aligned pairs, which real data never "
            f"give): {_claim_sentence(control, 'dB')}, {control['verdict']}."
        )
    return "\n".join(lines) + "\n\n" + NOT_COVERED


def _why_sentence(movement: pd.DataFrame) -> str:
    """Why the final model deblurs and the baseline does not, in the movement table's own numbers."""
    moved, sharp = movement["displacement (px)"], movement["sharpness"]
    baseline_blurs = sharp[BASELINE] < sharp[INPUT]
    final_sharpens = sharp[FINAL] > sharp[INPUT] + BARELY_CHANGED_SHARPNESS
    sentence = (
        "* **Why.** A pixel loss against a misaligned target is lowest for an output that sits between the places "
        "the target might be, "
    )
    if baseline_blurs:
        sentence += (
            f"so the baseline learned to shift ({moved[BASELINE]:.2f} px) and to blur: its output is blurrier than "
            f"its own input ({sharp[BASELINE]:.2f} against {sharp[INPUT]:.2f}). "
        )
    else:
        sentence += (
            f"which here moved the baseline's output {moved[BASELINE]:.2f} px without making it blurrier than its "
            f"input ({sharp[BASELINE]:.2f} against {sharp[INPUT]:.2f}). "
        )
    sentence += (
        "JDRL warps the target onto the output first, so nothing rewards moving: its output moved "
        f"{moved[FINAL]:.2f} px and is "
        + (
            f"sharper than the input ({sharp[FINAL]:.2f})."
            if final_sharpens
            else f"about as sharp as the input by mean gradient ({sharp[FINAL]:.2f} against {sharp[INPUT]:.2f}): "
            "whatever PSNR it gains does not show as extra sharpness on average."
        )
    )
    return sentence


# the exercises' solutions


def aligned_psnr(models: dict, blurry: np.ndarray, truth: np.ndarray, names) -> pd.Series:
    """Mean PSNR against the exact aligned truth of each model's output, and of the input (the solutions to
    notebook 02's exercises 1-3).

    Parameters
    ----------
    models : dict of str to torch.nn.Module
        Trained UNets by label.
    blurry, truth : numpy.ndarray
        The test inputs and their aligned sharp images (synthetic pairs), ``(N, H, W, 3)``.
    names : sequence of str
        The test images' names.

    Returns
    -------
    pandas.Series
        A value per model, then :data:`~.experiment.INPUT`'s, named ``PSNR, aligned GT (dB)``.
    """
    table = {
        name: evaluate_outputs(deblur_images(model, blurry), truth, truth, names)["PSNR (aligned)"].mean()
        for name, model in models.items()
    }
    table[INPUT] = evaluate_outputs(blurry, truth, truth, names)["PSNR (aligned)"].mean()
    return pd.Series(table, name="PSNR, aligned GT (dB)")


def reblurring_difference_figure(without_reblurring: np.ndarray, with_reblurring: np.ndarray, tag: str) -> Figure:
    """#4 (trained without the reblurring loss) beside the final model on one image, and where they differ
    (notebook 02's exercise 4).

    Parameters
    ----------
    without_reblurring, with_reblurring : numpy.ndarray
        #4's and the final model's output of one test image, ``(H, W, 3)``.
    tag : str
        The profile in square brackets.

    Returns
    -------
    matplotlib.figure.Figure
    """
    difference = np.abs(with_reblurring - without_reblurring).mean(-1)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    show_image(axes[0], without_reblurring, "#4 w/o reblurring")
    show_image(axes[1], with_reblurring, FINAL)
    shown = axes[2].imshow(difference, cmap="magma")
    axes[2].set_title(f"|final - #4|, mean {difference.mean():.4f}", fontsize=9)
    axes[2].axis("off")
    fig.colorbar(shown, ax=axes[2], fraction=0.046)
    fig.suptitle(f"What the reblurring loss changes on one test pair {tag}", fontsize=10)
    return fig


def reblurring_edges_line(
    without_reblurring: np.ndarray, with_reblurring: np.ndarray, blurry: np.ndarray, tag: str
) -> str:
    """How the difference that reblurring makes correlates with the input's edges (notebook 02's exercise 4).

    Parameters
    ----------
    without_reblurring, with_reblurring, blurry : numpy.ndarray
        #4's and the final model's output of one test image and its blurry input, ``(H, W, 3)``.
    tag : str
        The profile in square brackets.

    Returns
    -------
    str
        One printed line.
    """
    difference = np.abs(with_reblurring - without_reblurring).mean(-1)
    edges = np.hypot(*np.gradient(blurry.mean(-1)))
    return (
        f"{tag} correlation of the difference with the input's edges: "
        f"{np.corrcoef(difference.ravel(), edges.ravel())[0, 1]:+.2f} (positive: reblurring acts at edges)."
    )
