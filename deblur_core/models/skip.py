"""The image generator G_x: the deep-image-prior "skip" encoder-decoder.

SelfDeblur, Sec. 3.2 ("Generative Network G_x") and its supplement: an asymmetric
autoencoder with skip connections. Each of the ``levels`` encoder stages halves the
resolution with a stride-2 3x3 convolution; each decoder stage upsamples
bilinearly, concatenates a thin 1x1 "skip" branch taken from the matching encoder
input, and refines with a 3x3 and a 1x1 convolution. Reflection padding,
BatchNorm and LeakyReLU(0.2) throughout; a 1x1 convolution and a sigmoid give the
image in [0, 1]. ``non_local_levels`` adds a :class:`~deblur_core.models.non_local.NonLocalBlock`
between the two encoder convolutions of that many of the deepest stages, as the authors'
released code does for its three deepest (their paper does not mention it).

Under bfloat16 autocast (see :mod:`deblur_core.device`) the layers that read the
noise input and the output layer stay in float32, the usual mixed-precision practice.

Examples
--------
>>> import torch
>>> net = SkipNetwork(in_channels=8, out_channels=1, channels=16, skip_channels=4, levels=3)
>>> net(torch.rand(1, 8, 37, 29)).shape      # odd sizes come back unchanged
torch.Size([1, 1, 37, 29])
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .non_local import NonLocalBlock


def conv_bn_act(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1) -> nn.Sequential:
    """Reflection-padded convolution, BatchNorm, LeakyReLU(0.2)."""
    return nn.Sequential(
        nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=(kernel_size - 1) // 2,
            padding_mode="reflect",
            bias=True,
        ),
        nn.BatchNorm2d(out_channels),
        nn.LeakyReLU(0.2, inplace=True),
    )


def _centre_crop(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    top = (x.shape[-2] - height) // 2
    left = (x.shape[-1] - width) // 2
    return x[..., top : top + height, left : left + width]


def _full_precision(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Run ``layer`` in float32 even inside an autocast region."""
    with torch.autocast(x.device.type, enabled=False):
        return layer(x.float())


class _Level(nn.Module):
    """One encoder/decoder stage wrapped around the deeper stages.

    The outermost stage reads the noise input ``z``, whose per-iteration jitter
    (std 0.001 on values up to 0.1) is finer than bfloat16 resolves there, so its
    input-facing layers always run in float32 (``full_precision_input``).
    """

    def __init__(
        self,
        in_channels: int,
        channels: int,
        skip_channels: int,
        inner: nn.Module | None,
        inner_out: int,
        full_precision_input: bool = False,
        non_local: bool = False,
    ):
        super().__init__()
        self.full_precision_input = full_precision_input
        self.skip = conv_bn_act(in_channels, skip_channels, 1) if skip_channels else None
        self.down = nn.Sequential(conv_bn_act(in_channels, channels, 3, stride=2), conv_bn_act(channels, channels, 3))
        self.non_local = NonLocalBlock(channels) if non_local else None
        self.inner = inner
        merged = skip_channels + (inner_out if inner is not None else channels)
        self.merge_norm = nn.BatchNorm2d(merged)
        self.up = nn.Sequential(conv_bn_act(merged, channels, 3), conv_bn_act(channels, channels, 1))

    def _reads_input(self, layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
        if not self.full_precision_input:
            return layer(x)
        out = _full_precision(layer, x)
        device = x.device.type
        # hand back the autocast dtype: a float32 branch would drag the merge below into float32
        return out.to(torch.get_autocast_dtype(device)) if torch.is_autocast_enabled(device) else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        deep = self._reads_input(self.down[0], x)
        if self.non_local is not None:
            deep = self.non_local(deep)
        deep = self.down[1](deep)
        if self.inner is not None:
            deep = self.inner(deep)
        deep = F.interpolate(deep, scale_factor=2, mode="bilinear", align_corners=False)
        parts = [deep]
        if self.skip is not None:
            parts.insert(0, self._reads_input(self.skip, x))
        # odd sizes: the upsampled branch can be one pixel larger; crop all to the smallest
        height = min(p.shape[-2] for p in parts)
        width = min(p.shape[-1] for p in parts)
        merged = torch.cat([_centre_crop(p, height, width) for p in parts], dim=1)
        return self.up(self.merge_norm(merged))


class SkipNetwork(nn.Module):
    """DIP skip network (SelfDeblur's G_x; also Double-DIP's kernel generator).

    Parameters
    ----------
    in_channels : int
        Channels of the noise input ``z_x`` (8 in the paper).
    out_channels : int
        1 for a grey image.
    channels : int
        Width of every encoder and decoder stage (128 in the paper).
    skip_channels : int
        Width of the 1x1 skip branches (16 in the paper).
    levels : int
        Number of down/up stages (5 in the paper).
    output : {'sigmoid', 'none'}
        Final non-linearity: a sigmoid for images; ``'none'`` returns logits, which
        Double-DIP's kernel generator turns into a kernel with a softmax.
    non_local_levels : int
        How many of the deepest stages get a non-local block (0 in the paper's description,
        3 in the authors' released code).
    """

    def __init__(
        self,
        in_channels: int = 8,
        out_channels: int = 1,
        channels: int = 128,
        skip_channels: int = 16,
        levels: int = 5,
        output: str = "sigmoid",
        non_local_levels: int = 0,
    ):
        super().__init__()
        if output not in ("sigmoid", "none"):
            raise ValueError(f"output must be 'sigmoid' or 'none', got {output!r}")
        if not 0 <= non_local_levels <= levels:
            raise ValueError(f"non_local_levels must lie between 0 and levels ({levels}), got {non_local_levels}")
        inner = None
        for level in reversed(range(levels)):
            level_in = in_channels if level == 0 else channels
            inner = _Level(
                level_in,
                channels,
                skip_channels,
                inner,
                channels,
                full_precision_input=level == 0,
                non_local=level >= levels - non_local_levels,
            )
        self.body = inner
        self.head = nn.Conv2d(channels, out_channels, 1)
        self.output = output
        self.levels = levels

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        smallest = 2**self.levels + 1
        if min(z.shape[-2:]) < smallest:
            raise ValueError(
                f"input {z.shape[-2]}x{z.shape[-1]} is too small for a {self.levels}-level skip "
                f"network; it needs at least {smallest} px per side"
            )
        # the output layer runs in float32: bfloat16 would quantise the image to ~2^-9
        out = _full_precision(self.head, self.body(z))
        # the image comes back at the input's size (cropped if the decoder overshoots)
        out = _centre_crop(out, z.shape[-2], z.shape[-1]) if out.shape[-2:] != z.shape[-2:] else out
        return torch.sigmoid(out) if self.output == "sigmoid" else out
