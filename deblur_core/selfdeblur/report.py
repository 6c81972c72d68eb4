"""SelfDeblur's report: the paper's numbers beside ours, the claims in words (Ren et al., CVPR 2020, Tables 1-3).

The paper's reference numbers live here, next to the functions that put them beside ours: :func:`paper_table`
(a table of means, ours and the paper's), :func:`claims_with_paper` (each paired claim with the paper's difference)
and :func:`findings_markdown` (notebook 03's "What we found"). The numbers themselves come from
:mod:`.experiment`'s sweep.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..data.levin import crop_case
from ..plotting import plot_budget_curve
from ..profiles import PROFILES, profile_settings
from ..stats import PairedComparison, paired_comparison, with_readings
from ..tables import claims_markdown, interval_text, profiles_table
from .experiment import (
    CLASSICAL,
    COLLAPSE_SUPPORT_RATIO,
    REFERENCE,
    SUPPORT_MASS,
    VARIANTS,
    kernel_support,
    method_means,
    non_blind_step,
    oversize_label,
    paired_scores,
)
from .optimisation import run_selfdeblur_on_case

# Ren et al. 2020, Tables 1-3: real Levin benchmark at full resolution, 5,000 iterations, one run per case, means
# over the 32 images. The classical row is the paper's Pan-DCP (Pan et al.'s dark channel prior, the authors' runs of
# Pan et al.'s code), which our CLASSICAL row reimplements.
PAPER_RESULTS = {
    "SelfDeblur-A": {"PSNR": 30.53, "SSIM": 0.8748},
    "SelfDeblur-J": {"PSNR": 33.07, "SSIM": 0.9313, "error ratio": 1.1968},
    "SelfDeblur k−": {"PSNR": 28.37, "SSIM": 0.8396},
    "SelfDeblur k+": {"PSNR": 30.92, "SSIM": 0.8889},
    "Double-DIP": {"PSNR": 21.51, "SSIM": 0.5256},
    "known kernel": {"PSNR": 34.53, "SSIM": 0.9492, "error ratio": 1.0},
    "SelfDeblurΔ": {"PSNR": 33.32, "SSIM": 0.9438, "error ratio": 1.2509},
    CLASSICAL: {"PSNR": 32.69, "SSIM": 0.9284, "error ratio": 1.2555},
}


def paper_difference(claim: str, metric: str) -> float:
    """The paper's mean difference for a claim ``"A > B"`` of :data:`.experiment.CLAIMS` (NaN where it reports
    no number)."""
    method, other = claim.split(" > ")
    return PAPER_RESULTS.get(method, {}).get(metric, np.nan) - PAPER_RESULTS.get(other, {}).get(metric, np.nan)


# rows that are not an optimisation: they have no iteration budget, and the first two no kernel to collapse
NOT_ITERATED = ("blurry input", "known kernel", CLASSICAL)


def paper_table(
    scores: pd.DataFrame,
    methods,
    *,
    profile: str,
    iterations: int,
    data: str,
    columns=("PSNR", "SSIM", "error ratio"),
) -> pd.DataFrame:
    """One row per method: our mean and the paper's for each of ``columns``, our run and collapse counts, the
    profile, the iterations and the data (``data``) ours came from.

    ``scores`` is :func:`.experiment.run_sweep`'s table. A method that ran no optimisation of its own (the blurry
    input, the known kernel, the classical row) counts the reference method's runs and no collapse.
    """
    ours = method_means(scores)
    runs = scores.groupby("method").size()
    collapses = scores.dropna(subset=["kernel collapsed"]).groupby("method")["kernel collapsed"].sum()
    table = pd.DataFrame({"method": list(methods)})
    for column in columns:
        table[f"{column} (ours)"] = [ours.loc[m, column] for m in methods]
        table[f"{column} (paper)"] = [PAPER_RESULTS.get(m, {}).get(column, np.nan) for m in methods]
    table["runs (ours)"] = [int(runs.get(m, runs[REFERENCE])) for m in methods]
    table["kernel collapsed (ours)"] = [
        0 if m in NOT_ITERATED[:2] else int(collapses.get(m, collapses.get(REFERENCE, 0))) for m in methods
    ]
    table["profile"] = profile
    table["iterations (ours)"] = [np.nan if m in NOT_ITERATED else iterations for m in methods]
    table["data (ours)"] = data
    return table


def claims_with_paper(claims: pd.DataFrame, data: str) -> pd.DataFrame:
    """:func:`.experiment.claims_table`'s claims with the paper's difference beside ours, the verdict read against
    it with the cases a study would need (:func:`deblur_core.stats.with_readings`), and the data ours came from."""
    claims = claims.copy()
    claims.insert(
        claims.columns.get_loc("mean difference") + 1,
        "difference (paper)",
        [paper_difference(claim, metric) for claim, metric in zip(claims["claim"], claims["metric"])],
    )
    claims["data (ours)"] = data
    return with_readings(claims, paper_column="difference (paper)")


def claim_line(row, tag: str) -> str:
    """One claim of :func:`claims_with_paper` as a printed line."""
    return (
        f"{tag} {row['claim']} ({row['metric']}): mean paired difference {row['mean difference']:+.3f} "
        f"{interval_text(row['CI 95% low'], row['CI 95% high'], digits=3)} over {row['paired samples']} runs on "
        f"{row['clusters']} case(s) -> {row['verdict']} (paper's difference {row['difference (paper)']:+.3f})"
    )


NOT_COVERED = """\
**What this notebook does not cover, and why.** The paper's Table 3 rows for other published methods (Krishnan,
Levin, Cho & Lee, Xu & Jia, Sun, Zuo, SRN): their code is not part of this companion, so one classical estimator
stands in for them. Lai et al.'s benchmark (Sec. 4.2.2, Table 4: 100 blurry images with large kernels) and the
real-world photographs of Sec. 4.3 (Fig. 7): too large for a CPU at the paper's 5,000 iterations per image, and
without ground truth in the second case. Levin et al.'s own non-blind code behind SelfDeblurΔ: our IRLS with their
sparse prior follows its method (`deblur_core.deconv.deconvolve_irls`), with a weight chosen on the offline
stand-in."""


def settings_text(settings, seeds) -> str:
    """The run's budget and data in words, from ``profile_settings('selfdeblur')`` and its ``seeds`` alone (the first
    printed line of notebook 03; a test re-renders it for each executed copy)."""
    return (
        f"{settings.iterations} iterations, G_x width {settings.channels}, benchmark scale {settings.scale:g}, "
        f"crop {settings.crop or 'none'}, seeds {', '.join(map(str, seeds))}"
    )


#: the variants each of the paper's tables compares (Table 3 adds the classical and known-kernel rows to J)
TABLE_VARIANTS = {
    "Table 1": ("SelfDeblur-J", "SelfDeblur-A"),
    "Table 2": ("SelfDeblur-J", "SelfDeblur k−", "SelfDeblur k+", "Double-DIP"),
    "Table 3": ("SelfDeblur-J",),
}


#: where ``benchmarks/selfdeblur_table2.py`` writes Table 2 run at a profile's settings (relative to the repository)
TABLE2_RESULTS = "benchmarks/results/selfdeblur_table2_{profile}"


def committed_table2(root, profile: str = "long") -> tuple[pd.DataFrame, pd.DataFrame, Path] | None:
    """Table 2's means, claims and kernel figure as ``benchmarks/selfdeblur_table2.py`` committed them for
    ``profile`` (under ``root``), or ``None`` where that run has not been made."""
    folder = Path(root) / TABLE2_RESULTS.format(profile=profile)
    paths = [folder / "table2_kernel_generators.csv", folder / "claims_verdicts.csv", folder / "kernels.png"]
    if not all(path.is_file() for path in paths):
        return None
    return pd.read_csv(paths[0]), pd.read_csv(paths[1]), paths[2]


def table2_elsewhere_line(settings, tag: str) -> str:
    """§4 under a profile without Table 2's generators: which profiles run it."""
    running = [name for name in PROFILES if "Table 2" in tables_run(profile_settings("selfdeblur", name).variants)]
    where = f"{' and '.join(running)} run it, and " if running else ""
    return (
        f"{tag} Table 2 is not run under this profile (its variants: {', '.join(settings.variants)}); "
        f"{where}VARIANTS adds it to any profile."
    )


def kernels_figure(scores: pd.DataFrame, runs: dict, cases, methods, title: str):
    """Table 2's kernels: one row per case, its true kernel then each of ``methods``' estimates (first seed), all
    at the row's grey scale, titled with the similarity to the truth; a collapsed estimate says so in red.

    ``scores`` and ``runs`` are a :class:`.experiment.Sweep`'s; ``cases`` the sweep's cases.
    """
    seed = min(seed for _, _, seed in runs)
    rows = scores[scores["seed"] == seed].set_index(["method", "case"])
    fig, axes = plt.subplots(len(cases), len(methods) + 1, figsize=(1.7 * (len(methods) + 1), 1.8 * len(cases)))
    axes = np.atleast_2d(axes)
    for row, case in zip(axes, cases):
        estimates = [runs[method, case.name, seed].kernel for method in methods]
        top = max(kernel.max() for kernel in [case.kernel, *estimates])
        row[0].imshow(case.kernel, cmap="gray", vmin=0, vmax=top)
        row[0].set_title("true kernel", fontsize=8)
        row[0].set_ylabel(case.name, fontsize=8)
        for ax, method, kernel in zip(row[1:], methods, estimates):
            run = rows.loc[(method, case.name)]
            ax.imshow(kernel, cmap="gray", vmin=0, vmax=top)
            collapsed = bool(run["kernel collapsed"])
            label = f"{method}\n{'COLLAPSED, ' if collapsed else ''}sim. {run['kernel similarity']:.2f}"
            ax.set_title(label, fontsize=7, color="red" if collapsed else "black")
    for ax in axes.flat:
        ax.set_xticks([]), ax.set_yticks([])
    fig.suptitle(title, y=1.0, va="bottom", fontsize=9)
    fig.tight_layout()
    return fig


def tables_run(variants) -> list[str]:
    """The paper's tables that a profile's ``variants`` fill.

    >>> tables_run(("SelfDeblur-J", "SelfDeblur-A"))
    ['Table 1', 'Table 3']
    """
    return [table for table, needed in TABLE_VARIANTS.items() if set(needed) <= set(variants)]


def _scope_row(settings) -> dict[str, str]:
    data = "Levin et al.'s real benchmark" if settings.data == "levin" else "the offline Levin-like stand-in"
    cases = "all 32" if settings.cases == "all" else f"{len(settings.cases)}"
    return {
        "data": f"{data} at scale {settings.scale:g}" + (f", {settings.crop} px crops" if settings.crop else ""),
        "cases × seeds": f"{cases} × {len(settings.seeds)}",
        "network and budget": f"$\\mathcal{{G}}_x$ width {settings.channels}, {settings.iterations:,} iterations",
        "variants": ", ".join(settings.variants),
        "the paper's tables": ", ".join(tables_run(settings.variants)),
        "seed study": f"{settings.seed_study['cases']} case(s) × {len(settings.seed_study['seeds'])} seeds"
        if settings.seed_study
        else "no",
        "kernel size too large": f"× {settings.oversize_factor:g}" if settings.oversize_factor else "no",
    }


def scope_markdown(profiles: dict) -> str:
    """What each profile runs beside ``paper``, rendered from the profiles themselves (notebook 03, §10).

    Parameters
    ----------
    profiles : dict
        Profile name -> ``profile_settings('selfdeblur', name)``, ``paper`` among them.

    Returns
    -------
    str
        Markdown: a heading, a table with one column per profile, and how the profiles were sized.
    """
    rows = profiles_table({name: _scope_row(settings) for name, settings in profiles.items()})
    return "\n".join(
        [
            "### What each profile runs, and what the paper did",
            "",
            *rows,
            "",
            "The CPU profiles were sized from measured speed and convergence (`benchmarks/selfdeblur_speed.py` and "
            "`benchmarks/selfdeblur_choices.py`; the speed page gives their figures and the profiles page each "
            "profile's time): a narrower $\\mathcal{G}_x$ for fewer iterations, with the learning-rate schedule "
            "compressed into them, at a reduced scale that keeps the whole scene and the paper's kernel-to-image "
            "proportions. A profile with one case has one paired sample per claim, so every verdict it gives is "
            "*inconclusive* by construction. `VARIANTS` adds any variant to any profile, and Table 2 at `long`'s "
            "settings is the committed run of `benchmarks/selfdeblur_table2.py` (§4). The `paper` column is the "
            "paper's own setting, which needs a GPU (the authors report 224 s per image).",
        ]
    )


def findings_markdown(
    claims: pd.DataFrame, *, profile: str, budget: str, beats_input: tuple[int, int], collapsed: tuple[int, int]
) -> str:
    """Notebook 03's "What we found": each PSNR claim with the paper's difference beside ours, how often
    SelfDeblur-J beats its blurry input and how many kernels collapsed, this run's budget against the paper's,
    and what the notebook leaves out.

    ``claims`` is :func:`claims_with_paper`'s frame; ``budget`` describes the run (iterations, width, scale,
    cases); ``beats_input`` and ``collapsed`` are (count, out of).
    """
    psnr = claims[claims["metric"] == "PSNR"]
    lines = [
        f"### What we found (`{profile}`)",
        "",
        claims_markdown(psnr, paper_column="difference (paper)", unit="dB", units_name="cases"),
        "",
        f"* SelfDeblur-J beats its blurry input in {beats_input[0]} of {beats_input[1]} runs; the kernel collapsed "
        f"(its {SUPPORT_MASS:.0%} of mass on under {COLLAPSE_SUPPORT_RATIO:.0%} of the taps the true kernel needs: "
        f"a few dots where the truth is a stroke) in {collapsed[0]} of {collapsed[1]} blind runs.",
        f"* This run: {budget}. The paper: the real benchmark at full resolution, a 128-channel "
        "$\\mathcal{G}_x$, 5,000 iterations, all 32 cases. A claim that is not confirmed here may need the paper's "
        "budget: the budget curve (§5) shows whether the gap was opening.",
        "",
        NOT_COVERED,
    ]
    return "\n".join(lines)


def table2_findings_markdown(
    means: pd.DataFrame, claims: pd.DataFrame, similarity: pd.Series, *, profile: str, budget: str
) -> str:
    """What a run of Table 2 found (``benchmarks/selfdeblur_table2.py``): each PSNR claim beside the paper's
    difference, each generator's mean PSNR beside the paper's with its kernels' mean similarity to the truth and its
    collapses, and the two rankings.

    ``means`` is :func:`paper_table`'s frame for Table 2's variants, ``claims`` :func:`claims_with_paper`'s,
    ``similarity`` each method's mean kernel similarity; ``budget`` describes the run.
    """
    rows = means.to_dict("records")
    per_generator = "; ".join(
        f"{row['method']} {row['PSNR (ours)']:.2f} dB (paper {row['PSNR (paper)']:.2f}), kernel similarity "
        f"{similarity[row['method']]:.2f}, collapsed in {int(row['kernel collapsed (ours)'])} of "
        f"{int(row['runs (ours)'])} runs"
        for row in rows
    )

    def ranking(column: str) -> str:
        return " > ".join(row["method"] for row in sorted(rows, key=lambda row: -row[column]))

    return "\n".join(
        [
            f"### Table 2, the kernel generator (`{profile}` settings)",
            "",
            claims_markdown(
                claims[claims["metric"] == "PSNR"], paper_column="difference (paper)", unit="dB", units_name="cases"
            ),
            "",
            f"* Mean PSNR: {per_generator}.",
            f"* Ranked by mean PSNR, ours: {ranking('PSNR (ours)')}; the paper's: {ranking('PSNR (paper)')}.",
            f"* This run: {budget}. The paper: the real benchmark at full resolution, a 128-channel "
            "$\\mathcal{G}_x$, 5,000 iterations, all 32 cases.",
        ]
    )


# --- notebook 03's figures, tables and lines, section by section -------------------------------------------------

# the seed tables' paper column: the paper ran each case once
NOT_IN_PAPER = "not reported (one run per case)"


def data_label(source: str, cases: int, seeds: int, crop: int | None) -> str:
    """What a table's numbers were computed on, e.g. ``"Levin et al. 2009, 8 case(s) x 1 seed(s)"``."""
    return f"{source}, {cases} case(s) x {seeds} seed(s)" + (f", {crop} px crops" if crop else "")


def cases_line(source: str, benchmark, cases, tag: str) -> str:
    """§2: the benchmark's size and the cases a run uses, with their sizes and kernel sizes."""
    return f"{tag} {source}: {len(benchmark)} cases in the benchmark, {len(cases)} used: " + ", ".join(
        f"{c.name} ({c.blurry.shape[1]}x{c.blurry.shape[0]}, kernel {c.estimation_size} px)" for c in cases
    )


def benchmark_figure(benchmark, title: str):
    """§2: the benchmark's sharp images (top row) and kernels (bottom row)."""
    images = {c.image_id: c.sharp for c in benchmark}
    kernels = {c.kernel_id: c.kernel for c in benchmark}
    fig, axes = plt.subplots(2, 8, figsize=(14, 4))
    for ax in axes.flat:
        ax.axis("off")
    for ax, (image_id, image) in zip(axes[0], sorted(images.items())):
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"image {image_id}", fontsize=9)
    for ax, (kernel_id, kernel) in zip(axes[1], sorted(kernels.items())):
        ax.imshow(kernel, cmap="gray")
        ax.set_title(f"kernel {kernel_id} ({kernel.shape[0]} px)", fontsize=9)
    fig.suptitle(title)
    return fig


def sweep_lines(sweep, *, cases: int, seeds: int, tag: str) -> list[str]:
    """§2: how many runs the sweep made, how many came from the cache, their mean time (recorded when each was
    computed), and which kernels collapsed."""
    blind, reference = sweep.blind_scores, sweep.reference_scores
    collapsed = blind[blind["kernel collapsed"].astype(bool)]
    extra = len(reference) - int((blind["method"] == REFERENCE).sum())
    times = blind.groupby("method", sort=False)["seconds"].mean()
    return [
        f"{tag} {len(blind)} runs ({cases} case(s) x {seeds} seed(s), {blind['method'].nunique()} variants) "
        f"and {extra} extra {REFERENCE} run(s) (seed study); {int(blind['cached'].astype(bool).sum())} of the "
        "tables' runs loaded from cache; mean optimisation time per run: "
        + ", ".join(f"{method} {seconds:.0f} s" for method, seconds in times.items()),
        f"{tag} kernel collapsed in {len(collapsed)} of {len(blind)} runs"
        + (
            ": " + "; ".join(f"{r.method} {r.case} seed {r.seed}" for r in collapsed.itertuples())
            if len(collapsed)
            else "."
        ),
    ]


def per_run_table(scores: pd.DataFrame, profile: str) -> pd.DataFrame:
    """Every run's scores with the paper's 32-image means beside them (the paper reports no run of its own)."""
    return scores.drop(columns=["cached"]).assign(
        **{
            f"{metric} (paper, 32-image mean)": scores["method"].map(
                lambda method, metric=metric: PAPER_RESULTS.get(method, {}).get(metric, np.nan)
            )
            for metric in ("PSNR", "SSIM")
        },
        profile=profile,
    )


def levin_rows_line(table3: pd.DataFrame, tag: str) -> str:
    """§5's take-away from Table 3's rows: how far blind estimation stays from the true kernel."""
    rows = table3.set_index("method")["PSNR (ours)"]
    return (
        f"{tag} take-away: SelfDeblur-J {rows['SelfDeblur-J']:.2f} dB; its kernel in a non-blind deconvolution "
        f"(SelfDeblurΔ) {rows['SelfDeblurΔ']:.2f} dB; the classical estimator {rows[CLASSICAL]:.2f} dB; "
        f"the true kernel {rows['known kernel']:.2f} dB. The gap "
        "to the true kernel is what blind estimation still costs at this budget."
    )


def budget_curve_figure(curve: pd.DataFrame, title: str):
    """§5: each iterated claim's paired PSNR gap against the iteration budget, the paper's gap dashed."""
    claims = list(dict.fromkeys(curve["claim"]))
    if not claims:  # a run of SelfDeblur-J alone: no claim has both of its sides
        fig, ax = plt.subplots(figsize=(4.2, 1.2))
        ax.axis("off")
        ax.text(0.5, 0.5, "no claim with both of its variants run", ha="center", va="center")
        fig.suptitle(title)
        return fig
    fig, axes = plt.subplots(1, len(claims), figsize=(4.2 * len(claims), 3.6), squeeze=False)
    plot_budget_curve(axes[0], curve, {claim: paper_difference(claim, "PSNR") for claim in claims})
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def budget_curve_lines(curve: pd.DataFrame, tag: str) -> list[str]:
    """§5: each claim's gap at the last evaluated iteration, and the iterations it was confirmed at, if any (a gap
    that opens early and closes again says so)."""
    last = curve[curve["iteration"] == curve["iteration"].max()]
    confirmed = curve[curve["verdict"] == "confirmed"].groupby("claim")["iteration"]
    first_confirmed, last_confirmed = confirmed.min(), confirmed.max()
    lines = []
    for row in last.to_dict("records"):
        claim = row["claim"]
        if claim not in first_confirmed:
            opened = "never confirmed within this budget"
        elif row["verdict"] == "confirmed":
            opened = f"first confirmed at iteration {first_confirmed[claim]}"
        else:
            logged = int((curve["claim"] == claim).sum())
            opened = (
                f"confirmed at {confirmed.size()[claim]} of {logged} logged iterations, from {first_confirmed[claim]} "
                f"to {last_confirmed[claim]}, no longer at the end of this budget"
            )
        interval = interval_text(row["CI 95% low"], row["CI 95% high"])
        lines.append(
            f"{tag} {claim}: {row['mean difference']:+.2f} dB {interval} at iteration {row['iteration']} "
            f"({row['verdict']}); {opened}."
        )
    return lines


def seed_spread(sweep, profile: str) -> pd.DataFrame:
    """§6: each variant's PSNR per seed on the cases with at least two seeds, and its range over seeds."""
    scores = sweep.scores
    every_seed = pd.concat([scores[scores["method"].isin(VARIANTS)], sweep.seed_study])
    spread = every_seed.pivot_table(index=["method", "case"], columns="seed", values="PSNR", aggfunc="first")
    spread = spread[spread.notna().sum(axis=1) >= 2]  # a range needs two seeds
    spread.columns = [f"PSNR seed {seed}" for seed in spread.columns]
    spread["range over seeds (dB)"] = spread.max(axis=1) - spread.min(axis=1)
    return spread.reset_index().assign(paper=NOT_IN_PAPER, profile=profile)


def oversize_comparison(sweep, factor: float) -> tuple[PairedComparison, str]:
    """§6: the true kernel size against one ``factor`` times larger, paired by case, and the oversized runs'
    collapse count as words."""
    label = oversize_label(factor)
    pairs = paired_scores(sweep.scores, REFERENCE, label, "PSNR")
    comparison = paired_comparison(
        pairs[REFERENCE], pairs[label], clusters=pairs["case"], claim=f"true kernel size > size x{factor:g}"
    )
    blind = sweep.blind_scores
    collapses = int(blind.loc[blind["method"] == label, "kernel collapsed"].sum())
    return comparison, f"kernel collapsed in {collapses} of {len(pairs)} oversized runs"


def lowest_loss_comparison(picks: pd.DataFrame) -> PairedComparison:
    """§6: does keeping the seed with the lowest final loss beat the mean over seeds
    (:func:`.experiment.lowest_loss_pick`'s table)?"""
    return paired_comparison(picks["PSNR of pick"], picks["mean PSNR"], claim="lowest-loss seed > mean of seeds")


def snapshots_figure(result, run_scores, title: str, panels: int = 6):
    """Fig. 3: ``panels`` snapshots of one run's image (top) and kernel (bottom), spread over its iterations,
    the title ending with whether its kernel collapsed."""
    available = sorted(result.snapshots)
    first = 1 if len(available) > panels else 0
    shown = sorted({available[i] for i in np.linspace(first, len(available) - 1, panels).round().astype(int)})
    fig, axes = plt.subplots(2, len(shown), figsize=(2.2 * len(shown), 4.6))
    for column, iteration in enumerate(np.atleast_1d(shown)):
        x, k = result.snapshots[iteration]
        axes[0, column].imshow(x, cmap="gray", vmin=0, vmax=1)
        axes[0, column].set_title(f"iteration {iteration}", fontsize=9)
        axes[1, column].imshow(k, cmap="gray")
    for ax in axes.flat:
        ax.axis("off")
    state = "kernel COLLAPSED" if run_scores["kernel collapsed"] else "kernel not collapsed"
    fig.suptitle(f"{title}; {state}, similarity {run_scores['kernel similarity']:.2f}")
    return fig


def curves_figure(runs: dict, case_name: str, blurry_psnr: float, title: str):
    """Fig. 3's curves: loss, PSNR and kernel similarity against iterations for SelfDeblur-J and -A on one case,
    every seed, with the blurry input's PSNR as a reference line."""
    fig, (ax_loss, ax_psnr, ax_sim) = plt.subplots(1, 3, figsize=(14, 3.6))
    for method, colour in (("SelfDeblur-J", "C0"), ("SelfDeblur-A", "C1")):
        method_seeds = sorted(seed for m, case, seed in runs if m == method and case == case_name)
        for seed, style in zip(method_seeds, ("-", "--", ":", "-.")):
            history = runs[method, case_name, seed].history
            label = f"{method}, seed {seed}"
            ax_loss.semilogy(history["iteration"], history["loss"], color=colour, ls=style, label=label, lw=1)
            evaluated = history.dropna(subset=["psnr"])
            ax_psnr.plot(evaluated["iteration"], evaluated["psnr"], color=colour, ls=style, label=label)
            ax_sim.plot(evaluated["iteration"], evaluated["kernel_similarity"], color=colour, ls=style, label=label)
    ax_psnr.axhline(blurry_psnr, color="gray", ls="--", label="blurry input")
    ax_sim.axhline(0.5, color="red", ls="--", lw=1, label="similarity 0.5")
    ax_loss.set(xlabel="iteration", ylabel="loss", title="loss")
    ax_psnr.set(xlabel="iteration", ylabel="dB", title="PSNR of x (aligned)")
    ax_sim.set(xlabel="iteration", ylabel="similarity", title="kernel similarity to the truth", ylim=(0, 1))
    for ax in (ax_loss, ax_psnr, ax_sim):
        ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def gallery_figure(sweep, cases, shown_runs, title: str):
    """§8: one row per ``(case, seed)`` of ``shown_runs``: blurry input, SelfDeblur-J's image, SelfDeblurΔ (its
    kernel in the tables' non-blind step), the truth, the estimated kernel (red "COLLAPSED" where it
    collapsed) and the true kernel, at one grey scale per kernel pair."""
    case_by_name = {case.name: case for case in cases}
    reference = sweep.reference_scores
    inputs = sweep.scores[sweep.scores["method"] == "blurry input"].drop_duplicates("case").set_index("case")["PSNR"]
    fig, axes = plt.subplots(len(shown_runs), 6, figsize=(13, 2.3 * len(shown_runs)), squeeze=False)
    for row, (case_name, seed) in zip(axes, shown_runs):
        case = case_by_name[case_name]
        result = sweep.runs[REFERENCE, case_name, seed]
        run_scores = reference[(reference["case"] == case_name) & (reference["seed"] == seed)].iloc[0]
        panels = [
            ("blurry", case.blurry, inputs[case_name]),
            ("SelfDeblur", result.latent, run_scores["PSNR"]),
            ("SelfDeblurΔ", non_blind_step(case.blurry, result.kernel), run_scores["PSNR (Δ)"]),
            ("truth", case.sharp, None),
        ]
        for ax, (name, image, psnr) in zip(row, panels):
            ax.imshow(image, cmap="gray", vmin=0, vmax=1)
            ax.set_title(name if psnr is None else f"{name} {psnr:.2f} dB", fontsize=9)
        top = max(result.kernel.max(), case.kernel.max())
        row[4].imshow(result.kernel, cmap="gray", vmin=0, vmax=top)
        similarity = run_scores["kernel similarity"]
        if run_scores["kernel collapsed"]:
            row[4].set_title(f"COLLAPSED (similarity {similarity:.2f})", fontsize=9, color="red")
        else:
            row[4].set_title(f"estimated (similarity {similarity:.2f})", fontsize=9)
        row[5].imshow(case.kernel, cmap="gray", vmin=0, vmax=top)
        row[5].set_title("true kernel", fontsize=9)
        row[0].set_ylabel(f"{case_name}\nseed {seed}")
    for ax in axes.flat:
        ax.set_xticks([]), ax.set_yticks([])
    # above the top row's titles, which tight_layout does not move
    fig.suptitle(title, y=1.0, va="bottom")
    fig.tight_layout()
    return fig


def gallery_title(sweep, shown_runs, iterations: int, tag: str) -> str:
    """§8's title: which runs the gallery picks and how many of their kernels collapsed."""
    reference = sweep.reference_scores.set_index(["case", "seed"])["kernel collapsed"]
    collapsed = sum(bool(reference[case, seed]) for case, seed in shown_runs)
    return (
        f"SelfDeblur-J, {iterations} iterations: best, middle and worst gain over the input of "
        f"{len(reference)} runs; {collapsed} of {len(shown_runs)} shown kernels collapsed {tag}"
    )


def kernel_history_figure(result, run_scores, true_kernel: np.ndarray, tag: str):
    """Exercise 4: every kernel snapshot of one run with its support (:func:`.experiment.kernel_support`), against
    the true kernel's."""
    steps = sorted(result.snapshots)
    fig, axes = plt.subplots(1, len(steps), figsize=(1.8 * len(steps), 2.2), squeeze=False)
    for ax, step in zip(axes[0], steps):
        kernel = result.snapshots[step][1]
        ax.imshow(kernel, cmap="gray")
        ax.set_title(f"it. {step}\nsupport {kernel_support(kernel)}", fontsize=8)
        ax.axis("off")
    state = "COLLAPSED" if run_scores["kernel collapsed"] else "not collapsed"
    fig.suptitle(
        f"{run_scores['case']}, seed {run_scores['seed']}: similarity {run_scores['kernel similarity']:.2f}, "
        f"{state}; the true kernel's support is {kernel_support(true_kernel)} taps {tag}",
        fontsize=9,
    )
    return fig


def psnr_trend(result) -> float:
    """PSNR change per 100 iterations after a run's last learning-rate halving (NaN with fewer than two
    evaluations there): is the run still improving when its budget ends?"""
    evaluated = result.history.dropna(subset=["psnr"])
    tail = evaluated[evaluated["iteration"] >= result.config.milestones()[-1]]
    return np.polyfit(tail["iteration"], tail["psnr"], 1)[0] * 100 if len(tail) >= 2 else float("nan")


def conclusion_lines(
    claims: pd.DataFrame,
    sweep,
    first_case: str,
    seed: int,
    *,
    tag: str,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """§10: every claim's line, how often SelfDeblur-J beats its input, the collapses, and the first case's PSNR
    trend at the end of its budget and gap to the true kernel; ``extra`` lines follow."""
    scores, blind = sweep.scores, sweep.blind_scores
    wins, runs = beats_input_count(scores)
    first_run = sweep.runs[REFERENCE, first_case, seed]
    slope = psnr_trend(first_run)
    known = scores[(scores["case"] == first_case) & (scores["method"] == "known kernel")]["PSNR"].iloc[0]
    ours = scores[(scores["case"] == first_case) & (scores["seed"] == seed) & (scores["method"] == REFERENCE)]
    gap = known - ours["PSNR"].iloc[0]
    collapsed = int(blind["kernel collapsed"].astype(bool).sum())
    trend = (
        f"{tag} {first_case}, seed {seed}: PSNR changing by {slope:+.2f} dB per 100 iterations after the last "
        f"learning-rate halving (iteration {first_run.config.milestones()[-1]})"
        if np.isfinite(slope)
        else f"{tag} {first_case}: too few evaluations to measure the PSNR trend"
    )
    return [
        *(claim_line(row, tag) + "." for _, row in claims.iterrows()),
        f"{tag} SelfDeblur-J beats its blurry input in {wins} of {runs} runs; kernels "
        f"collapsed in {collapsed} of {len(blind)} runs of all variants.",
        trend + f"; {gap:.2f} dB short of deconvolution with the true kernel.",
        *extra,
    ]


def beats_input_count(scores: pd.DataFrame) -> tuple[int, int]:
    """How many SelfDeblur-J runs end above their blurry input's PSNR, out of how many."""
    j_runs = scores[scores["method"] == REFERENCE].set_index(["case", "seed"])
    inputs = scores[scores["method"] == "blurry input"].set_index(["case", "seed"])
    beats = j_runs["PSNR"] > inputs.loc[j_runs.index, "PSNR"]
    return int(beats.sum()), len(beats)


# --- §9's explorers (ipywidgets is a dependency of the notebooks, not of the package: imported when used) -----------


def _iteration_slider(runs: dict):
    import ipywidgets as widgets

    iterations = sorted({i for result in runs.values() for i in result.snapshots})
    return widgets.SelectionSlider(
        options=iterations, value=iterations[-1], description="iteration", continuous_update=False
    )


def _nearest_snapshot(result, iteration: int):
    nearest = min(result.snapshots, key=lambda i: abs(i - iteration))
    return nearest, *result.snapshots[nearest]


def snapshot_explorer(runs: dict, case_names, tag: str):
    """§9: pick a run, case, seed and iteration; see that snapshot's image and kernel."""
    import ipywidgets as widgets

    def show(method, case_name, seed, iteration):
        if (method, case_name, seed) not in runs:
            print(f"{method} did not run on {case_name} with seed {seed} under this profile; pick another seed.")
            return
        nearest, x, k = _nearest_snapshot(runs[method, case_name, seed], iteration)
        fig, (ax_x, ax_k) = plt.subplots(1, 2, figsize=(7, 3.4), gridspec_kw={"width_ratios": [3, 1]})
        ax_x.imshow(x, cmap="gray", vmin=0, vmax=1)
        ax_k.imshow(k, cmap="gray")
        for ax in (ax_x, ax_k):
            ax.axis("off")
        fig.suptitle(f"{method}, {case_name}, seed {seed}, iteration {nearest} {tag}")
        plt.show()

    return widgets.interactive(
        show,
        method=widgets.Dropdown(options=list(dict.fromkeys(m for m, _, _ in runs)), description="run"),
        case_name=widgets.Dropdown(options=list(case_names), description="case"),
        seed=widgets.Dropdown(options=sorted({s for _, _, s in runs}), description="seed"),
        iteration=_iteration_slider(runs),
    )


def joint_alternating_explorer(runs: dict, case_names, seeds, tag: str):
    """§9: SelfDeblur-J and -A side by side on one case and seed at a chosen iteration."""
    import ipywidgets as widgets

    def show(case_name, seed, iteration):
        fig, axes = plt.subplots(1, 4, figsize=(13, 3.3), gridspec_kw={"width_ratios": [3, 1, 3, 1]})
        for offset, method in ((0, "SelfDeblur-J"), (2, "SelfDeblur-A")):
            nearest, x, k = _nearest_snapshot(runs[method, case_name, seed], iteration)
            axes[offset].imshow(x, cmap="gray", vmin=0, vmax=1)
            axes[offset].set_title(f"{method}, iteration {nearest}", fontsize=9)
            axes[offset + 1].imshow(k, cmap="gray")
        for ax in axes:
            ax.axis("off")
        fig.suptitle(f"{case_name}, seed {seed} {tag}")
        plt.show()

    return widgets.interactive(
        show,
        case_name=widgets.Dropdown(options=list(case_names), description="case"),
        seed=widgets.Dropdown(options=list(seeds), description="seed"),
        iteration=_iteration_slider(runs),
    )


def case_runner(benchmark, settings, *, seed: int, loss: str, cache_dir, tag: str):
    """§9: pick any case of ``benchmark``, see it, and run SelfDeblur-J on it (cached like the sweep's runs)."""
    import ipywidgets as widgets

    by_id = {(case.image_id, case.kernel_id): case for case in benchmark}
    image_picker = widgets.Dropdown(options=sorted({i for i, _ in by_id}), description="image")
    kernel_picker = widgets.Dropdown(options=sorted({k for _, k in by_id}), description="kernel")
    run_button = widgets.Button(description=f"Run SelfDeblur-J ({settings.iterations} it.)")
    view = widgets.Output()

    def picked_case():
        return crop_case(by_id[image_picker.value, kernel_picker.value], settings.crop)

    def show(result=None):
        case = picked_case()
        panels = [("blurry", case.blurry), ("truth", case.sharp)]
        if result is not None:
            panels.insert(1, ("SelfDeblur-J", result.latent))
        with view:
            view.clear_output(wait=True)
            fig, axes = plt.subplots(1, len(panels) + 1, figsize=(3.2 * (len(panels) + 1), 3.2))
            for ax, (name, image) in zip(axes, panels):
                ax.imshow(image, cmap="gray", vmin=0, vmax=1)
                ax.set_title(name, fontsize=9)
            axes[-1].imshow(case.kernel if result is None else result.kernel, cmap="gray")
            axes[-1].set_title("true kernel" if result is None else "estimated kernel", fontsize=9)
            for ax in axes:
                ax.axis("off")
            fig.suptitle(f"{case.name} {tag}")
            plt.show()

    def run(_):
        case = picked_case()
        config = settings.run_config(case.estimation_size, seed, loss, VARIANTS[REFERENCE])
        show(run_selfdeblur_on_case(case, config, cache_dir=cache_dir, description=case.name))

    image_picker.observe(lambda _: show(), names="value")
    kernel_picker.observe(lambda _: show(), names="value")
    run_button.on_click(run)
    show()
    return widgets.VBox([widgets.HBox([image_picker, kernel_picker, run_button]), view])


def collapse_count(sweep, case_name: str) -> tuple[int, int]:
    """Fig. 3's curves: of the SelfDeblur-J runs (every seed) and -A runs on one case, how many end with a
    collapsed kernel, out of how many."""
    alternating = sweep.blind_scores[sweep.blind_scores["method"] == "SelfDeblur-A"]
    runs = pd.concat([sweep.reference_scores, alternating])
    flags = runs.loc[runs["case"] == case_name, "kernel collapsed"].astype(bool)
    return int(flags.sum()), len(flags)


def timing_line(sweep, elapsed_seconds: float, tag: str) -> str:
    """§10: this execution's time beside what the SelfDeblur runs cost when they were computed (recorded with each
    run), so that a copy executed from the cache still says what a cold run takes."""
    runs = pd.concat([sweep.blind_scores, sweep.seed_study]).drop_duplicates(["method", "case", "seed"])
    cached = int(runs["cached"].astype(bool).sum())
    return (
        f"{tag} notebook time {elapsed_seconds / 60:.1f} min; its {len(runs)} SelfDeblur runs took "
        f"{runs['seconds'].sum() / 60:.1f} min when computed ({cached} of them loaded from cache here)."
    )
