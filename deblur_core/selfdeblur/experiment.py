"""SelfDeblur Tables 1-2 as a sweep: every variant on every case and seed, scored and tested.

Ren et al. (CVPR 2020), Sec. 4.1-4.2: Table 1 compares joint (SelfDeblur-J) with
alternating (SelfDeblur-A) optimisation; Table 2 compares the FCN kernel generator
with k-, k+ and Double-DIP. The paper reports means over 32 cases and one run each;
here each claim is a *paired* difference over cases x seeds with a bootstrap CI
(:mod:`deblur_core.stats`), so that a reader sees whether this budget supports it.

A run whose kernel collapsed is flagged (:func:`kernel_collapsed`): its scores stay in
the tables (dropping failures would flatter a method) and galleries show it as such.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..deconv import deconvolve_irls
from ..evaluation import evaluate_blind_result, known_kernel_reference, score
from ..kernel_estimation import estimate_kernel
from ..kernels import kernel_similarity
from ..profiles import SelfDeblurSettings
from ..stats import comparisons_table, paired_comparison
from ..tasks import run_tasks
from .optimisation import SelfDeblurResult, run_selfdeblur_on_case, selfdeblur_is_cached

#: the non-blind step of Table 3's known-kernel row, SelfDeblurΔ and the classical row: Levin et al.'s IRLS, the step
#: the paper names (:func:`deblur_core.deconv.deconvolve_irls`), with the prior weight that
#: ``benchmarks/selfdeblur_nonblind.py`` chose on the offline stand-in; on the real benchmark it beats the
#: hyper-Laplacian step it replaced (a test reads the benchmark's choice)
IRLS_PRIOR_WEIGHT = 2e-4


def non_blind_step(blurry: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Deconvolve ``blurry`` with a known ``kernel`` as notebook 03's tables do (:data:`IRLS_PRIOR_WEIGHT`)."""
    return deconvolve_irls(blurry, kernel, prior_weight=IRLS_PRIOR_WEIGHT)


VARIANTS = {
    "SelfDeblur-J": dict(mode="joint", kernel_generator="fcn"),
    "SelfDeblur-A": dict(mode="alternating", kernel_generator="fcn"),
    "SelfDeblur k−": dict(mode="joint", kernel_generator="fcn-"),
    "SelfDeblur k+": dict(mode="joint", kernel_generator="fcn+"),
    "Double-DIP": dict(mode="joint", kernel_generator="dip"),
}
REFERENCE = "SelfDeblur-J"
# Table 3's classical row: our L0 + dark-channel estimator (Pan et al.'s prior, the paper's "Pan-DCP") given the
# same kernel size, then the same non-blind step as SelfDeblurΔ and the known-kernel row (:func:`non_blind_step`)
CLASSICAL = "classical (L0 + dark channel)"
# (method claimed better, method it is compared with): Table 1, then Table 2, then Table 3's headline
CLAIMS = (
    ("SelfDeblur-J", "SelfDeblur-A"),
    ("SelfDeblur-J", "SelfDeblur k−"),
    ("SelfDeblur-J", "SelfDeblur k+"),
    ("SelfDeblur-J", "Double-DIP"),
    ("SelfDeblur-J", CLASSICAL),
)
# the claims whose two sides both iterate, so that their runs' logs give a difference at every evaluated iteration
ITERATED_CLAIMS = tuple(claim for claim in CLAIMS if claim[1] in VARIANTS)
# a kernel's support: the fewest taps that hold this share of its mass
SUPPORT_MASS = 0.9
# collapsed: the estimate's support is under this share of the truth's (a few dots where the truth is a stroke)
COLLAPSE_SUPPORT_RATIO = 1 / 3


def kernel_support(kernel: np.ndarray, mass: float = SUPPORT_MASS) -> int:
    """The fewest taps of ``kernel`` that hold ``mass`` of its (non-negative) total.

    >>> from deblur_core.kernels import delta_kernel
    >>> kernel_support(delta_kernel(7)), kernel_support(np.ones((3, 3)))
    (1, 9)
    """
    values = np.sort(np.clip(np.asarray(kernel, dtype=np.float64), 0, None).ravel())[::-1]
    if not values.sum() > 0:
        raise ValueError("the kernel has no positive mass; a blur kernel must sum to 1")
    return int(np.searchsorted(np.cumsum(values) / values.sum(), mass - 1e-12) + 1)


def kernel_collapsed(estimate: np.ndarray, truth: np.ndarray) -> bool:
    """Whether a blind estimate has collapsed towards a few dots: its support (:func:`kernel_support`) is under
    :data:`COLLAPSE_SUPPORT_RATIO` of the true kernel's. This is what a reader sees in a gallery; a spread but
    wrong kernel is not a collapse, and its low similarity says so on its own.

    Examples
    --------
    >>> from deblur_core.kernels import delta_kernel, random_motion_kernel
    >>> truth = random_motion_kernel(15, seed=0)
    >>> kernel_collapsed(truth, truth), kernel_collapsed(delta_kernel(15), truth)
    (False, True)
    """
    return kernel_support(estimate) < COLLAPSE_SUPPORT_RATIO * kernel_support(truth)


def oversized_kernel(size: int, factor: float) -> int:
    """The odd kernel size nearest to ``factor * size`` (the user over-estimating the blur)."""
    if factor <= 0:
        raise ValueError(f"kernel-size factor must be positive, got {factor}")
    scaled = int(round(size * factor))
    return scaled if scaled % 2 else scaled + 1


def oversize_label(factor: float) -> str:
    return f"SelfDeblur-J, kernel ×{factor:g}"


@dataclass
class Sweep:
    """Results of a sweep: ``runs[(method, case name, seed)]``, one row of scores per run of the
    main design (every variant on every case and seed), and the seed study's rows apart.

    ``seed_study`` holds the reference method's runs on the seed study's cases under every
    study seed (those of the main design included), so that its extra seeds never weigh
    some cases more than others in the tables and claims.
    """

    runs: dict = field(default_factory=dict)
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    seed_study: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def reference_scores(self) -> pd.DataFrame:
        """The reference method's rows under every seed it ran with: the main design's and the seed study's."""
        main = self.scores[self.scores["method"] == REFERENCE]
        return pd.concat([main, self.seed_study]).drop_duplicates(["case", "seed"])

    @property
    def blind_scores(self) -> pd.DataFrame:
        """The rows of SelfDeblur's own runs (every variant, the oversized kernel): not the blurry input, the known
        kernel or the classical row."""
        return self.scores[self.scores["method"].isin({method for method, _, _ in self.runs})]


def variants_named(names) -> dict:
    """The entries of :data:`VARIANTS` called ``names``, in that order."""
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant(s) {', '.join(map(repr, unknown))}; use any of {', '.join(VARIANTS)}")
    return {name: VARIANTS[name] for name in names}


def select_cases(benchmark, wanted) -> list:
    """The cases of ``benchmark`` named by ``wanted``: ``(image, kernel)`` pairs in order, or ``"all"``."""
    if wanted == "all":
        return list(benchmark)
    by_id = {(case.image_id, case.kernel_id): case for case in benchmark}
    missing = [tuple(pair) for pair in wanted if tuple(pair) not in by_id]
    if missing:
        raise ValueError(
            f"cases {missing} are not in the benchmark; it has images "
            f"{sorted({c.image_id for c in benchmark})} and kernels {sorted({c.kernel_id for c in benchmark})}"
        )
    return [by_id[tuple(pair)] for pair in wanted]


def sweep_plan(
    cases,
    settings: SelfDeblurSettings,
    *,
    seeds,
    variants=VARIANTS,
    loss: str = "paper",
    oversize_factor: float | None = None,
    seed_study: dict | None = None,
) -> list[tuple]:
    """``(method, case, seed, config)`` for every run, variant by variant (so that the
    first claims complete first when a long sweep is interrupted), then the oversized
    kernels, then the seed study.

    ``seed_study`` (``{"cases": n, "seeds": (...)}``) adds runs of the reference method
    (:data:`REFERENCE`) on the first ``n`` cases under the study's seeds that the main
    design lacks: the seed spread and the lowest-loss pick need several seeds, the claims
    only need independent cases.
    """
    plan = []
    for method, variant in variants.items():
        for case in cases:
            for seed in seeds:
                plan.append((method, case, seed, settings.run_config(case.estimation_size, seed, loss, variant)))
    if oversize_factor:
        for case in cases:
            size = oversized_kernel(case.estimation_size, oversize_factor)
            for seed in seeds:
                plan.append(
                    (
                        oversize_label(oversize_factor),
                        case,
                        seed,
                        settings.run_config(size, seed, loss, VARIANTS[REFERENCE]),
                    )
                )
    for case, seed in _extra_study_runs(cases, seeds, seed_study):
        plan.append((REFERENCE, case, seed, settings.run_config(case.estimation_size, seed, loss, VARIANTS[REFERENCE])))
    return plan


def _study_cases(cases, seed_study: dict | None) -> list:
    if not seed_study:
        return []
    count = seed_study["cases"]
    if not 1 <= count <= len(cases):
        raise ValueError(f"the seed study needs between 1 and {len(cases)} cases, got {count}")
    return list(cases[:count])


def _extra_study_runs(cases, seeds, seed_study: dict | None) -> list[tuple]:
    return [
        (case, seed) for case in _study_cases(cases, seed_study) for seed in seed_study["seeds"] if seed not in seeds
    ]


def run_sweep(
    cases,
    settings: SelfDeblurSettings,
    *,
    seeds,
    cache_dir: str | Path,
    variants=VARIANTS,
    loss: str = "paper",
    oversize_factor: float | None = None,
    seed_study: dict | None = None,
    progress: bool = True,
    scheduler=None,
) -> Sweep:
    """Run (or load from the cache) every run of :func:`sweep_plan` and score it.

    ``scheduler`` spreads the runs over a Dask cluster (:func:`deblur_core.tasks.run_tasks`: ``None`` runs them
    here one after another; ``"local:N"`` or a scheduler address); the tables are the same either way.

    Besides one row per run, each (case, seed) gets a *blurry input* and a *known kernel*
    row (the same for every seed) so that every comparison can be paired. ``seed_study``
    is described in :func:`sweep_plan`; its rows go to :attr:`Sweep.seed_study`.
    """
    plan = sweep_plan(
        cases,
        settings,
        seeds=seeds,
        variants=variants,
        loss=loss,
        oversize_factor=oversize_factor,
        seed_study=seed_study,
    )
    references = {
        case.name: known_kernel_reference(case.blurry, case.sharp, case.kernel, non_blind_step) for case in cases
    }
    sweep, rows = Sweep(), []
    for case in cases:
        reference, reference_sse = references[case.name]
        rows += [{"case": case.name, "seed": seed, **classical_row(case, reference_sse)} for seed in seeds]
        for method, image in (("blurry input", case.blurry), ("known kernel", reference)):
            s = score(image, case.sharp, reference_sse)
            rows += [
                {
                    "case": case.name,
                    "seed": seed,
                    "method": method,
                    "PSNR": s.psnr,
                    "SSIM": s.ssim,
                    "error ratio": s.error_ratio,
                }
                for seed in seeds
            ]
    tasks = [(case, config, f"{method} {case.name} s{seed}") for method, case, seed, config in plan]
    # a run's own bar only where runs happen here, one at a time; on a cluster the one bar counts runs
    runner = functools.partial(_run_task, cache_dir=cache_dir, progress=progress and scheduler is None)
    results = run_tasks(
        runner,
        tasks,
        scheduler=scheduler,
        is_done=functools.partial(_task_is_cached, cache_dir=cache_dir),
        description="SelfDeblur sweep",
        progress=progress,
    )
    extra = set((case.name, seed) for case, seed in _extra_study_runs(cases, seeds, seed_study))
    study_rows = []
    for (method, case, seed, _), result in zip(plan, results):
        sweep.runs[method, case.name, seed] = result
        row = _run_row(method, case, seed, result, references[case.name][1])
        if method == REFERENCE and (case.name, seed) in extra:
            study_rows.append(row)
        else:
            rows.append(row)
    sweep.scores = pd.DataFrame(rows)
    study_names = [case.name for case in _study_cases(cases, seed_study)]
    main_study_rows = sweep.scores[(sweep.scores["method"] == REFERENCE) & sweep.scores["case"].isin(study_names)]
    sweep.seed_study = pd.concat([main_study_rows, pd.DataFrame(study_rows)], ignore_index=True)
    if len(sweep.seed_study):
        sweep.seed_study = sweep.seed_study.sort_values(["case", "seed"], kind="stable", ignore_index=True)
    return sweep


def classical_row(case, reference_sse: float) -> dict:
    """Table 3's classical row on one case: :func:`~deblur_core.kernel_estimation.estimate_kernel` with the case's
    estimation size, then :func:`non_blind_step`, scored like SelfDeblurΔ (deterministic: no seed)."""
    kernel = estimate_kernel(case.blurry, case.estimation_size)
    scores = score(non_blind_step(case.blurry, kernel), case.sharp, reference_sse)
    return {
        "method": CLASSICAL,
        "PSNR": scores.psnr,
        "SSIM": scores.ssim,
        "error ratio": scores.error_ratio,
        "kernel similarity": kernel_similarity(case.kernel, kernel),
        "kernel collapsed": kernel_collapsed(kernel, case.kernel),
    }


def budget_curve(runs: dict, claims=ITERATED_CLAIMS, metric: str = "psnr") -> pd.DataFrame:
    """Each claim's paired difference and bootstrap 95 % CI (resampling cases) at every iteration both sides
    evaluated, read from the runs' own logs: does the paper's gap open as the budget grows?

    ``runs`` is :attr:`Sweep.runs`. The logs score each snapshot as the tables do (Levin et al.'s sub-pixel
    alignment), cases and bootstrap are the same, so the last point *is* :func:`claims_table`'s PSNR row: one number
    per claim (a test holds them equal).
    Columns: ``claim``, ``iteration``, ``mean difference``, ``CI 95% low``, ``CI 95% high``, ``paired samples``,
    ``clusters`` and ``verdict``.
    """
    comparisons, iterations = [], []
    for method, other in claims:
        keys = sorted((case, seed) for m, case, seed in runs if m == method and (other, case, seed) in runs)
        if not keys:
            continue
        logs = {
            (name, case, seed): runs[name, case, seed].history.dropna(subset=[metric]).set_index("iteration")[metric]
            for case, seed in keys
            for name in (method, other)
        }
        for iteration in sorted(set.intersection(*(set(log.index) for log in logs.values()))):
            comparisons.append(
                paired_comparison(
                    [logs[method, case, seed][iteration] for case, seed in keys],
                    [logs[other, case, seed][iteration] for case, seed in keys],
                    claim=f"{method} > {other}",
                    clusters=[case for case, _ in keys],
                )
            )
            iterations.append(int(iteration))
    table = comparisons_table(comparisons)
    table.insert(1, "iteration", iterations)
    return table


def _run_task(task, *, cache_dir, progress: bool) -> SelfDeblurResult:
    case, config, description = task
    return run_selfdeblur_on_case(case, config, cache_dir=cache_dir, progress=progress, description=description)


def _task_is_cached(task, *, cache_dir) -> bool:
    case, config, _ = task
    return selfdeblur_is_cached(case.blurry, config, cache_dir)


def _run_row(method, case, seed, result: SelfDeblurResult, reference_sse: float) -> dict:
    scores = evaluate_blind_result(
        result.latent, result.kernel, case.blurry, case.sharp, case.kernel, reference_sse, non_blind_step
    )
    return {
        "case": case.name,
        "seed": seed,
        "method": method,
        **scores,
        "kernel collapsed": kernel_collapsed(result.kernel, case.kernel),
        "final loss": float(result.history["loss"].iloc[-1]),
        "seconds": result.seconds,
        "cached": result.from_cache,
    }


def paired_scores(scores: pd.DataFrame, method: str, other: str, metric: str) -> pd.DataFrame:
    """The two methods' ``metric`` side by side on the (case, seed) pairs both have."""
    wide = scores.pivot_table(index=["case", "seed"], columns="method", values=metric, aggfunc="first")
    missing = [m for m in (method, other) if m not in wide.columns]
    if missing:
        raise ValueError(f"no scores for {', '.join(missing)}; the sweep has {', '.join(wide.columns)}")
    return wide[[method, other]].dropna().reset_index()


def claims_table(scores: pd.DataFrame, claims=CLAIMS, metrics=("PSNR", "SSIM"), **columns) -> pd.DataFrame:
    """Paired difference, bootstrap 95 % CI (resampling cases) and verdict for every claim and metric."""
    comparisons, metric_column = [], []
    for metric in metrics:
        higher_is_better = metric != "error ratio"
        for method, other in claims:
            pairs = paired_scores(scores, method, other, metric)
            comparisons.append(
                paired_comparison(
                    pairs[method],
                    pairs[other],
                    claim=f"{method} > {other}",
                    higher_is_better=higher_is_better,
                    clusters=pairs["case"],
                )
            )
            metric_column.append(metric)
    table = comparisons_table(comparisons, **columns)
    table.insert(1, "metric", metric_column)
    return table


def method_means(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean PSNR, SSIM and error ratio per method (Table 3's columns), plus a ``SelfDeblurΔ`` row: SelfDeblur-J's
    kernel in the non-blind step (its ``(Δ)`` columns)."""
    mean = scores.groupby("method", sort=False).mean(numeric_only=True)
    ours = mean[["PSNR", "SSIM", "error ratio"]].copy()
    ours.loc["SelfDeblurΔ"] = mean.loc[REFERENCE, ["PSNR (Δ)", "SSIM (Δ)", "error ratio (Δ)"]].to_numpy()
    return ours


def lowest_loss_pick(scores: pd.DataFrame, method: str = REFERENCE) -> pd.DataFrame:
    """Per case, the seed with the lowest final loss against the other seeds' PSNR.

    Answers "does keeping the lowest-loss run of several seeds keep the best one?":
    columns ``picked seed``, ``PSNR of pick``, ``best PSNR``, ``mean PSNR`` and ``picked the best``.
    """
    runs = scores[scores["method"] == method]
    rows = []
    for case, group in runs.groupby("case", sort=False):
        if len(group) < 2:
            continue
        pick = group.loc[group["final loss"].idxmin()]
        rows.append(
            {
                "case": case,
                "seeds": len(group),
                "picked seed": int(pick["seed"]),
                "PSNR of pick": pick["PSNR"],
                "best PSNR": group["PSNR"].max(),
                "mean PSNR": group["PSNR"].mean(),
                "picked the best": bool(pick["PSNR"] == group["PSNR"].max()),
            }
        )
    return pd.DataFrame(rows)


def gallery_runs(reference_runs: pd.DataFrame, scores: pd.DataFrame, count: int = 4) -> list[tuple[str, int]]:
    """``(case, seed)`` of at most ``count`` runs spread over their PSNR gain on the blurry input: the best, the
    worst and evenly between, so that a gallery of a few rows shows the range rather than the best case.

    ``reference_runs`` has one row per run (``case``, ``seed``, ``PSNR``); ``scores`` holds each case's
    ``"blurry input"`` row.
    """
    if count < 1:
        raise ValueError(f"a gallery needs at least 1 run, got count={count}")
    inputs = scores[scores["method"] == "blurry input"].drop_duplicates("case").set_index("case")["PSNR"]
    ranked = reference_runs.assign(gain=reference_runs["PSNR"] - reference_runs["case"].map(inputs))
    ranked = ranked.sort_values(["gain", "case", "seed"], ascending=[False, True, True])
    picks = np.unique(np.linspace(0, len(ranked) - 1, min(count, len(ranked))).round().astype(int))
    return [(row.case, int(row.seed)) for row in ranked.iloc[picks].itertuples()]


def compare_configs(case, configs: dict, *, cache_dir) -> pd.DataFrame:
    """One run per labelled configuration on ``case`` (cached like the sweep's): the last evaluated PSNR and the
    kernel similarity of each, one row per label (the exercises' "what if" runs)."""
    rows = {}
    for label, config in configs.items():
        result = run_selfdeblur_on_case(case, config, cache_dir=cache_dir, progress=False)
        last = result.history.dropna(subset=["psnr"]).iloc[-1]
        rows[label] = {"PSNR (dB)": last["psnr"], "kernel similarity": kernel_similarity(case.kernel, result.kernel)}
    return pd.DataFrame(rows).T.round(3)
