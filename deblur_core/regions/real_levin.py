"""Region selectors on real camera shake: Levin et al.'s 32 images, held out (region-selection paper, Sec. 4.2).

The paper's Fig. 8 judges selectors on synthetic images and its Fig. 9 on real recordings. The closest public
real data is Levin et al.'s benchmark (CVPR 2009: 4 photographs, 8 recorded camera-shake kernels), fetched by
:mod:`deblur_core.data.fetch`. Every selector is scored on it exactly as on the synthetic test set
(:mod:`.evaluation`): each window's kernel is estimated, the whole image is deconvolved with it, and the error
ratio against deconvolution with the true kernel decides. Nothing is trained or tuned on these images.

The 32 images share 4 scenes and 8 kernels, so the claims are also tested resampling the 8 recorded kernels
(``clusters_by="kernel"``): 4 scenes are too few for an interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import storage, tables
from ..profiles import RegionSettings
from .dataset import levin_examples
from .evaluation import (
    BEST_SIMILARITY,
    BEST_WINDOW,
    CNN_CLAIMS,
    COMPARED_CLAIMS,
    EXPECTED_CHANCE,
    claim_differences_by,
    claims_about,
    evaluate_choices,
    paper_statement,
    score_windows,
    selector_choices,
    selector_claims,
    within_image_table,
)
from .labels import label_windows, whole_image_kernels


@dataclass
class RealLevinScores:
    """Per-image ``evaluation`` (:func:`.evaluation.evaluate_choices`), the ``regret`` table with each selector's
    mean error ratio, the ``claims`` (:data:`~.evaluation.COMPARED_CLAIMS` that ``selectors`` allow) tested per image
    and by kernel, and the ``source`` label of the data."""

    evaluation: pd.DataFrame
    regret: pd.DataFrame
    claims: pd.DataFrame
    source: str


def score_selectors_on_levin(
    selectors: dict,
    settings: RegionSettings,
    *,
    folder=None,
    images=None,
    cache_dir=None,
    scheduler=None,
    progress: bool = True,
) -> RealLevinScores:
    """Score ``selectors`` (name -> selector, e.g. :func:`.selectors.paper_selectors`) on the real benchmark at the
    window geometry of ``profile_settings('regions')``.

    ``folder`` is where the benchmark is or is fetched to; ``images`` keeps only those sharp images (all four by
    default); ``cache_dir`` caches the window labels and scores as the notebook does, so a second call is quick.
    """
    examples, source = levin_examples(settings.image_size, folder=folder, images=images)
    options = {"iterations_per_scale": settings.iterations_per_scale}
    labels = label_windows(
        examples,
        settings.window_size,
        settings.stride,
        estimator_options=options,
        cache_dir=cache_dir,
        scheduler=scheduler,
        progress=progress,
    )
    whole = whole_image_kernels(examples, estimator_options=options, cache_dir=cache_dir, progress=progress)
    window_scores = score_windows(labels, cache_dir=cache_dir, progress=progress)
    evaluation = evaluate_choices(labels, selector_choices(labels, selectors, whole), window_scores, whole)
    names = list(selectors) + [EXPECTED_CHANCE, BEST_SIMILARITY, BEST_WINDOW]
    regret = within_image_table(evaluation, names, clusters_by="kernel")
    mean_error_ratio = evaluation.groupby("selector")["error ratio"].mean()
    regret.insert(2, "mean error ratio", regret["selector"].map(mean_error_ratio))
    claims = selector_claims(evaluation, COMPARED_CLAIMS, clusters_by="kernel")
    columns = {"data": source, "profile": settings.profile}
    return RealLevinScores(
        evaluation,
        regret.assign(**columns, paper="not reported"),
        claims.assign(**columns, **{"paper (Fig. 8)": [paper_statement(c) for c in claims["claim"]]}),
        source,
    )


def report_real_levin(real: RealLevinScores, out: str | Path, tag: str):
    """Save the regret and claims tables and the figure of the CNN's claims of ``real`` under ``out``; return the
    figure and one line per claim of the CNN (:data:`~.evaluation.CNN_CLAIMS`: the per-image verdict and the one
    resampling the recorded kernels), each starting with ``tag``."""
    import matplotlib.pyplot as plt

    from ..plotting import plot_claim_differences

    out = Path(out)
    storage.save_table(real.regret, out / "real_levin_regret")
    storage.save_table(real.claims, out / "claims_regret_real_levin")
    shown_claims = claims_about(real.claims, CNN_CLAIMS)
    fig, ax = plt.subplots(figsize=(9, 3.6))
    plot_claim_differences(
        ax, claim_differences_by(real.evaluation, CNN_CLAIMS, by="kernel"), shown_claims, by="kernel"
    )
    ax.set_title(f"Real camera shake ({real.source}): regret of B minus regret of the CNN {tag}", fontsize=10)
    storage.save_figure(fig, out / "claims_real_levin")
    lines = [
        f"{tag} real Levin images, {row['claim']}: regret lower by {row['mean difference']:+.2f} "
        f"{tables.interval_text(row['CI 95% low'], row['CI 95% high'])} over {row['paired samples']} images -> "
        f"{row['verdict']}; resampling the {row['kernels']} recorded kernels: "
        f"{tables.interval_text(row['CI 95% low by kernel'], row['CI 95% high by kernel'])} -> "
        f"{row['verdict by kernel']}"
        for row in shown_claims.to_dict("records")
    ]
    return fig, lines
