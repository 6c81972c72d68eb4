"""JDRL's training losses: Charbonnier, the adaptive deblurring loss and the reblurring loss (Eq. 1, 5, 10).

* :func:`adaptive_deblurring_loss` (Eq. 2-5): the ground truth ``I_S`` is warped onto
  the deblurred image ``I_hat`` with an optical flow and compared with it; with cycle
  deformation, ``I_hat`` is also warped onto ``I_S`` and compared with it. Each term
  is masked by the calibration mask of the flow it used (Eq. 4).
* :func:`reblurring_loss` (Eq. 10): the reblurred image against the blurry input.
* :func:`total_loss` (Eq. 1): ``L_d + alpha L_r`` with ``alpha = 0.5``.

Training schedule (JDRL Sec. 4.1): for the first 15 epochs ``I_hat`` is too poor to
match against ``I_S``, so the flow is estimated between ``I_S`` and the blurry input
``I_B`` (``flow_source=blurry``), in one direction, without masks and without the
reblurring loss; from epoch 15 on, both directions, the masks and ``0.5 L_r``.

Examples
--------
>>> import torch
>>> x = torch.zeros(2, 3, 4, 4)
>>> round(float(charbonnier(x, x)), 6)                          # per pixel: sqrt(0 + eps^2)
0.001
>>> round(float(charbonnier(x, x + 0.1, reduction="image_sum")), 4)  # 2 images * sqrt(48 * 0.01 + eps^2)
1.3856
"""

from __future__ import annotations

import torch

from .flow import DEFAULT_LAMBDA, calibration_mask, estimate_flow_batch, mask_keep_fraction, warp

DEFAULT_EPS = 1e-3  # Charbonnier epsilon (JDRL Sec. 4.1)
DEFAULT_ALPHA = 0.5  # weight of the reblurring loss in Eq. 1
REDUCTIONS = ("pixel", "image_sum", "image_mean")


def charbonnier(
    x: torch.Tensor,
    y: torch.Tensor,
    mask: torch.Tensor | None = None,
    eps: float = DEFAULT_EPS,
    reduction: str = "pixel",
) -> torch.Tensor:
    """Charbonnier penalty of ``mask * (x - y)`` for ``(B, C, H, W)`` tensors; a scalar.

    Parameters
    ----------
    x, y : (B, C, H, W) tensors
    mask : (B, 1, H, W) or (B, C, H, W) tensor, optional
        Multiplies the difference (Eq. 5's ``M * (I_S^w - I_hat)``); a masked-out pixel
        contributes a constant and no gradient.
    eps : float
        1e-3 in the paper.
    reduction : {"pixel", "image_sum", "image_mean"}
        ``"pixel"`` (default): ``mean over batch, channels and pixels of sqrt(d^2 + eps^2)``,
        the per-element Charbonnier penalty of Charbonnier et al. (1994) that released
        deblurring code uses. ``"image_sum"``: Eq. 5 / 10 as printed, one penalty per
        image on the norm of its whole residual, ``sum_n sqrt(||d_n||^2 + eps^2)`` (the
        norm runs over all pixels and channels of image ``n``). ``"image_mean"``: the
        same, averaged over the batch instead of summed.

    Notes
    -----
    Training uses ``"pixel"`` by default. The printed per-image form is the L2 norm of
    the residual, not a robust penalty: its gradient ``d / ||d||`` has unit length
    whatever the error, weighs every pixel in proportion to its residual like a least-
    squares loss (large errors dominate, which favours blurry compromises), and its
    ``eps`` is negligible next to a norm over ``3 H W`` values, so it never smooths
    anything. Its value also grows with ``sqrt(H W)``, tying the loss scale (and the
    learning rate's meaning) to the patch size. The per-pixel form is a smoothed L1:
    each pixel's gradient is bounded and nearly sign-like once ``|d| >> eps``, its
    scale is independent of image size, and ``eps`` rounds the kink below about a
    quarter of a grey level, as intended.
    Masked pixels are not renormalised away: with fewer kept pixels the loss is
    smaller, as the masked sum of Eq. 5 is.
    """
    if x.shape != y.shape or x.ndim != 4:
        raise ValueError(f"x {tuple(x.shape)} and y {tuple(y.shape)} must be (B, C, H, W) tensors of one shape")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    difference = x - y
    if mask is not None:
        if (
            mask.ndim != 4
            or mask.shape[0] != x.shape[0]
            or mask.shape[-2:] != x.shape[-2:]
            or mask.shape[1] not in (1, x.shape[1])
        ):
            raise ValueError(f"mask {tuple(mask.shape)} must be (B, 1, H, W) or (B, C, H, W) for x {tuple(x.shape)}")
        difference = mask.to(difference.dtype) * difference
    if reduction == "pixel":
        return torch.sqrt(difference * difference + eps * eps).mean()
    per_image = torch.sqrt(difference.flatten(1).pow(2).sum(dim=1) + eps * eps)
    return per_image.sum() if reduction == "image_sum" else per_image.mean()


def adaptive_deblurring_loss(
    deblurred: torch.Tensor,
    sharp: torch.Tensor,
    *,
    bidirectional: bool = True,
    use_mask: bool = True,
    lam: float = DEFAULT_LAMBDA,
    mask_mode: str = "magnitude",
    flow_source: torch.Tensor | None = None,
    eps: float = DEFAULT_EPS,
    reduction: str = "pixel",
    preset: str = "medium",
) -> tuple[torch.Tensor, dict]:
    """Eq. 5: Charbonnier losses after deforming ``I_S`` onto ``I_hat`` (and ``I_hat`` onto ``I_S``).

    Parameters
    ----------
    deblurred : (B, C, H, W) tensor
        The network output ``I_hat``; the loss is differentiable with respect to it
        through both terms (directly in the first, through the warp in the second).
    sharp : (B, C, H, W) tensor
        The misaligned ground truth ``I_S``.
    bidirectional : bool
        Add the cycle-deformation term (``I_hat`` warped onto ``I_S``).
    use_mask : bool
        Multiply each term's difference by the calibration mask of its flow (Eq. 4).
    lam, mask_mode
        Passed to :func:`~deblur_core.jdrl.flow.calibration_mask`.
    flow_source : (B, C', H, W) tensor, optional
        The image the flows are estimated against in place of ``I_hat``; JDRL's first
        15 epochs pass the blurry input ``I_B``. The warps still move ``I_S`` and ``I_hat``.
    eps, reduction
        Passed to :func:`charbonnier` for each term.
    preset : str
        DIS preset for :func:`~deblur_core.jdrl.flow.estimate_flow`.

    Returns
    -------
    loss : scalar tensor, the sum of the one or two terms.
    info : dict
        ``"terms"`` (the loss terms), ``"sharp_warped"`` (``I_S^w``), ``"flow_sharp_onto_deblurred"``,
        ``"mask_sharp_onto_deblurred"`` and, when bidirectional, ``"deblurred_warped"``
        (``I_hat^w``), ``"flow_deblurred_onto_sharp"``, ``"mask_deblurred_onto_sharp"``;
        ``"keep_fraction"`` holds each mask's per-image kept share. Masks are ``None``
        when ``use_mask`` is false. Everything but ``"deblurred_warped"`` and ``"terms"``
        is detached.

    Notes
    -----
    The paper names flows by what they deform: ``Phi_{I_S -> I_hat}`` carries ``I_S``
    onto ``I_hat``. Under this package's flow convention (backward warping; see
    :mod:`deblur_core.jdrl.flow`) that is the flow whose *reference* is ``I_hat`` and
    whose *moving* image is ``I_S``, i.e. ``estimate_flow(I_hat, I_S)``; the keys above
    name flows the paper's way (``onto``) to avoid the clash. Flows and masks are
    computed without gradient, from detached images.
    """
    if deblurred.ndim != 4 or deblurred.shape != sharp.shape:
        raise ValueError(
            f"deblurred {tuple(deblurred.shape)} and sharp {tuple(sharp.shape)} "
            f"must be (B, C, H, W) tensors of one shape"
        )
    source = deblurred if flow_source is None else flow_source
    if source.ndim != 4 or source.shape[0] != sharp.shape[0] or source.shape[-2:] != sharp.shape[-2:]:
        raise ValueError(
            f"flow_source {tuple(source.shape)} must share batch size, height and width with sharp {tuple(sharp.shape)}"
        )
    source, target = source.detach(), sharp.detach()

    def masked(flow):
        return calibration_mask(flow, lam, mask_mode) if use_mask else None

    # I_S onto I_hat: the output lives on I_hat's grid, so I_hat (or its stand-in) is the reference
    flow_s = estimate_flow_batch(source, target, preset)
    sharp_warped = warp(target, flow_s)
    mask_s = masked(flow_s)
    terms = [charbonnier(sharp_warped, deblurred, mask_s, eps, reduction)]
    info = {
        "flow_sharp_onto_deblurred": flow_s,
        "mask_sharp_onto_deblurred": mask_s,
        "sharp_warped": sharp_warped,
        "keep_fraction": {},
    }
    if mask_s is not None:
        info["keep_fraction"]["sharp_onto_deblurred"] = mask_keep_fraction(mask_s)
    if bidirectional:
        # cycle deformation: I_hat onto I_S; I_S's grid is the reference, and the warp keeps I_hat's gradient
        flow_d = estimate_flow_batch(target, source, preset)
        deblurred_warped = warp(deblurred, flow_d)
        mask_d = masked(flow_d)
        terms.append(charbonnier(deblurred_warped, sharp, mask_d, eps, reduction))
        info.update(
            {
                "flow_deblurred_onto_sharp": flow_d,
                "mask_deblurred_onto_sharp": mask_d,
                "deblurred_warped": deblurred_warped,
            }
        )
        if mask_d is not None:
            info["keep_fraction"]["deblurred_onto_sharp"] = mask_keep_fraction(mask_d)
    info["terms"] = terms
    return sum(terms[1:], terms[0]), info


def reblurring_loss(
    reblurred: torch.Tensor, blurry: torch.Tensor, eps: float = DEFAULT_EPS, reduction: str = "pixel"
) -> torch.Tensor:
    """Eq. 10: Charbonnier penalty between the reblurred image ``R(I_hat, I_B)`` and the blurry input ``I_B``.

    No warping: the reblurring module is built to stay aligned with ``I_B``. See
    :func:`charbonnier` for ``reduction`` (``"image_sum"`` is Eq. 10 as printed).
    """
    return charbonnier(reblurred, blurry, eps=eps, reduction=reduction)


def total_loss(deblurring: torch.Tensor, reblurring: torch.Tensor | None, alpha: float = DEFAULT_ALPHA) -> torch.Tensor:
    """Eq. 1: ``L_d + alpha L_r``; ``reblurring=None`` (the first 15 epochs) gives ``L_d`` alone."""
    if reblurring is None:
        return deblurring
    return deblurring + alpha * reblurring
