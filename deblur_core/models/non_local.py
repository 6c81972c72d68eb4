"""Non-local block: every position of a feature map attends to every (pooled) other.

Wang, Girshick, Gupta and He, *Non-local Neural Networks* (CVPR 2018), the
"dot product" form: ``y_i = 1/N sum_j (theta(x_i) . phi(x_j)) g(x_j)``, then
``z = x + W(y)``. ``theta``, ``phi``, ``g`` and ``W`` are 1x1 convolutions with half
the channels inside; ``phi`` and ``g`` read a 2x2 max-pooled map (``N`` is its number
of positions; odd maps keep their last row and column), which cuts the cost by four.
``W`` ends in a BatchNorm whose scale starts at zero, so a fresh block is the identity and training decides how much
long-range context to mix in.

SelfDeblur's released code (not its paper) puts one such block in each of the three
deepest encoder stages of G_x; :class:`deblur_core.models.skip.SkipNetwork` does the
same with ``non_local_levels=3``.

Examples
--------
>>> import torch
>>> block = NonLocalBlock(8)
>>> x = torch.rand(2, 8, 9, 7)
>>> bool(torch.equal(block(x), x))      # identity until trained
True
"""

from __future__ import annotations

import torch
import torch.nn as nn


class NonLocalBlock(nn.Module):
    """Dot-product non-local block with a residual connection.

    Parameters
    ----------
    channels : int
        Channels of the feature map (kept).
    inner_channels : int, optional
        Width of the embeddings; half of ``channels`` if not given.
    pool : bool
        Max-pool the keys and values 2x2 (maps smaller than 2 px per side are not pooled).
    """

    def __init__(self, channels: int, inner_channels: int | None = None, pool: bool = True):
        super().__init__()
        inner = inner_channels or max(channels // 2, 1)
        self.theta = nn.Conv2d(channels, inner, 1)
        self.phi = nn.Conv2d(channels, inner, 1)
        self.g = nn.Conv2d(channels, inner, 1)
        self.project = nn.Sequential(nn.Conv2d(inner, channels, 1), nn.BatchNorm2d(channels))
        nn.init.zeros_(self.project[1].weight)
        nn.init.zeros_(self.project[1].bias)
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        # ceil_mode: on odd maps the last row and column still take part
        context = nn.functional.max_pool2d(x, 2, ceil_mode=True) if self.pool and min(h, w) >= 2 else x
        queries = self.theta(x).flatten(2).transpose(1, 2)  # n x hw x inner
        keys = self.phi(context).flatten(2)  # n x inner x m
        values = self.g(context).flatten(2).transpose(1, 2)  # n x m x inner
        affinity = torch.bmm(queries, keys) / keys.shape[-1]
        mixed = torch.bmm(affinity, values).transpose(1, 2).reshape(n, -1, h, w)
        return x + self.project(mixed)
