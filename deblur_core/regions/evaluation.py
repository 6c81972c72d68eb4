"""Comparing window selectors as the paper does (region-selection paper, Sec. 4.2-4.4), and within each image.

For each test image and each selector: take the selector's top window, use the kernel
estimated from it (already computed when the test windows were labelled), deconvolve
the **whole** image with that kernel, and score the result against the sharp image:
Levin's error ratio (against deconvolution with the true kernel by the same
non-blind method, :mod:`deblur_core.deconv`), PSNR and SSIM after Levin's alignment.

Every window of a test image is scored this way once (:func:`score_windows`), which
gives the references that frame the selectors:

* **best window**: the window whose kernel gives the lowest error ratio, an upper bound for every
  window selector on that image (the whole image is not a window and can beat it).
* **best similarity**: the window whose kernel is most similar to the truth (what the
  labels reward). Similarity ignores a kernel's position and penalises shape and width
  differently from deconvolution, so it is not an upper bound.
* **chance (mean over windows)**: the *expected* result of picking a window uniformly at
  random, computed exactly; the ``random`` selector is one draw of it.
* **whole image**: the kernel estimated from the whole image (the paper's Sec. 4.3).

Within-image metrics say how well a selector ranks one image's windows, which is what
decides the window it picks: its **regret** (the chosen window's error ratio over the
best window's, 1 at best) and the Spearman **rank correlation** between its scores and
the windows' true similarities. Fig. 8 of the paper is the cumulative distribution of
the error ratio (:func:`success_rates`); Fig. 9 shows per-image PSNR with the mean.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from ..cache import cache_key, memoise
from ..deconv import deconvolve_hyper_laplacian
from ..evaluation import known_kernel_reference, score
from ..kernels import kernel_similarity
from ..progress import progress_bar
from ..stats import (
    MIN_UNITS_FOR_VERDICT,
    bootstrap_mean_interval,
    comparisons_table,
    paired_comparison,
    paired_differences,
)
from .labels import LabelledExample
from .selectors import MEAN_GRADIENT, PER_IMAGE_CNN, Selector, rank_windows

WHOLE_IMAGE = "whole image"
BEST_SIMILARITY = "best similarity"
BEST_WINDOW = "best window"
EXPECTED_CHANCE = "chance (mean over windows)"
REFERENCES = (BEST_WINDOW, BEST_SIMILARITY, EXPECTED_CHANCE, WHOLE_IMAGE)
#: the paper's claims as (A, B) pairs "A beats B", with what the paper says of each: Fig. 8 (the CNN's curve is
#: highest) and Sec. 4.3 (the CNN's window is comparable to or better than the whole image)
PAPER_STATEMENTS = {
    ("CNN", "Fergus et al."): "CNN's curve highest",
    ("CNN", "Xu & Jia"): "CNN's curve highest",
    ("CNN", "Hu & Yang-style (Gabor)"): "CNN's curve highest",
    ("CNN", EXPECTED_CHANCE): "CNN's curve highest",
    ("CNN", WHOLE_IMAGE): "CNN comparable or better (Sec. 4.3)",
}
PAPER_CLAIMS = tuple(PAPER_STATEMENTS)
#: the CNN's claims the companion tests: the paper's, and the CNN against the simplest cue (not in the paper)
CNN_CLAIMS = (*PAPER_CLAIMS, ("CNN", MEAN_GRADIENT))
#: the same claims for the network trained on per-image labels, and whether it beats the paper's CNN
PER_IMAGE_CLAIMS = (*((PER_IMAGE_CNN, b) for _, b in CNN_CLAIMS), (PER_IMAGE_CNN, "CNN"))
#: both: claims about a selector that a run did not score are left out by :func:`selector_claims`
COMPARED_CLAIMS = (*CNN_CLAIMS, *PER_IMAGE_CLAIMS)


def paper_statement(claim: str) -> str:
    """What the paper says of the claim ``"A beats B"`` (:data:`PAPER_STATEMENTS`), or that it says nothing.

    >>> paper_statement("CNN beats whole image"), paper_statement("CNN beats random")
    ('CNN comparable or better (Sec. 4.3)', 'not in the paper')
    """
    return {f"{a} beats {b}": text for (a, b), text in PAPER_STATEMENTS.items()}.get(claim, "not in the paper")


# pseudo window indices of the references that are not one window of the grid
_WHOLE, _MEAN = -1, -2
WINDOW_SCORES_VERSION = 1
_METRICS = ("error ratio", "PSNR", "SSIM")
#: metrics where a lower value is the better one (the others: higher is better)
LOWER_IS_BETTER = ("regret", "error ratio")


def _scores_path(cache_dir, item: LabelledExample) -> Path | None:
    if cache_dir is None:
        return None
    example = item.example
    key = cache_key(WINDOW_SCORES_VERSION, {}, example.blurry, example.sharp, example.kernel, item.kernels)
    return Path(cache_dir) / "window_scores" / f"{example.name}_{key}.npz"


def _window_scores(item: LabelledExample, bar) -> dict[str, np.ndarray]:
    example = item.example
    restored, reference_sse = known_kernel_reference(example.blurry, example.sharp, example.kernel)
    table = np.empty((len(item.windows), 3))
    for w, kernel in enumerate(item.kernels):
        result = score(deconvolve_hyper_laplacian(example.blurry, kernel), example.sharp, reference_sse)
        table[w] = result.error_ratio, result.psnr, result.ssim
        bar.update(1)
    return {"table": table, "reference_psnr": np.float64(score(restored, example.sharp, reference_sse).psnr)}


def score_windows(labelled: list[LabelledExample], *, cache_dir=None, progress: bool = True) -> pd.DataFrame:
    """Deconvolve each example with every window's kernel and score the result.

    Returns one row per (example, window): ``example``, ``window``, ``image``, ``kernel``,
    ``kernel size``, ``similarity``, ``error ratio``, ``PSNR``, ``SSIM`` and ``PSNR (true
    kernel)``. Each example's scores are cached under ``cache_dir`` (``None``: no cache).
    """
    rows = []
    bar = progress_bar(total=sum(len(i.windows) for i in labelled), desc="scoring every window", enabled=progress)
    for index, item in enumerate(labelled):
        example = item.example
        path = _scores_path(cache_dir, item)
        if path is not None and path.exists():
            bar.update(len(item.windows))
        saved = memoise(path, functools.partial(_window_scores, item, bar))
        table, reference_psnr = saved["table"], float(saved["reference_psnr"])
        for w in range(len(item.windows)):
            rows.append(
                {
                    "example": index,
                    "window": w,
                    "image": example.image_name,
                    "kernel": example.kernel_id,
                    "kernel size": example.kernel.shape[0],
                    "similarity": float(item.similarities[w]),
                    **dict(zip(_METRICS, map(float, table[w]))),
                    "PSNR (true kernel)": reference_psnr,
                }
            )
    bar.close()
    return pd.DataFrame(rows)


def _rank_correlation(scores: np.ndarray, similarities: np.ndarray) -> float:
    if np.ptp(scores) == 0 or np.ptp(similarities) == 0:
        return 0.0  # a constant ranking carries no information about the windows
    return float(scipy_stats.spearmanr(scores, similarities).statistic)


def selector_choices(
    labelled: list[LabelledExample], selectors: dict[str, Selector], whole_kernels: list[np.ndarray] | None = None
) -> pd.DataFrame:
    """Which window each selector picks on each example, its kernel similarity, and how the
    selector's scores rank the example's windows (Spearman correlation with the similarities).

    ``selectors`` maps a display name to a selector; the best-similarity window is added,
    and the whole image too when ``whole_kernels`` is given. The ``window`` column holds
    the index of the window in the example's grid (-1 for the whole image).
    """
    rows = []
    for index, item in enumerate(labelled):
        blurry = item.example.blurry
        for name, selector in selectors.items():
            scores = np.asarray(selector.score(blurry, item.windows), dtype=np.float64)
            best = int(rank_windows(scores)[0])
            rows.append(
                {
                    "example": index,
                    "selector": name,
                    "window": best,
                    "similarity": float(item.similarities[best]),
                    "rank correlation": _rank_correlation(scores, item.similarities),
                }
            )
        best = int(rank_windows(item.similarities)[0])
        rows.append(
            {
                "example": index,
                "selector": BEST_SIMILARITY,
                "window": best,
                "similarity": float(item.similarities[best]),
                "rank correlation": 1.0,
            }
        )
        if whole_kernels is not None:
            rows.append(
                {
                    "example": index,
                    "selector": WHOLE_IMAGE,
                    "window": _WHOLE,
                    "similarity": kernel_similarity(item.example.kernel, whole_kernels[index]),
                    "rank correlation": np.nan,
                }
            )
    return pd.DataFrame(rows)


def evaluate_choices(
    labelled: list[LabelledExample],
    choices: pd.DataFrame,
    window_scores: pd.DataFrame,
    whole_kernels: list[np.ndarray] | None = None,
) -> pd.DataFrame:
    """Score each choice from :func:`score_windows`' table, and add the best window and the
    expected chance level.

    Returns one row per (example, selector) with ``window``, ``similarity``, ``rank
    correlation``, ``image``, ``kernel``, ``kernel size``, ``error ratio``, ``PSNR``,
    ``SSIM``, ``PSNR (true kernel)`` and ``regret`` (error ratio over the best window's).
    """
    per_window = window_scores.set_index(["example", "window"])
    rows = []
    for index in sorted(choices["example"].unique()):
        windows = per_window.loc[index]
        info = windows.iloc[0][["image", "kernel", "kernel size", "PSNR (true kernel)"]].to_dict()
        best_ratio = float(windows["error ratio"].min())
        for row in choices[choices["example"] == index].to_dict("records"):
            if row["window"] == _WHOLE:
                example = labelled[index].example
                _, reference_sse = known_kernel_reference(example.blurry, example.sharp, example.kernel)
                result = score(
                    deconvolve_hyper_laplacian(example.blurry, whole_kernels[index]), example.sharp, reference_sse
                )
                metrics = dict(zip(_METRICS, (result.error_ratio, result.psnr, result.ssim)))
            else:
                metrics = windows.loc[row["window"], list(_METRICS)].to_dict()
            rows.append({**row, **info, **metrics})
        upper = int(windows["error ratio"].idxmin())
        rows.append(
            {
                "example": index,
                "selector": BEST_WINDOW,
                "window": upper,
                "similarity": float(windows.loc[upper, "similarity"]),
                "rank correlation": np.nan,
                **info,
                **windows.loc[upper, list(_METRICS)].to_dict(),
            }
        )
        rows.append(
            {
                "example": index,
                "selector": EXPECTED_CHANCE,
                "window": _MEAN,
                "similarity": float(windows["similarity"].mean()),
                "rank correlation": 0.0,
                **info,
                **windows[list(_METRICS)].mean().to_dict(),
                "regret": float((windows["error ratio"] / best_ratio).mean()),
            }
        )
    evaluation = pd.DataFrame(rows)
    best = evaluation[evaluation["selector"] == BEST_WINDOW].set_index("example")["error ratio"]
    # chance's regret is the mean of the windows' regrets, already set; the others are one window's
    evaluation["regret"] = evaluation["regret"].fillna(evaluation["error ratio"] / evaluation["example"].map(best))
    return evaluation


def success_rates(
    evaluation: pd.DataFrame, window_scores: pd.DataFrame | None = None, thresholds=(1.5, 2, 2.5, 3, 4, 5)
) -> pd.DataFrame:
    """Share of images whose error ratio is at most each threshold, per selector (Fig. 8).

    With ``window_scores``, the chance row is the exact expectation (the share of windows
    at or below each threshold, averaged over images) rather than the share of images
    whose *mean* error ratio is below it.
    """
    grouped = evaluation.groupby("selector", sort=False)
    frame = pd.DataFrame(
        {f"ER ≤ {t:g}": grouped["error ratio"].apply(lambda r, t=t: float((r <= t).mean())) for t in thresholds}
    )
    if window_scores is not None and EXPECTED_CHANCE in frame.index:
        frame.loc[EXPECTED_CHANCE] = [chance_success_share(window_scores, t) for t in thresholds]
    for position, column in enumerate(("error ratio", "regret", "PSNR", "similarity", "rank correlation")):
        frame.insert(position, f"mean {column}", grouped[column].mean())
    return frame.rename(columns={"mean error ratio": "mean ER"})


def chance_success_share(window_scores: pd.DataFrame, threshold: float) -> float:
    """Expected share of images at or below ``threshold`` when one window per image is drawn at random."""
    return float(window_scores.groupby("example")["error ratio"].apply(lambda r: (r <= threshold).mean()).mean())


def within_image_table(
    evaluation: pd.DataFrame, selectors=None, *, seed: int = 0, clusters_by: str | None = None
) -> pd.DataFrame:
    """Mean regret and rank correlation per selector with bootstrap 95 % CIs over test examples, or over
    groups of them when ``clusters_by`` names a column (e.g. ``"image"``: whole sharp images are resampled)."""
    rows = []
    for name in selectors or evaluation["selector"].unique():
        part = evaluation[evaluation["selector"] == name]
        row = {"selector": name, "examples": len(part)}
        for column in ("regret", "rank correlation"):
            kept = part[column].notna()
            values = part.loc[kept, column].to_numpy()
            if values.size:
                clusters = None if clusters_by is None else part.loc[kept, clusters_by].to_numpy()
                low, high = bootstrap_mean_interval(values, clusters=clusters, seed=seed)
                row.update({column: values.mean(), f"{column} CI low": low, f"{column} CI high": high})
        rows.append(row)
    return pd.DataFrame(rows)


def _group_of_each_example(evaluation: pd.DataFrame, by: str) -> pd.Series:
    per_example = evaluation.groupby("example")[by]
    if (per_example.nunique() > 1).any():
        raise ValueError(f"an example has more than one {by!r}; each must belong to one group")
    return per_example.first()


def selector_claims(
    evaluation: pd.DataFrame, claims, *, metric: str = "regret", clusters_by: str | None = None, **columns
) -> pd.DataFrame:
    """Paired comparisons "A beats B" on ``metric`` (lower is better for regret and error ratio),
    over the test examples both were scored on, with bootstrap CIs and verdicts.

    ``claims`` is a list of ``(A, B)`` selector names; claims about a selector that ``evaluation`` does not hold are
    left out. Each test example counts as one
    independent sample. ``clusters_by`` names a column of ``evaluation`` (e.g. ``"image"``) whose
    values group examples that are not independent (one sharp image under several kernels): the
    comparison is then repeated resampling whole groups, in the columns ``"... by <column>"`` (no
    interval, and an inconclusive verdict, with fewer groups than
    :data:`~deblur_core.stats.MIN_UNITS_FOR_VERDICT`).
    """
    lower_is_better = metric in LOWER_IS_BETTER
    table = evaluation.pivot_table(index="example", columns="selector", values=metric)
    claims = _scored_claims(claims, table)

    def compare(clusters=None):
        return [
            paired_comparison(
                table[a], table[b], claim=f"{a} beats {b}", higher_is_better=not lower_is_better, clusters=clusters
            )
            for a, b in claims
        ]

    result = comparisons_table(compare(), metric=metric, **columns)
    if clusters_by is not None:
        grouped = compare(_group_of_each_example(evaluation, clusters_by).reindex(table.index).to_numpy())
        # a bootstrap over fewer groups than a verdict needs has too few distinct resamples to be an interval
        enough = [c.clusters >= MIN_UNITS_FOR_VERDICT for c in grouped]
        result[f"CI 95% low by {clusters_by}"] = [c.low if ok else np.nan for c, ok in zip(grouped, enough)]
        result[f"CI 95% high by {clusters_by}"] = [c.high if ok else np.nan for c, ok in zip(grouped, enough)]
        result[f"{clusters_by}s"] = [c.clusters for c in grouped]
        result[f"verdict by {clusters_by}"] = [c.verdict for c in grouped]
    return result


def claims_about(claims: pd.DataFrame, pairs) -> pd.DataFrame:
    """The rows of a :func:`selector_claims` table that test ``pairs`` (``(A, B)`` names), in ``pairs``' order;
    pairs the table does not hold are skipped.

    >>> table = pd.DataFrame({"claim": ["CNN beats random", "CNN beats whole image"], "verdict": ["confirmed", "x"]})
    >>> claims_about(table, [("CNN", "whole image"), ("CNN", "Xu & Jia")])["claim"].tolist()
    ['CNN beats whole image']
    """
    wanted = [f"{a} beats {b}" for a, b in pairs]
    rows = claims.set_index("claim", drop=False)
    return rows.loc[[claim for claim in wanted if claim in rows.index]].reset_index(drop=True)


def _scored_claims(claims, table: pd.DataFrame) -> list[tuple[str, str]]:
    """The claims whose two selectors ``table`` scored: one about a selector an evaluation did not score (the
    cross-validation folds score no whole image) is left out rather than tested on nothing."""
    scored = [(a, b) for a, b in claims if a in table.columns and b in table.columns]
    if not scored:
        raise ValueError(f"none of the claimed selectors were scored; scored: {', '.join(map(str, table.columns))}")
    return scored


def claim_differences_by(
    evaluation: pd.DataFrame, claims, *, metric: str = "regret", by: str = "image"
) -> pd.DataFrame:
    """Mean paired difference of each claim "A beats B" per group of ``by`` (positive favours A),
    one row per group and one column per claim: the points behind :func:`selector_claims`' "by" interval.

    Each group's value is the mean over its examples, so groups with more examples weigh the same here;
    the bootstrap by group weighs each group by its examples, as the pooled mean does.
    """
    higher_is_better = metric not in LOWER_IS_BETTER
    table = evaluation.pivot_table(index="example", columns="selector", values=metric)
    groups = _group_of_each_example(evaluation, by).reindex(table.index)
    claims = _scored_claims(claims, table)
    columns = {
        f"{a} beats {b}": pd.Series(paired_differences(table[a], table[b], higher_is_better=higher_is_better))
        .groupby(groups.to_numpy())
        .mean()
        for a, b in claims
    }
    return pd.DataFrame(columns).rename_axis(by)


def kernel_size_confound(labelled: list[LabelledExample], threshold: float = 0.75) -> pd.DataFrame:
    """Share of good windows per kernel size: where it swings with size, labels measure blur size too."""
    rows = [
        {"kernel size": item.example.kernel.shape[0], "windows": len(item.similarities), "good": int(good)}
        for item in labelled
        for good in [(item.similarities > threshold).sum()]
    ]
    table = pd.DataFrame(rows).groupby("kernel size", as_index=False).sum()
    table["good share"] = table["good"] / table["windows"]
    return table


def size_only_auc(labelled: list[LabelledExample], threshold: float = 0.75) -> float:
    """ROC-AUC of a 'classifier' that sees only the blur size (smaller kernel: more likely good).

    Near the trained classifier's AUC, it says the labels can be predicted without looking
    at which window of the image is better; it cannot pick a window (all of an image's
    windows share one kernel size).
    """
    from .training import roc_auc

    sizes = np.concatenate([np.full(len(i.similarities), -float(i.example.kernel.shape[0])) for i in labelled])
    labels = np.concatenate([(i.similarities > threshold).astype(np.int64) for i in labelled])
    return roc_auc(sizes, labels)


def within_image_share(labelled: list[LabelledExample]) -> float:
    """The share of the windows' kernel-similarity variance that lies *within* blurry images.

    A selector chooses among one image's windows, so only this part of the variance is its to exploit; the rest
    (between images: mostly the kernel's size) moves every window of an image together, and a classifier's pooled
    ROC-AUC can be high on it alone (:func:`size_only_auc`). 0: every window of an image is as good as the others.
    """
    similarities = [np.asarray(item.similarities, dtype=np.float64) for item in labelled if len(item.similarities)]
    if not similarities:
        raise ValueError("no labelled windows; label some examples first (regions.labels.label_windows)")
    pooled = np.concatenate(similarities)
    total = float(((pooled - pooled.mean()) ** 2).sum())
    within = float(sum(((s - s.mean()) ** 2).sum() for s in similarities))
    return within / total if total > 0 else 0.0
