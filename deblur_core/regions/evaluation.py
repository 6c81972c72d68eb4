"""Comparing window selectors as the paper does (region-selection paper, Sec. 4.2-4.4).

For each test image and each selector: take the selector's top window, use the kernel
estimated from it (already computed when the test windows were labelled), deconvolve
the **whole** image with that kernel, and score the result against the sharp image:
Levin's error ratio (against deconvolution with the true kernel by the same
non-blind method, :mod:`deblur_core.deconv`), PSNR and SSIM after Levin's alignment.
Two references frame the selectors: the kernel estimated from the whole image (the
paper's comparison with Pan et al. on whole images, Sec. 4.3) and the oracle (the
window whose estimate is truly the best).

Fig. 8 of the paper is the cumulative distribution of the error ratio
(:func:`success_rates`); Fig. 9 shows per-image PSNR with the mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..deconv import deconvolve_hyper_laplacian
from ..evaluation import known_kernel_reference, score
from ..kernels import kernel_similarity
from ..progress import progress_bar
from .labels import LabelledExample
from .selectors import OracleSelector, Selector, rank_windows

WHOLE_IMAGE = "whole image"
ORACLE = "oracle"


def selector_choices(
    labelled: list[LabelledExample], selectors: dict[str, Selector], whole_kernels: list[np.ndarray] | None = None
) -> pd.DataFrame:
    """Which window each selector picks on each example, and that window's kernel similarity.

    ``selectors`` maps a display name to a selector; the oracle is added automatically,
    and the whole image too when ``whole_kernels`` is given. The ``window`` column holds
    the index of the window in the example's grid (-1 for the whole image).
    """
    rows = []
    for index, item in enumerate(labelled):
        blurry = item.example.blurry
        named = dict(selectors)
        named[ORACLE] = OracleSelector(item.similarities)
        for name, selector in named.items():
            scores = selector.score(blurry, item.windows)
            best = int(rank_windows(scores)[0])
            rows.append(
                {
                    "example": index,
                    "selector": name,
                    "window": best,
                    "score": float(scores[best]),
                    "similarity": float(item.similarities[best]),
                }
            )
        if whole_kernels is not None:
            rows.append(
                {
                    "example": index,
                    "selector": WHOLE_IMAGE,
                    "window": -1,
                    "score": np.nan,
                    "similarity": kernel_similarity(item.example.kernel, whole_kernels[index]),
                }
            )
    return pd.DataFrame(rows)


def evaluate_choices(
    labelled: list[LabelledExample],
    choices: pd.DataFrame,
    whole_kernels: list[np.ndarray] | None = None,
    *,
    progress: bool = True,
) -> pd.DataFrame:
    """Deconvolve each example with each chosen kernel and score it (error ratio, PSNR, SSIM).

    Returns ``choices`` with the columns ``image``, ``kernel``, ``error ratio``, ``PSNR``,
    ``SSIM`` and ``PSNR (true kernel)`` added. A kernel chosen by several selectors is
    deconvolved once.
    """
    choices = choices.reset_index(drop=True)
    results = {}
    for index in progress_bar(sorted(choices["example"].unique()), desc="scoring selectors", enabled=progress):
        item = labelled[index]
        example = item.example
        restored, reference_sse = known_kernel_reference(example.blurry, example.sharp, example.kernel)
        reference = score(restored, example.sharp, reference_sse)
        scored = {}
        for row in choices[choices["example"] == index].itertuples():
            if row.window not in scored:
                kernel = whole_kernels[index] if row.window < 0 else item.kernels[row.window]
                scored[row.window] = score(
                    deconvolve_hyper_laplacian(example.blurry, kernel), example.sharp, reference_sse
                )
            result = scored[row.window]
            results[row.Index] = {
                "image": example.image_name,
                "kernel": example.kernel_id,
                "error ratio": result.error_ratio,
                "PSNR": result.psnr,
                "SSIM": result.ssim,
                "PSNR (true kernel)": reference.psnr,
            }
    return choices.join(pd.DataFrame.from_dict(results, orient="index"))


def success_rates(evaluation: pd.DataFrame, thresholds=(1.5, 2, 2.5, 3, 4, 5)) -> pd.DataFrame:
    """Share of images whose error ratio is at most each threshold, per selector (Fig. 8)."""
    table = {
        f"ER ≤ {t:g}": evaluation.groupby("selector", sort=False)["error ratio"].apply(
            lambda ratios, t=t: float((ratios <= t).mean())
        )
        for t in thresholds
    }
    frame = pd.DataFrame(table)
    frame.insert(0, "mean ER", evaluation.groupby("selector", sort=False)["error ratio"].mean())
    frame.insert(1, "mean PSNR", evaluation.groupby("selector", sort=False)["PSNR"].mean())
    frame.insert(2, "mean similarity", evaluation.groupby("selector", sort=False)["similarity"].mean())
    return frame
