"""The baseline defocus-deblurring UNet of JDRL (supplement, Table 6).

Four max-pooling levels; at each, two 3 x 3 convolutions with ReLU. The channel widths
are ``width x (1, 2, 4, 8, 16)`` (the paper's ``width = 64``: 64 ... 1024). Dropout
(p = 0.4) follows the two deepest encoder levels. The decoder upsamples by 2
(bilinear), convolves to half the channels, concatenates the skip connection and
applies two 3 x 3 convolutions with ReLU; a final 3 x 3 convolution and a sigmoid give
the image (``output="sigmoid"``, the paper's). ``output="residual"`` instead adds the final
convolution to the blurry input, ``x + F(x)``, with that convolution initialised to zero:
the untrained network returns its input, so a short CPU budget starts from the input's
score instead of from a grey image. Outputs are clipped to [0, 1] in eval mode only
(clipping while training would stop the gradient at saturated pixels). Inputs of any size
work: they are reflect-padded to a multiple of 16 and the output is cropped back.

Examples
--------
>>> import torch
>>> net = UNet(width=4)
>>> net(torch.rand(1, 3, 37, 41)).shape
torch.Size([1, 3, 37, 41])
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from . import checkpoints

LEVELS = 4
DROPOUT = 0.4
ARCHITECTURE = "UNet"
OUTPUTS = ("sigmoid", "residual")


def _double_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, 3, padding=1),
        nn.ReLU(inplace=True),
    )


class _Up(nn.Module):
    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.reduce = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.merge = _double_conv(2 * out_channels, out_channels)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = self.reduce(F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False))
        return self.merge(torch.cat([skip, x], dim=1))


class UNet(nn.Module):
    """JDRL's baseline deblurring network F: blurry (B, C, H, W) in [0, 1] -> deblurred, same shape."""

    def __init__(self, channels: int = 3, width: int = 64, dropout: float = DROPOUT, output: str = "sigmoid"):
        super().__init__()
        self.channels, self.width, self.output = channels, width, output
        if width < 1 or channels < 1:
            raise ValueError(f"width and channels must be positive, got width={width}, channels={channels}")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        widths = [width * 2**level for level in range(LEVELS + 1)]
        self.encoder = nn.ModuleList(
            [_double_conv(channels, widths[0])] + [_double_conv(widths[i], widths[i + 1]) for i in range(LEVELS)]
        )
        self.dropout = nn.Dropout(dropout)
        self.decoder = nn.ModuleList([_Up(widths[i + 1], widths[i]) for i in reversed(range(LEVELS))])
        self.head = nn.Conv2d(widths[0], channels, 3, padding=1)
        if output == "residual":
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

    def forward(self, blurry: torch.Tensor) -> torch.Tensor:
        height, width = blurry.shape[-2:]
        multiple = 2**LEVELS
        pad_h, pad_w = (-height) % multiple, (-width) % multiple
        # reflect padding needs the pad to be smaller than the side
        mode = "reflect" if pad_h < height and pad_w < width else "replicate"
        x = F.pad(blurry, (0, pad_w, 0, pad_h), mode=mode)
        skips = []
        for level, block in enumerate(self.encoder):
            if level > 0:
                x = F.max_pool2d(x, 2)
            x = block(x)
            if level >= LEVELS - 1:  # the two deepest levels, as in the supplement's table
                x = self.dropout(x)
            skips.append(x)
        x = skips.pop()
        for up in self.decoder:
            x = up(x, skips.pop())
        head = self.head(x)[..., :height, :width]
        if self.output == "sigmoid":
            return torch.sigmoid(head)
        restored = blurry + head
        return restored if self.training else restored.clamp(0, 1)


def save_unet(path, model: UNet) -> Path:
    """Save a trained deblurring UNet (state dict, channels, width and output) for :func:`load_unet`."""
    config = {"channels": model.channels, "width": model.width, "output": model.output}
    return checkpoints.save_checkpoint(path, model, ARCHITECTURE, config)


def load_unet(path, device=None, *, config: Mapping | None = None) -> UNet:
    """Load a UNet saved by :func:`save_unet` (or a bare state dict with ``config``), in eval mode."""
    return checkpoints.load_checkpoint(path, ARCHITECTURE, UNet, device=device, config=config, saver="save_unet")
