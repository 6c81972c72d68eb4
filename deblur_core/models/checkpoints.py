"""Saving and loading networks as state dicts with their architecture and constructor arguments.

A checkpoint is ``{"architecture": name, "config": constructor arguments, "state_dict": ...}``
written atomically (:func:`deblur_core.storage.save_torch`) and read back with
``weights_only=True`` onto the device that :func:`deblur_core.device.select_device`
picks. A bare state dict (a user's own weights) loads when its config is given. A file
of another architecture, or weights of other shapes, is a one-line ``ValueError``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path

import torch
from torch import nn

from .. import storage
from ..device import select_device


def describe(architecture: str, config: Mapping) -> str:
    return f"{architecture}({', '.join(f'{k}={v}' for k, v in config.items())})"


def load_state_checked(model: nn.Module, state_dict: Mapping, description: str) -> nn.Module:
    """Load ``state_dict`` into ``model``; weights of another architecture give a one-line ValueError."""
    if not isinstance(state_dict, Mapping) or not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise ValueError(f"expected a state dict (parameter names to tensors) for {description}")
    expected = model.state_dict()
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    misshapen = [k for k in expected if k in state_dict and state_dict[k].shape != expected[k].shape]
    if missing or unexpected or misshapen:
        problems = [
            template.format(len(keys), keys[0])
            for template, keys in (
                ("{} missing keys (e.g. {!r})", missing),
                ("{} unexpected keys (e.g. {!r})", unexpected),
                ("{} keys of other shapes (e.g. {!r})", misshapen),
            )
            if keys
        ]
        raise ValueError(
            f"state dict does not fit {description}: {', '.join(problems)}; "
            "expected the weights of a network built with this config"
        )
    model.load_state_dict(state_dict)
    return model


def save_checkpoint(path, model: nn.Module, architecture: str, config: Mapping) -> Path:
    """Save ``model``'s weights (on the CPU) with its architecture name and constructor arguments."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    return storage.save_torch(path, {"architecture": architecture, "config": dict(config), "state_dict": state})


def load_checkpoint(
    path,
    architecture: str,
    build: Callable[..., nn.Module],
    *,
    device=None,
    config: Mapping | None = None,
    same_config: Callable[[Mapping, Mapping], bool] | None = None,
    saver: str = "save_checkpoint",
) -> nn.Module:
    """Load a checkpoint of ``architecture`` (or a bare state dict with ``config``) in eval mode.

    ``build(**config)`` makes the network; ``same_config`` decides whether a given
    ``config`` agrees with the saved one (default: equality).
    """
    device = select_device(None if device is None else str(device))
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as error:
        raise ValueError(
            f"{path} is not a torch checkpoint that loads with weights_only=True; "
            f"expected a file written by {saver} or torch.save(state_dict)"
        ) from error
    if isinstance(saved, Mapping) and "architecture" in saved:
        if saved["architecture"] != architecture:
            raise ValueError(
                f"{path} holds a {saved['architecture']!r} checkpoint; expected one of "
                f"{architecture} written by {saver}"
            )
        agree = same_config or (lambda a, b: dict(a) == dict(b))
        if config is not None and not agree(config, saved["config"]):
            raise ValueError(
                f"{path} holds {describe(architecture, saved['config'])}, not the "
                f"{describe(architecture, config)} asked for; leave out config to use the saved one"
            )
        config, state_dict = saved["config"], saved["state_dict"]
    elif config is None:
        keys = ", ".join(f"{name}=..." for name in inspect.signature(build).parameters)
        raise ValueError(
            f"{path} is not a checkpoint written by {saver}; for a bare state dict pass config=dict({keys})"
        )
    else:
        state_dict = saved
    model = load_state_checked(build(**config), state_dict, describe(architecture, config))
    return model.to(device).eval()
