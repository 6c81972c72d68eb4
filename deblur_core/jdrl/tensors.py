"""Colour images between NumPy's ``(H, W, C)`` layout and torch's ``(N, C, H, W)``.

Examples
--------
>>> import numpy as np
>>> batch = images_to_tensor(np.zeros((5, 7, 3)))
>>> tuple(batch.shape), batch.dtype, tensor_to_images(batch).shape
((1, 3, 5, 7), torch.float32, (1, 5, 7, 3))
"""

from __future__ import annotations

import numpy as np
import torch


def images_to_tensor(images: np.ndarray, device=None) -> torch.Tensor:
    """``(H, W, C)`` or a stack ``(N, H, W, C)`` -> float32 tensor ``(N, C, H, W)`` on ``device``."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4:
        raise ValueError(f"expected (H, W, C) or (N, H, W, C) images, got shape {images.shape}")
    return torch.as_tensor(np.ascontiguousarray(images.transpose(0, 3, 1, 2)), device=device)


def tensor_to_images(batch: torch.Tensor) -> np.ndarray:
    """``(N, C, H, W)`` tensor -> NumPy stack ``(N, H, W, C)`` (detached, on the CPU)."""
    return batch.detach().cpu().numpy().transpose(0, 2, 3, 1)
