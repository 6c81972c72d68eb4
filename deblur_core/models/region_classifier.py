"""The good-region classifier: a ResNet-34 without pooling (region-selection paper, Sec. 3.2).

Yang, Wu & Sun, *Select Good Regions for Deblurring based on CNNs*: a binary
classifier reads a grey blurry window and outputs the probability that a blind
kernel estimator recovers a good kernel from it. The paper takes ResNet-34 and,
"to minimize the translation invariance of the network", replaces pooling with
strided convolutions. Here:

* stem: 7x7 stride-2 convolution, then a 3x3 stride-2 convolution where ResNet
  has its 3x3 max-pool (each followed by BatchNorm and ReLU);
* four stages of basic residual blocks (3, 4, 6, 3 for ResNet-34) of widths
  ``w, 2w, 4w, 8w``; the first block of stages 2-4 halves the resolution with a
  stride-2 convolution and a stride-2 1x1 convolution on the shortcut;
* head: where ResNet averages the final feature map over all positions (which
  forgets where a feature was), a 'valid' convolution whose kernel covers the
  whole final map gives the logit directly, i.e. a fully connected layer with a
  separate weight for every position. For 228 px windows the final map is 8 x 8.

The network returns the logit; ``sigmoid(logit)`` is the paper's output
P(good region | window). Training uses the logit with ``BCEWithLogitsLoss``, which
is the paper's binary cross entropy (Eq. 2) computed without overflow.

The paper fine-tunes ImageNet ResNet-34 weights; those cannot be downloaded here
(and are for three-channel images), so the network trains from scratch unless a
state dict is supplied (:func:`load_classifier` with ``config``).

Examples
--------
>>> import torch
>>> net = RegionClassifier(input_size=33, width=4, blocks=(1, 1, 1, 1))
>>> net.feature_size                     # 33 -> 17 -> 9 -> 5 -> 3 -> 2
2
>>> net(torch.rand(5, 1, 33, 33)).shape  # one logit per window
torch.Size([5])
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import checkpoints

ARCHITECTURE = "RegionClassifier"
RESNET34_BLOCKS = (3, 4, 6, 3)
# stride-2 layers between the window and the head: the two of the stem and one in each of stages 2-4
DOWNSAMPLINGS = 5


def _halved(size: int) -> int:
    """Side after a stride-2 convolution padded to keep 'same' alignment: ceil(size / 2)."""
    return (size + 1) // 2


def _conv_bn(in_channels: int, out_channels: int, kernel_size: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels),
    )


class BasicBlock(nn.Module):
    """ResNet's two-convolution residual block; a strided 1x1 convolution on the shortcut when it downsamples."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.conv1 = _conv_bn(in_channels, out_channels, 3, stride)
        self.conv2 = _conv_bn(out_channels, out_channels, 3, 1)
        self.shortcut = (
            _conv_bn(in_channels, out_channels, 1, stride)
            if stride != 1 or in_channels != out_channels
            else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv2(F.relu(self.conv1(x))) + self.shortcut(x))


def check_architecture(input_size: int, width: int, blocks) -> tuple[int, int, tuple[int, ...]]:
    """Validate :class:`RegionClassifier`'s arguments; return them as ``(input_size, width, blocks)``."""
    if int(input_size) != input_size or input_size < 1:
        raise ValueError(f"input_size must be a positive integer, got {input_size}")
    if int(width) != width or width < 1:
        raise ValueError(f"width must be a positive integer, got {width}")
    blocks = tuple(blocks)
    if len(blocks) != 4 or any(int(b) != b or b < 1 for b in blocks):
        raise ValueError(f"blocks must be four positive block counts such as {RESNET34_BLOCKS}, got {blocks}")
    return int(input_size), int(width), tuple(int(b) for b in blocks)


class RegionClassifier(nn.Module):
    """ResNet-34 layout with strided convolutions instead of pooling and a position-dependent head.

    Parameters
    ----------
    input_size : int
        Side of the square windows it reads (228 in the paper).
    width : int
        Channels of the first stage (64 in ResNet-34); stage ``i`` has ``width * 2**i``.
    blocks : four ints
        Basic blocks per stage; ``(3, 4, 6, 3)`` is ResNet-34.

    Notes
    -----
    ``forward`` takes windows ``(N, 1, input_size, input_size)`` in [0, 1] and
    subtracts 0.5 rather than each window's mean: absolute brightness is kept
    because saturated or dark windows are themselves a cue that kernel estimation
    will fail there. It returns logits ``(N,)``.
    """

    def __init__(self, input_size: int = 228, width: int = 64, blocks=RESNET34_BLOCKS):
        super().__init__()
        input_size, width, blocks = check_architecture(input_size, width, blocks)
        self.input_size, self.width, self.blocks = input_size, width, blocks
        self.stem = nn.Sequential(
            _conv_bn(1, width, 7, 2), nn.ReLU(inplace=True), _conv_bn(width, width, 3, 2), nn.ReLU(inplace=True)
        )
        stages, channels = [], width
        for index, count in enumerate(blocks):
            out_channels = width * 2**index
            stride = 1 if index == 0 else 2
            layers = [BasicBlock(channels, out_channels, stride)]
            layers += [BasicBlock(out_channels, out_channels, 1) for _ in range(count - 1)]
            stages.append(nn.Sequential(*layers))
            channels = out_channels
        self.stages = nn.Sequential(*stages)
        size = input_size
        for _ in range(DOWNSAMPLINGS):
            size = _halved(size)
        self.feature_size = size
        self.head = nn.Conv2d(channels, 1, kernel_size=size)
        for module in self.modules():
            if isinstance(module, nn.Conv2d) and module is not self.head:
                # He initialisation, as torchvision's ResNet: training starts from scratch
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        expected = (1, self.input_size, self.input_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"expected windows of shape (N, {', '.join(map(str, expected))}), got "
                f"{tuple(x.shape)}; resize them with prepare_windows(windows, {self.input_size})"
            )
        return self.head(self.stages(self.stem(x - 0.5))).flatten()


def classifier_config(model: RegionClassifier) -> dict:
    """The constructor arguments that rebuild ``model``: ``input_size``, ``width`` and ``blocks``."""
    return {"input_size": model.input_size, "width": model.width, "blocks": tuple(model.blocks)}


def load_state_checked(model: RegionClassifier, state_dict: Mapping) -> RegionClassifier:
    """Load ``state_dict`` into ``model``; a state dict of another architecture gives a one-line ValueError."""
    return checkpoints.load_state_checked(
        model, state_dict, checkpoints.describe(ARCHITECTURE, classifier_config(model))
    )


def save_classifier(path, model: RegionClassifier) -> Path:
    """Save ``model`` with its architecture and config (atomically), for :func:`load_classifier`."""
    return checkpoints.save_checkpoint(path, model, ARCHITECTURE, classifier_config(model))


def load_classifier(path, device=None, *, config: Mapping | None = None) -> RegionClassifier:
    """Load a classifier saved by :func:`save_classifier`, or a bare state dict with ``config``.

    Parameters
    ----------
    path : path of the ``.pt`` file.
    device : torch device or name, optional
        Where the model goes; ``None`` lets :func:`deblur_core.device.select_device` choose.
    config : dict, optional
        ``input_size``, ``width`` and ``blocks`` of a bare state dict (a user's own
        weights); for a file from :func:`save_classifier` it must match the saved one.

    Returns
    -------
    RegionClassifier in eval mode.
    """
    return checkpoints.load_checkpoint(
        path,
        ARCHITECTURE,
        RegionClassifier,
        device=device,
        config=config,
        saver="save_classifier",
        same_config=lambda a, b: check_architecture(**a) == check_architecture(**b),
    )


def prepare_windows(windows: np.ndarray, input_size: int) -> torch.Tensor:
    """Grey windows ``(N, S, S)`` in [0, 1] as a float32 tensor ``(N, 1, input_size, input_size)``.

    Windows larger than ``input_size`` are shrunk by area averaging (PyTorch's
    ``'area'`` mode: each output pixel is the mean of the input pixels under it,
    which does not alias the way point sampling does), so a quick run can train on
    downscaled windows; the blur then shrinks by the same factor. Windows smaller
    than ``input_size`` are refused: enlarging them would not add the context the
    network was trained to see.

    Examples
    --------
    >>> import numpy as np
    >>> prepare_windows(np.ones((2, 228, 228)), 57).shape
    torch.Size([2, 1, 57, 57])
    """
    windows = check_windows(windows)
    size = windows.shape[-1]
    if size < input_size:
        raise ValueError(
            f"windows of {size} px are smaller than the classifier's {input_size} px input; "
            "cut larger windows or use a classifier with a smaller input_size"
        )
    tensor = torch.as_tensor(windows, dtype=torch.float32)[:, None]
    if size == input_size:
        return tensor
    return F.interpolate(tensor, size=(input_size, input_size), mode="area")


def check_windows(windows, name: str = "windows") -> np.ndarray:
    """Validate a stack of square grey windows ``(N, S, S)`` with values in [0, 1]; return it as an array."""
    windows = np.asarray(windows)
    if windows.ndim != 3 or windows.shape[1] != windows.shape[2]:
        raise ValueError(f"{name} must be a stack of square grey windows (N, S, S), got shape {windows.shape}")
    if windows.shape[0] == 0:
        raise ValueError(f"{name} is empty; give at least one window")
    # min and max instead of np.isfinite: no temporary array the size of the data, and NaN propagates
    low, high = float(windows.min()), float(windows.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{name} contain NaN or infinite values")
    if low < -1e-6 or high > 1 + 1e-6:
        raise ValueError(f"{name} must lie in [0, 1], found [{low:.3g}, {high:.3g}] (divide 8-bit images by 255)")
    return windows
