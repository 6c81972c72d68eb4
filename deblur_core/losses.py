"""Differentiable losses shared by the optimisation-based and learned methods.

Examples
--------
>>> import torch
>>> flat = torch.full((1, 1, 15, 15), 0.5)
>>> float(total_variation(flat)), round(float(ssim_loss(flat, flat)), 6)
(0.0, 0.0)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
_SSIM_C1 = 0.01**2
_SSIM_C2 = 0.03**2


def total_variation(x: torch.Tensor) -> torch.Tensor:
    """Anisotropic total variation, averaged over pixels: mean |dx| + mean |dy|.

    SelfDeblur, Eq. 6 adds ``lambda * TV(G_x(z_x))`` to the data term.
    """
    dy = (x[..., 1:, :] - x[..., :-1, :]).abs().mean()
    dx = (x[..., :, 1:] - x[..., :, :-1]).abs().mean()
    return dx + dy


def _gaussian_window(device, dtype) -> torch.Tensor:
    coords = torch.arange(SSIM_WINDOW, device=device, dtype=dtype) - SSIM_WINDOW // 2
    g = torch.exp(-(coords**2) / (2 * SSIM_SIGMA**2))
    return g / g.sum()


def ssim_map(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Local SSIM (Wang et al. 2004; Gaussian window 11, sigma 1.5) over the valid region."""
    channels = x.shape[1]
    g = _gaussian_window(x.device, x.dtype)
    rows = g.reshape(1, 1, -1, 1).expand(channels, 1, -1, 1)
    cols = g.reshape(1, 1, 1, -1).expand(channels, 1, 1, -1)

    def blur(t):
        return F.conv2d(F.conv2d(t, rows, groups=channels), cols, groups=channels)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    return (
        (2 * mu_x * mu_y + _SSIM_C1)
        * (2 * cov + _SSIM_C2)
        / ((mu_x**2 + mu_y**2 + _SSIM_C1) * (var_x + var_y + _SSIM_C2))
    )


def ssim_loss(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``1 - SSIM(x, y)``: the data term the SelfDeblur authors' later code switches to."""
    return 1.0 - ssim_map(x, y).mean()
