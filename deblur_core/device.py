"""Device, precision and seeding: chosen here and nowhere else.

The device is CUDA if present, then Apple's MPS, then the CPU. Reduced precision
(bfloat16 autocast with channels-last tensors) is used for the big convolutional
networks where the hardware runs it natively: CUDA GPUs with bf16 support and CPUs
with AVX-512 BF16 or AMX. ``benchmarks/selfdeblur_speed.py`` measures what this
buys against plain float32.
"""
from __future__ import annotations

import contextlib
import os
import random
from dataclasses import dataclass

import numpy as np
import torch

DEVICE_ENV = "DEBLUR_DEVICE"
PRECISION_ENV = "DEBLUR_PRECISION"


def select_device(preferred: str | None = None) -> torch.device:
    """``preferred``, else ``$DEBLUR_DEVICE``, else CUDA, then MPS, then CPU."""
    name = preferred or os.environ.get(DEVICE_ENV)
    if name:
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def bf16_is_fast(device: torch.device) -> bool:
    """Whether ``device`` has native bfloat16 matrix units (not just emulation)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False


@dataclass(frozen=True)
class Precision:
    """How a network runs: autocast dtype (``None`` for float32) and memory layout."""

    device: torch.device
    autocast_dtype: torch.dtype | None
    channels_last: bool

    @property
    def name(self) -> str:
        return "float32" if self.autocast_dtype is None else "bfloat16-autocast"

    def autocast(self):
        """Context that runs the enclosed network code in the reduced precision."""
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def prepare(self, tensor_or_module):
        """Move a tensor or module to the device (and channels-last layout if chosen)."""
        moved = tensor_or_module.to(self.device)
        if self.channels_last and (isinstance(moved, torch.nn.Module) or moved.ndim == 4):
            moved = moved.to(memory_format=torch.channels_last)
        return moved


def select_precision(device: torch.device | None = None, precision: str = "auto") -> Precision:
    """``'auto'`` (bf16 where fast, else float32), ``'float32'`` or ``'bfloat16'``.

    ``$DEBLUR_PRECISION`` overrides ``'auto'``.
    """
    device = device or select_device()
    if precision == "auto":
        precision = os.environ.get(PRECISION_ENV, "auto")
    if precision == "auto":
        precision = "bfloat16" if bf16_is_fast(device) else "float32"
    if precision == "float32":
        return Precision(device, None, channels_last=False)
    if precision == "bfloat16":
        return Precision(device, torch.bfloat16, channels_last=device.type != "mps")
    raise ValueError(f"unknown precision {precision!r}; use 'auto', 'float32' or 'bfloat16'")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a torch generator seeded the same way."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
