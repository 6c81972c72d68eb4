"""Scoring deblurred images against misaligned ground truth (JDRL Sec. 4.2, Table 1 and 4).

SDD's ground truth is not aligned with its blurry images, so the paper first estimates
the flow between the output ``I_hat`` and ``I_S`` (with PWC-Net), deforms ``I_S`` onto
``I_hat``, and then computes PSNR, SSIM and MAE: the **deformed ground truth** protocol.
It forgives an output that is itself shifted or warped, as long as the flow can follow.
Our synthetic pairs also carry the sharp image **aligned** to the blurry one, which the
real datasets cannot give; scoring against it does not forgive a warped output.

Both protocols drop a border of :data:`BORDER` pixels, where warping has to invent
content. LPIPS needs downloaded network weights and is therefore not computed.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> sharp = rng.random((48, 48, 3))
>>> scores = score_output(sharp, sharp, aligned_sharp=sharp)
>>> scores["PSNR (aligned)"], round(scores["MAE (deformed GT)"], 6)
(inf, 0.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ..metrics import mae, psnr, ssim
from .flow import estimate_flow, warp
from .tensors import images_to_tensor, tensor_to_images

BORDER = 8  # the synthetic misalignment shifts by up to 8 px


def deform_ground_truth(deblurred: np.ndarray, sharp: np.ndarray) -> np.ndarray:
    """``I_S`` warped onto ``I_hat`` by DIS optical flow (the paper's evaluation protocol, with PWC-Net)."""
    flow = estimate_flow(deblurred, sharp)
    return tensor_to_images(warp(images_to_tensor(sharp), images_to_tensor(flow)))[0].astype(np.float64)


def output_displacement(output: np.ndarray, blurry: np.ndarray) -> float:
    """Mean length (px) of the DIS flow from the blurry input to the output, inside the border.

    A deblurring network should move nothing; a pixel loss on misaligned pairs teaches it to.
    """
    flow = estimate_flow(blurry, output)[BORDER:-BORDER, BORDER:-BORDER]
    return float(np.sqrt((flow**2).sum(-1)).mean())


def relative_sharpness(image: np.ndarray, reference: np.ndarray) -> float:
    """Mean gradient magnitude of ``image`` over that of ``reference`` (grey, inside the border).

    1 is as sharp as the reference; a defocused image scores below 1, an output that stayed blurry too, and
    an over-sharpened or noisy one above 1. With the aligned sharp image as reference it measures the blur
    that PSNR mixes with displacement.

    >>> rng = np.random.default_rng(0)
    >>> sharp = rng.random((40, 40, 3))
    >>> relative_sharpness(sharp, sharp), relative_sharpness(0.5 * sharp, sharp)
    (1.0, 0.5)
    """

    def gradient_energy(picture):
        grey = np.asarray(picture, dtype=np.float64).mean(-1)[BORDER:-BORDER, BORDER:-BORDER]
        rows, columns = np.gradient(grey)
        return np.hypot(rows, columns).mean()

    reference_energy = gradient_energy(reference)
    if reference_energy == 0:
        raise ValueError("the reference image is flat: its sharpness is zero, so no ratio can be taken")
    return round(float(gradient_energy(image) / reference_energy), 12)


def _scores(estimate: np.ndarray, reference: np.ndarray, label: str) -> dict:
    inner = (slice(BORDER, -BORDER), slice(BORDER, -BORDER))
    estimate, reference = estimate[inner], reference[inner]
    return {
        f"PSNR ({label})": psnr(estimate, reference),
        f"SSIM ({label})": ssim(estimate, reference),
        f"MAE ({label})": mae(estimate, reference),
    }


def score_output(deblurred: np.ndarray, sharp: np.ndarray, aligned_sharp: np.ndarray | None = None) -> dict:
    """PSNR / SSIM / MAE against the deformed ground truth and, when given, the aligned one."""
    deblurred = np.asarray(deblurred, dtype=np.float64)
    if deblurred.ndim != 3 or deblurred.shape != np.shape(sharp):
        raise ValueError(f"deblurred {deblurred.shape} and sharp {np.shape(sharp)} must be (H, W, 3) of one shape")
    if min(deblurred.shape[:2]) <= 2 * BORDER + 8:
        raise ValueError(f"images of {deblurred.shape[:2]} are too small to score with a {BORDER} px border")
    scores = _scores(deblurred, deform_ground_truth(deblurred, np.asarray(sharp, dtype=np.float64)), "deformed GT")
    if aligned_sharp is not None:
        scores.update(_scores(deblurred, np.asarray(aligned_sharp, dtype=np.float64), "aligned"))
    return scores


def deblur_images(model: torch.nn.Module, blurry: np.ndarray) -> np.ndarray:
    """Run a trained UNet over a stack ``(N, H, W, 3)`` in [0, 1], one image at a time, without gradients."""
    device = next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        return np.concatenate([tensor_to_images(model(images_to_tensor(image, device))) for image in blurry])


def evaluate_outputs(
    outputs: np.ndarray, sharp: np.ndarray, aligned_sharp: np.ndarray | None = None, names: list[str] | None = None
) -> pd.DataFrame:
    """One row of scores per image (see :func:`score_output`)."""
    rows = []
    for index, output in enumerate(outputs):
        aligned = None if aligned_sharp is None else aligned_sharp[index]
        rows.append({"image": names[index] if names else index, **score_output(output, sharp[index], aligned)})
    return pd.DataFrame(rows)
