"""Notebook 01's "What we found", rendered from the run's own tables (Yang et al., Fig. 8 and Sec. 4.3).

The claims are on **regret**: a selector's error ratio over that of the best window of the same image (1 is the
best possible pick), so a positive difference "CNN beats X" favours the CNN. Each table comes from
:func:`~.evaluation.selector_claims` and the paper's statement of each claim from
:func:`~.evaluation.paper_statement`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..tables import claims_markdown, interval_text

# a training ROC-AUC this far above the test's reads as over-fitting; below FITS_LABELS_AUC, as under-fitting
OVERFIT_GAP = 0.1
FITS_LABELS_AUC = 0.75

NOT_COVERED = """\
**What this notebook does not cover, and why.** Sun et al.'s 640 synthetic images (the paper's Fig. 8) and Köhler
et al.'s real recordings (Fig. 9): neither is fetched here; Levin et al.'s 32 real images stand in for the real
data. Yang et al.'s rolling-bilateral-filter kernel estimator, used for the paper's labels: one estimator (L0 with
Pan et al.'s dark channel) labels and evaluates here. An ImageNet-pretrained ResNet-34: its weights cannot be
downloaded, so the classifier is trained from scratch."""


def _by_group(claims: pd.DataFrame, group: str) -> pd.DataFrame:
    """The claims re-read with the interval and verdict from resampling whole ``group``s (images or kernels)."""
    return claims.assign(
        **{
            "CI 95% low": claims[f"CI 95% low by {group}"],
            "CI 95% high": claims[f"CI 95% high by {group}"],
            "verdict": claims[f"verdict by {group}"],
            "clusters": claims[f"{group}s"],
        }
    )


def _selector_line(row: pd.Series, label: str) -> str:
    correlation = interval_text(row["rank correlation CI low"], row["rank correlation CI high"])
    regret = interval_text(row["regret CI low"], row["regret CI high"])
    return (
        f"* {label}: the CNN's mean regret is {row['regret']:.2f} {regret} (1 is the best window of each image), "
        f"and its scores rank the windows by their true kernel similarity at {row['rank correlation']:+.2f} "
        f"{correlation} (0 is chance)."
    )


def findings_markdown(
    claims: pd.DataFrame,
    cnn_within: pd.Series,
    *,
    profile: str,
    test_auc: float,
    size_auc: float,
    train_auc: float | None = None,
    within_share: float | None = None,
    scene_claims: pd.DataFrame | None = None,
    cnn_scenes: pd.Series | None = None,
    real_claims: pd.DataFrame | None = None,
) -> str:
    """The verdicts in words, per data set the run scored, with what the evidence says about the CNN.

    ``claims``, ``scene_claims`` and ``real_claims`` are :func:`~.evaluation.selector_claims` tables (with a
    ``paper (Fig. 8)`` column); ``cnn_within`` and ``cnn_scenes`` are the CNN's rows of the regret tables (regret,
    rank correlation and their intervals); ``test_auc`` is the classifier's test ROC-AUC and ``size_auc`` that of
    the blur size alone; ``train_auc`` the classifier's ROC-AUC on its own training windows (capacity: can it fit
    its labels at all?) and ``within_share`` :func:`~.evaluation.within_image_share` of the test windows (how much
    of the label's signal a window choice can use).
    """
    sections = [f"### What we found (`{profile}`)", ""]
    images = int(claims["paired samples"].iloc[0])
    sharp = int(claims["images"].iloc[0])
    sections += [
        f"**Held-out test images** ({images} blurry images of {sharp} sharp images; the interval resamples the "
        "sharp images, since the blurry images of one scene are not independent):",
        "",
        claims_markdown(_by_group(claims, "image"), paper_column="paper (Fig. 8)"),
        "",
        _selector_line(cnn_within, "On these images"),
    ]
    if scene_claims is not None:
        scenes = int(scene_claims["images"].iloc[0])
        sections += [
            "",
            f"**Every scene held out once** ({scenes} scenes, a classifier per fold; resampling scenes):",
            "",
            claims_markdown(_by_group(scene_claims, "image"), paper_column="paper (Fig. 8)"),
        ]
        if cnn_scenes is not None:
            sections += ["", _selector_line(cnn_scenes, "Over the held-out scenes")]
    if real_claims is not None:
        kernels = int(real_claims["kernels"].iloc[0])
        sections += [
            "",
            f"**Levin et al.'s real camera shake** ({int(real_claims['paired samples'].iloc[0])} images; resampling "
            f"the {kernels} recorded kernels):",
            "",
            claims_markdown(_by_group(real_claims, "kernel"), paper_column="paper (Fig. 8)"),
        ]
    if np.isfinite(test_auc) and np.isfinite(size_auc):
        label_evidence = (
            f"the classifier's test ROC-AUC is {test_auc:.2f}, while the blur size alone predicts the same labels at "
            f"{size_auc:.2f} (0.5 is chance)"
        )
        why = (
            "so the labels carry more about how large the blur is than about which window of an image estimates it "
            "best, and a CNN that learns them learns mostly the blur size, which is the same for every window of one "
            "image"
            if size_auc >= test_auc
            else "so the classifier learns more from the windows than the blur size alone would give it"
        )
        sections += [
            "",
            f"* **Why the CNN ranks windows as it does.** On the held-out test images {label_evidence}: {why}.",
        ]
    else:
        sections += ["", "* The held-out test windows hold one class only, so no ROC-AUC can be computed on them."]
    if within_share is not None:
        sections.append(
            f"* **Labels.** Only {within_share:.0%} of the test windows' kernel-similarity variance lies within an "
            "image; the rest moves all windows of an image together, and no choice of window can use it."
        )
    if train_auc is not None and np.isfinite(train_auc) and np.isfinite(test_auc):
        if train_auc - test_auc >= OVERFIT_GAP:
            fit = "it fits its labels far better than it predicts unseen ones, so more data, not capacity, is lacking"
        elif train_auc < FITS_LABELS_AUC:
            fit = "it cannot fit even its training labels, so capacity or label noise limits it, not data"
        else:
            fit = "it predicts unseen windows about as well as its training ones, so neither data nor capacity is short"
        sections.append(
            f"* **Capacity and data.** The classifier's ROC-AUC is {train_auc:.2f} on its training windows against "
            f"{test_auc:.2f} on the test windows: {fit}."
        )
    return "\n".join(sections) + "\n\n" + NOT_COVERED
