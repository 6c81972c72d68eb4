"""Scoring a blind-deblurring result the way the papers' tables do.

SelfDeblur, Sec. 4.1-4.2 (Tables 1-3): PSNR and SSIM after Levin et al.'s sub-pixel
alignment, and the error ratio against non-blind deconvolution with the true kernel
(:mod:`deblur_core.deconv`: Krishnan & Fergus's hyper-Laplacian method unless a caller passes another step, as
notebook 03 passes Levin et al.'s IRLS). SelfDeblur-Delta is the same deconvolution with SelfDeblur's kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .deconv import deconvolve_hyper_laplacian
from .kernels import kernel_similarity
from .metrics import compare_with_levin_border


@dataclass(frozen=True)
class Scores:
    psnr: float
    ssim: float
    error_ratio: float


def score(estimate: np.ndarray, sharp: np.ndarray, known_kernel_sse: float) -> Scores:
    comparison = compare_with_levin_border(estimate, sharp)
    return Scores(comparison.psnr, comparison.ssim, comparison.sse / known_kernel_sse)


def known_kernel_reference(
    blurry: np.ndarray, sharp: np.ndarray, kernel: np.ndarray, deconvolve=deconvolve_hyper_laplacian
):
    """Deconvolution with the true kernel by ``deconvolve(blurry, kernel)`` and its aligned squared error (the
    ratio's denominator)."""
    restored = deconvolve(blurry, kernel)
    sse = compare_with_levin_border(restored, sharp).sse
    return restored, sse


def evaluate_blind_result(
    latent: np.ndarray,
    kernel: np.ndarray,
    blurry: np.ndarray,
    sharp: np.ndarray,
    true_kernel: np.ndarray,
    reference_sse: float,
    deconvolve=deconvolve_hyper_laplacian,
) -> dict:
    """Scores of a blind estimate (latent image and kernel) and of its SelfDeblur-Delta variant, the blurry image
    deconvolved with the estimated kernel by ``deconvolve`` (the known-kernel reference's step)."""
    direct = score(latent, sharp, reference_sse)
    delta = score(deconvolve(blurry, kernel), sharp, reference_sse)
    return {
        "PSNR": direct.psnr,
        "SSIM": direct.ssim,
        "error ratio": direct.error_ratio,
        "PSNR (Δ)": delta.psnr,
        "SSIM (Δ)": delta.ssim,
        "error ratio (Δ)": delta.error_ratio,
        "kernel similarity": kernel_similarity(true_kernel, kernel),
    }
