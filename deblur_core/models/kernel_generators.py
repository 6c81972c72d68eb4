"""Kernel generators G_k and the Table 2 variants.

SelfDeblur, Sec. 3.2 ("Generative Network G_k") and Sec. 4.1.2 (Table 2):

* ``fcn`` (SelfDeblur): fixed noise ``z_k`` (200 values) -> 1,000 hidden units
  (ReLU6) -> ``kh * kw`` outputs -> SoftMax -> reshaped kernel.
* ``fcn-`` (SelfDeblur k-): no hidden layer.
* ``fcn+`` (SelfDeblur k+): two hidden layers.
* ``dip`` (Double-DIP): a small skip network on a noise image, then SoftMax over
  the taps.

The SoftMax makes every kernel non-negative with taps summing to one, so the
constrained problem becomes an unconstrained one over network weights.

Examples
--------
>>> import torch
>>> gen = FCNKernelGenerator((5, 7), hidden=(16,))
>>> k = gen(torch.rand(200)).detach()
>>> k.shape, round(float(k.sum()), 5), bool((k >= 0).all())
(torch.Size([5, 7]), 1.0, True)
"""

from __future__ import annotations

import torch
import torch.nn as nn

from .skip import SkipNetwork

KERNEL_GENERATORS = ("fcn", "fcn-", "fcn+", "dip")
FCN_INPUT_SIZE = 200
FCN_HIDDEN = 1000


class FCNKernelGenerator(nn.Module):
    """Fully connected kernel generator with a SoftMax output layer."""

    def __init__(
        self, kernel_size: tuple[int, int], hidden: tuple[int, ...] = (FCN_HIDDEN,), input_size: int = FCN_INPUT_SIZE
    ):
        super().__init__()
        self.kernel_size = tuple(kernel_size)
        layers: list[nn.Module] = []
        width = input_size
        for units in hidden:
            layers += [nn.Linear(width, units), nn.ReLU6()]
            width = units
        layers.append(nn.Linear(width, self.kernel_size[0] * self.kernel_size[1]))
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        logits = self.body(z.reshape(1, -1)).float()
        return torch.softmax(logits, dim=1).reshape(self.kernel_size)


class DIPKernelGenerator(nn.Module):
    """Double-DIP's kernel generator: a skip network whose output map is the kernel."""

    def __init__(
        self,
        kernel_size: tuple[int, int],
        in_channels: int = 8,
        channels: int = 64,
        skip_channels: int = 4,
        levels: int = 2,
    ):
        super().__init__()
        self.kernel_size = tuple(kernel_size)
        self.net = SkipNetwork(in_channels, 1, channels, skip_channels, levels, output="none")

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        logits = self.net(z).float().reshape(1, -1)
        return torch.softmax(logits, dim=1).reshape(self.kernel_size)


def make_kernel_generator(kind: str, kernel_size: tuple[int, int]) -> nn.Module:
    """Kernel generator for one of :data:`KERNEL_GENERATORS`."""
    if kind == "fcn":
        return FCNKernelGenerator(kernel_size, hidden=(FCN_HIDDEN,))
    if kind == "fcn-":
        return FCNKernelGenerator(kernel_size, hidden=())
    if kind == "fcn+":
        return FCNKernelGenerator(kernel_size, hidden=(FCN_HIDDEN, FCN_HIDDEN))
    if kind == "dip":
        if min(kernel_size) < 5:
            raise ValueError(f"Double-DIP's kernel generator needs kernels of at least 5 px, got {tuple(kernel_size)}")
        return DIPKernelGenerator(kernel_size)
    raise ValueError(f"unknown kernel generator {kind!r}; use one of {', '.join(KERNEL_GENERATORS)}")


def kernel_generator_input(kind: str, kernel_size: tuple[int, int], generator: torch.Generator) -> torch.Tensor:
    """The fixed noise input ``z_k`` of a kernel generator (uniform, like the paper's)."""
    if kind == "dip":
        return torch.rand(1, 8, *kernel_size, generator=generator) * 0.1
    return torch.rand(FCN_INPUT_SIZE, generator=generator)
