"""Training the deblurring UNet with JDRL, and the ablation variants of Table 4 (JDRL Sec. 4.4).

One training step (Eq. 1): the UNet ``F`` deblurs the blurry crop ``I_B`` into ``I_hat``;

* the **deblurring loss** is either a plain Charbonnier loss against the misaligned
  ground truth ``I_S`` (variant #1, the baseline) or the adaptive loss of Eq. 5: ``I_S``
  warped onto ``I_hat`` by optical flow, and (cycle deformation) ``I_hat`` warped onto
  ``I_S``, each masked by its calibration mask;
* the **reblurring loss** (Eq. 10) compares ``R(I_hat, I_B)`` with ``I_B``, weighted by
  ``alpha = 0.5``.

For the first ``warmup_epochs`` (the paper: 15 of 100) ``I_hat`` is too poor for a
flow, so the flows are taken between ``I_S`` and ``I_B`` and only the deblurring loss is
used. Adam, learning rate halved every ``halve_every`` epochs.

Variants (:data:`VARIANTS`): #1 baseline; #2 without cycle deformation; #3 without the
calibration mask; #4 without reblurring; #5 without the isotropic kernels; #6 without
the weight-prediction network; final. The paper's text is ambiguous about #2: the main
text says "without the bi-directional optical flow deforming process", the supplement
"without the optical-flow deforming process". We take the main text's reading (one
flow direction, ``I_S`` onto ``I_hat``, kept) as #2 and also offer the supplement's
(no flow at all, reblurring kept) as ``"#2 (supplement)"``.

Runs are cached by configuration, variant and data; a checkpoint after every epoch
(state dicts) makes them resumable.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .. import storage
from ..device import seed_everything, select_device
from ..models.unet import UNet
from ..progress import progress_bar
from .losses import adaptive_deblurring_loss, charbonnier, reblurring_loss, total_loss
from .reblurring import ReblurModule
from .tensors import images_to_tensor

ALGORITHM_VERSION = 1


@dataclass(frozen=True)
class JDRLVariant:
    """Which parts of JDRL are switched on."""

    deform: bool = True  # optical-flow deformation of the ground truth (Eq. 2-3)
    bidirectional: bool = True  # cycle deformation: I_hat warped onto I_S as well
    mask: bool = True  # calibration masks (Eq. 4)
    reblur: bool = True  # reblurring module and loss (Eq. 6-10)
    isotropic: bool = True  # isotropic kernels from seeds (else unconstrained kernels)
    weight_prediction: bool = True  # weight-prediction network (else equal weights)


VARIANTS = {
    "#1 baseline": JDRLVariant(deform=False, bidirectional=False, mask=False, reblur=False),
    "#2 w/o cycle deformation": JDRLVariant(bidirectional=False),
    "#3 w/o calibration mask": JDRLVariant(mask=False),
    "#4 w/o reblurring": JDRLVariant(reblur=False),
    "#5 w/o isotropic design": JDRLVariant(isotropic=False),
    "#6 w/o weight prediction": JDRLVariant(weight_prediction=False),
    "final": JDRLVariant(),
}
SUPPLEMENT_VARIANT_2 = ("#2 (supplement)", JDRLVariant(deform=False, bidirectional=False, mask=False))


@dataclass(frozen=True)
class JDRLConfig:
    """Training settings; the defaults are the paper's (Sec. 4.1 and supplement)."""

    width: int = 64
    reblur_width: int = 64
    levels: int = 8
    epochs: int = 100
    warmup_epochs: int = 15
    learning_rate: float = 2e-5
    halve_every: int = 60
    alpha: float = 0.5
    lam: float = 0.35
    mask_mode: str = "magnitude"
    crop: int = 512
    batch_size: int = 1
    reduction: str = "pixel"
    seed: int = 0

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 1 or self.crop < 16:
            raise ValueError("epochs and batch_size must be positive and crop at least 16 px")
        if not 0 <= self.warmup_epochs <= self.epochs:
            raise ValueError(f"warmup_epochs must lie in 0..epochs, got {self.warmup_epochs}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class JDRLResult:
    model: UNet
    reblur: ReblurModule | None
    history: pd.DataFrame
    from_cache: bool


def _check_pairs(blurry: np.ndarray, sharp: np.ndarray, crop: int) -> None:
    if blurry.ndim != 4 or blurry.shape != sharp.shape or blurry.shape[-1] != 3:
        raise ValueError(f"blurry {blurry.shape} and sharp {sharp.shape} must be stacks (N, H, W, 3) of one shape")
    if min(blurry.shape[1:3]) < crop:
        raise ValueError(
            f"images of {blurry.shape[1]} x {blurry.shape[2]} are smaller than the {crop} px crop; use a smaller crop"
        )
    if not (np.isfinite(blurry).all() and np.isfinite(sharp).all()):
        raise ValueError("training images contain NaN or infinite values")


def run_key(blurry: np.ndarray, sharp: np.ndarray, variant: JDRLVariant, config: JDRLConfig) -> str:
    """Hash of the version, variant, configuration and data.

    ``epochs`` is left out: a longer run continues a shorter one.
    """
    identity = {"version": ALGORITHM_VERSION, "variant": dataclasses.asdict(variant), **config.to_dict()}
    del identity["epochs"]
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode())
    for array in (blurry, sharp):
        digest.update(np.ascontiguousarray(array, dtype=np.float32).tobytes())
    return digest.hexdigest()[:16]


def build_networks(variant: JDRLVariant, config: JDRLConfig) -> tuple[UNet, ReblurModule | None]:
    model = UNet(width=config.width)
    reblur = (
        ReblurModule(
            levels=config.levels,
            width=config.reblur_width,
            isotropic=variant.isotropic,
            weight_prediction=variant.weight_prediction,
        )
        if variant.reblur
        else None
    )
    return model, reblur


def step_loss(
    model: UNet,
    reblur: ReblurModule | None,
    blurry: torch.Tensor,
    sharp: torch.Tensor,
    variant: JDRLVariant,
    config: JDRLConfig,
    warming_up: bool,
) -> tuple[torch.Tensor, dict]:
    """Eq. 1 for one batch under ``variant``; ``warming_up`` takes the flows against ``I_B`` and skips reblurring."""
    deblurred = model(blurry)
    record = {}
    if variant.deform:
        deblurring, info = adaptive_deblurring_loss(
            deblurred,
            sharp,
            bidirectional=variant.bidirectional,
            use_mask=variant.mask,
            lam=config.lam,
            mask_mode=config.mask_mode,
            flow_source=blurry if warming_up else None,
            reduction=config.reduction,
        )
        kept = [float(v.mean()) for v in info["keep_fraction"].values()]
        record["mask_keep"] = float(np.mean(kept)) if kept else 1.0
    else:
        deblurring = charbonnier(deblurred, sharp, reduction=config.reduction)
    reblurring = None
    if reblur is not None and not warming_up:
        reblurring = reblurring_loss(reblur(deblurred, blurry), blurry, reduction=config.reduction)
    loss = total_loss(deblurring, reblurring, config.alpha)
    record.update(
        {
            "loss": loss.item(),
            "deblurring": deblurring.item(),
            "reblurring": float("nan") if reblurring is None else reblurring.item(),
        }
    )
    return loss, record


def _random_crops(blurry, sharp, size, generator: np.random.Generator):
    """The same random window from each image of the pair (the misalignment is left in)."""
    height, width = blurry.shape[1:3]
    tops = generator.integers(0, height - size + 1, len(blurry))
    lefts = generator.integers(0, width - size + 1, len(blurry))

    def crop(images):
        return np.stack([image[top : top + size, left : left + size] for image, top, left in zip(images, tops, lefts)])

    return crop(blurry), crop(sharp)


def train_jdrl(
    blurry: np.ndarray,
    sharp: np.ndarray,
    variant: JDRLVariant,
    config: JDRLConfig,
    *,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    description: str = "JDRL",
) -> JDRLResult:
    """Train (or load, resume, continue) the UNet under one variant on pairs ``(N, H, W, 3)`` in [0, 1].

    ``history`` has one row per epoch: mean ``loss``, ``deblurring``, ``reblurring``
    (NaN while warming up or without reblurring), ``mask_keep`` (share of pixels the
    calibration masks keep) and ``warm_up``.
    """
    blurry, sharp = np.asarray(blurry, dtype=np.float32), np.asarray(sharp, dtype=np.float32)
    _check_pairs(blurry, sharp, config.crop)
    device = select_device()
    seed_everything(config.seed)
    model, reblur = build_networks(variant, config)
    model.to(device)
    parameters = list(model.parameters())
    if reblur is not None:
        reblur.to(device)
        parameters += list(reblur.parameters())
    optimiser = torch.optim.Adam(parameters, lr=config.learning_rate)
    scheduler = torch.optim.lr_scheduler.StepLR(optimiser, step_size=config.halve_every, gamma=0.5)
    rng = np.random.default_rng(config.seed)
    history: list[dict] = []
    checkpoint = (
        None if cache_dir is None else Path(cache_dir) / run_key(blurry, sharp, variant, config) / "checkpoint.pt"
    )
    if checkpoint is not None and checkpoint.exists():
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
        if state["epoch"] > config.epochs:
            raise ValueError(
                f"the cached run in {checkpoint.parent} has {state['epoch']} epochs, more than the "
                f"{config.epochs} asked for; ask for at least {state['epoch']} or use another cache_dir"
            )
        model.load_state_dict(state["model"])
        if reblur is not None:
            reblur.load_state_dict(state["reblur"])
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
        rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        history = state["history"]
    from_cache = len(history) == config.epochs

    bar = progress_bar(total=config.epochs, initial=len(history), desc=description, enabled=progress)
    for epoch in range(len(history) + 1, config.epochs + 1):
        warming_up = epoch <= config.warmup_epochs
        model.train()
        if reblur is not None:
            reblur.train()
        records = []
        order = rng.permutation(len(blurry))
        for start in range(0, len(order), config.batch_size):
            index = order[start : start + config.batch_size]
            crop_b, crop_s = _random_crops(blurry[index], sharp[index], config.crop, rng)
            loss, record = step_loss(
                model,
                reblur,
                images_to_tensor(crop_b, device),
                images_to_tensor(crop_s, device),
                variant,
                config,
                warming_up,
            )
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            records.append(record)
        scheduler.step()
        summary = pd.DataFrame(records).mean(numeric_only=True).to_dict()
        history.append({"epoch": epoch, "warm_up": warming_up, **summary})
        if checkpoint is not None:
            storage.save_torch(
                checkpoint,
                {
                    "epoch": epoch,
                    "model": model.state_dict(),
                    "reblur": None if reblur is None else reblur.state_dict(),
                    "optimiser": optimiser.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "rng": rng.bit_generator.state,
                    "torch_rng": torch.get_rng_state(),
                    "history": history,
                },
            )
        bar.set_postfix(loss=f"{summary['loss']:.4f}")
        bar.update(1)
    bar.close()
    model.eval()
    if reblur is not None:
        reblur.eval()
    return JDRLResult(model, reblur, pd.DataFrame(history), from_cache)
