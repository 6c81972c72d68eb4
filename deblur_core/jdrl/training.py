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
used. Adam, at a learning rate that follows :mod:`deblur_core.schedules`: the paper's halving every
``halve_every`` epochs, or a warm-up and cosine decay (``schedule``), set anew before every step.
Training crops can be flipped and transposed at random (``flips``), both images of a pair alike.

Variants (:data:`VARIANTS`): #1 baseline; #2 without cycle deformation; #3 without the
calibration mask; #4 without reblurring; #5 without the isotropic kernels; #6 without
the weight-prediction network; final. The paper's text is ambiguous about #2: the main
text says "without the bi-directional optical flow deforming process", the supplement
"without the optical-flow deforming process". We take the main text's reading (one
flow direction, ``I_S`` onto ``I_hat``, kept) as #2 and also offer the supplement's
(no flow at all, reblurring kept) as ``"#2 (supplement)"``.

Runs are cached by configuration, variant and data; a checkpoint after every epoch
(state dicts) makes them resumable, and variants whose warm-up is identical (``final``,
#4, #5, #6) share one warm-up checkpoint instead of each training it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..cache import cache_key
from ..ddp import process_group
from ..device import PRECISIONS, Precision, seed_everything, select_device, select_precision
from ..models.unet import DROPOUT, UNet
from ..models.unet import OUTPUTS as UNET_OUTPUTS
from ..schedules import check_schedule, learning_rate_factor
from ..training_loop import train_epochs
from .losses import adaptive_deblurring_loss, charbonnier, reblurring_loss, total_loss
from .reblurring import ReblurModule
from .tensors import images_to_tensor

ALGORITHM_VERSION = 3  # 3: the learning rate is set per step (schedules); 2: the reblurring module's own seed


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
    output: str = "sigmoid"  # the paper's; "residual": x + F(x) (see deblur_core.models.unet)
    schedule: str = "step"  # deblur_core.schedules: the paper's halving, "cosine" or "one-cycle"
    lr_warmup: float = 0.05  # the cosine schedule's share of linear warm-up steps
    dropout: float = DROPOUT  # after the UNet's two deepest levels (the supplement's 0.4)
    flips: bool = False  # random flips and transposes of each training crop, both images alike
    precision: str = "auto"  # the UNet's (deblur_core.device): bf16 autocast only where the hardware has it

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 1 or self.crop < 16:
            raise ValueError("epochs and batch_size must be positive and crop at least 16 px")
        if not 0 <= self.warmup_epochs <= self.epochs:
            raise ValueError(f"warmup_epochs must lie in 0..epochs, got {self.warmup_epochs}")
        if self.output not in UNET_OUTPUTS:
            raise ValueError(f"output must be one of {UNET_OUTPUTS}, got {self.output!r}")
        check_schedule(self.schedule)
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if not 0 <= self.dropout < 1 or not 0 <= self.lr_warmup < 1:
            raise ValueError(f"dropout and lr_warmup must lie in [0, 1), got {self.dropout} and {self.lr_warmup}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class JDRLResult:
    model: UNet
    reblur: ReblurModule | None
    history: pd.DataFrame
    from_cache: bool
    warmup_reused: bool = False


def _check_pairs(blurry: np.ndarray, sharp: np.ndarray, crop: int) -> None:
    if blurry.ndim != 4 or blurry.shape != sharp.shape or blurry.shape[-1] != 3:
        raise ValueError(f"blurry {blurry.shape} and sharp {sharp.shape} must be stacks (N, H, W, 3) of one shape")
    if min(blurry.shape[1:3]) < crop:
        raise ValueError(
            f"images of {blurry.shape[1]} x {blurry.shape[2]} are smaller than the {crop} px crop; use a smaller crop"
        )
    if not (np.isfinite(blurry).all() and np.isfinite(sharp).all()):
        raise ValueError("training images contain NaN or infinite values")


def run_key(
    blurry: np.ndarray, sharp: np.ndarray, variant: JDRLVariant, config: JDRLConfig, world_size: int = 1
) -> str:
    """Cache key (:func:`deblur_core.cache.cache_key`) of the variant, the configuration, the number of
    training processes and the float32 pairs.

    Under the ``"step"`` schedule ``epochs`` is left out: a longer run continues a shorter one. The other
    schedules spread over the whole run, so there the number of epochs makes another run. The precision is keyed
    as it resolves here (``"auto"`` is bf16 on one machine and float32 on another).
    """
    identity = {
        "variant": dataclasses.asdict(variant),
        "world_size": int(world_size),
        "resolved_precision": _resolved_precision(config),
        **config.to_dict(),
    }
    if config.schedule == "step":
        del identity["epochs"]
    return cache_key(ALGORITHM_VERSION, identity, *_as_trained(blurry, sharp))


def _as_trained(blurry, sharp) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(blurry, dtype=np.float32), np.asarray(sharp, dtype=np.float32)


def warmup_key(
    blurry: np.ndarray, sharp: np.ndarray, variant: JDRLVariant, config: JDRLConfig, world_size: int = 1
) -> str:
    """Cache key of what the warm-up depends on: variants that differ only after it share one.

    The warm-up uses neither the reblurring module nor ``alpha``, so ``final``, #4, #5
    and #6 begin identically; #1, #2 and #3 change the deblurring loss and get their own.
    """
    identity = {
        "warm-up of": {part: getattr(variant, part) for part in _WARMUP_PARTS},
        "world_size": int(world_size),
        "resolved_precision": _resolved_precision(config),
        **{k: v for k, v in config.to_dict().items() if k not in _NOT_IN_WARMUP},
    }
    if config.schedule != "step":  # the warm-up's learning rates depend on the run's length
        identity["epochs"] = config.epochs
    return cache_key(ALGORITHM_VERSION, identity, *_as_trained(blurry, sharp))


def _resolved_precision(config: JDRLConfig) -> str:
    return select_precision(select_device(), config.precision).name


_WARMUP_PARTS = ("deform", "bidirectional", "mask")
_NOT_IN_WARMUP = ("epochs", "alpha", "levels", "reblur_width")


def build_networks(variant: JDRLVariant, config: JDRLConfig) -> tuple[UNet, ReblurModule | None]:
    """The UNet, and the reblurring module if ``variant`` has one.

    The reblurring module draws its initial weights from its own seed, so the UNet's
    initialisation and dropout draw the same numbers whichever variant is trained: that
    is what lets variants share one warm-up.
    """
    torch.manual_seed(config.seed)
    model = UNet(width=config.width, output=config.output, dropout=config.dropout)
    if not variant.reblur:
        return model, None
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed + REBLUR_SEED_OFFSET)
        reblur = ReblurModule(
            levels=config.levels,
            width=config.reblur_width,
            isotropic=variant.isotropic,
            weight_prediction=variant.weight_prediction,
        )
    return model, reblur


REBLUR_SEED_OFFSET = 7919


def step_loss(
    model: UNet,
    reblur: ReblurModule | None,
    blurry: torch.Tensor,
    sharp: torch.Tensor,
    variant: JDRLVariant,
    config: JDRLConfig,
    warming_up: bool,
    precision: Precision | None = None,
) -> tuple[torch.Tensor, dict]:
    """Eq. 1 for one batch under ``variant``; ``warming_up`` takes the flows against ``I_B`` and skips reblurring.

    The UNet runs in ``precision`` (float32 when ``None``); its output, the flows, the reblurring module and the
    losses are float32.
    """
    with precision.autocast() if precision is not None else contextlib.nullcontext():
        deblurred = model(blurry)
    deblurred = deblurred.float()
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


def training_step(
    model,
    reblur: ReblurModule | None,
    optimiser: torch.optim.Optimizer,
    blurry: torch.Tensor,
    sharp: torch.Tensor,
    variant: JDRLVariant,
    config: JDRLConfig,
    warming_up: bool,
    precision: Precision | None = None,
) -> dict:
    """One optimiser step on Eq. 1 (:func:`step_loss`) for one batch; the batch's loss record."""
    loss, record = step_loss(model, reblur, blurry, sharp, variant, config, warming_up, precision=precision)
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    optimiser.step()
    return record


def random_crops(blurry, sharp, size, generator: np.random.Generator, flips: bool = False):
    """The same random ``size`` window of both images of each pair (the misalignment is left in).

    With ``flips``, each pair is then flipped up-down, left-right and transposed, each with probability 1/2
    (the eight symmetries of the square, equally likely), both images alike: a flipped pair is a pair whose
    blur and misalignment are flipped too.

    >>> rng = np.random.default_rng(0)
    >>> b = np.arange(2 * 5 * 5 * 3, dtype=np.float32).reshape(2, 5, 5, 3)
    >>> crop_b, crop_s = random_crops(b, b + 1, 3, rng, flips=True)
    >>> crop_b.shape, bool(np.array_equal(crop_s, crop_b + 1))
    ((2, 3, 3, 3), True)
    """
    height, width = blurry.shape[1:3]
    tops = generator.integers(0, height - size + 1, len(blurry))
    lefts = generator.integers(0, width - size + 1, len(blurry))
    symmetries = generator.integers(0, 2, (len(blurry), 3)) if flips else np.zeros((len(blurry), 3), int)

    def crop(images):
        return np.stack(
            [
                _symmetry(image[top : top + size, left : left + size], *turn)
                for image, top, left, turn in zip(images, tops, lefts, symmetries)
            ]
        )

    return crop(blurry), crop(sharp)


def _symmetry(image: np.ndarray, up_down, left_right, transpose) -> np.ndarray:
    if up_down:
        image = image[::-1]
    if left_right:
        image = image[:, ::-1]
    return image.transpose(1, 0, 2) if transpose else image


def _pairs_per_process(pairs: int, world_size: int) -> int:
    """Pairs each process trains on per epoch: an equal share, the remainder left out."""
    return pairs // world_size if world_size > 1 else pairs


def _attach_reblur(optimiser: torch.optim.Optimizer, reblur: ReblurModule) -> None:
    """Give the reblurring module its own Adam group, at the UNet's current rate (the schedule sets both).

    It joins after the warm-up, where it gets its first gradient; before that Adam would
    skip it anyway, so this is the same training as holding it from the start.
    """
    optimiser.add_param_group({"params": list(reblur.parameters()), "lr": optimiser.param_groups[0]["lr"]})


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
    calibration masks keep), ``warm_up`` and ``seconds`` (the epoch's training time when it
    was computed, kept in the checkpoint).

    With a ``cache_dir``, every epoch ends with a checkpoint of the run, and the end of
    the warm-up also with one under ``warm-up/`` (:func:`warmup_key`): a variant whose
    warm-up is the same as an earlier run's starts from it instead of training it again
    (``warmup_reused`` in the result).
    """
    blurry, sharp = _as_trained(blurry, sharp)
    _check_pairs(blurry, sharp, config.crop)
    group = process_group()
    device = select_device()
    precision = select_precision(device, config.precision)
    seed_everything(config.seed)
    model, reblur = build_networks(variant, config)
    precision.prepare(model)
    if reblur is not None:
        reblur.to(device)
    # under torchrun, DDP wrappers; the reblurring module joins after the warm-up, where its forward first runs
    trained_model = group.wrap(model)
    trained_reblur = group.wrap(reblur) if reblur is not None else None
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    rng = np.random.default_rng(config.seed)
    # several processes share one epoch order (rng) but draw their own crops
    crop_rng = np.random.default_rng([config.seed, group.rank]) if group.distributed else rng
    checkpoint = warmup_checkpoint = None
    if cache_dir is not None:
        key = run_key(blurry, sharp, variant, config, group.world_size)
        checkpoint = Path(cache_dir) / key / "checkpoint.pt"
        if config.warmup_epochs > 0:
            key = warmup_key(blurry, sharp, variant, config, group.world_size)
            warmup_checkpoint = Path(cache_dir) / "warm-up" / key / "checkpoint.pt"
    batch_size = max(1, config.batch_size // group.world_size)  # per process: the global batch is unchanged
    steps_per_epoch = -(-_pairs_per_process(len(blurry), group.world_size) // batch_size)
    crop_rngs = None

    def set_learning_rate(step: int) -> None:
        factor = learning_rate_factor(
            step,
            config.epochs * steps_per_epoch,
            config.schedule,
            steps_per_epoch=steps_per_epoch,
            halve_every=config.halve_every,
            warmup_fraction=config.lr_warmup,
        )
        for group_of_parameters in optimiser.param_groups:
            group_of_parameters["lr"] = config.learning_rate * factor

    def run_epoch(epoch: int) -> dict:
        nonlocal crop_rngs
        epoch_started = time.perf_counter()
        warming_up = epoch <= config.warmup_epochs
        if reblur is not None and epoch == config.warmup_epochs + 1:
            _attach_reblur(optimiser, reblur)
        model.train()
        if reblur is not None:
            reblur.train()
        records = []
        order = rng.permutation(len(blurry))
        if group.distributed:  # this process's share; every process gets as many batches
            order = order[: _pairs_per_process(len(order), group.world_size) * group.world_size][
                group.rank :: group.world_size
            ]
        for batch, start in enumerate(range(0, len(order), batch_size)):
            index = order[start : start + batch_size]
            crop_b, crop_s = random_crops(blurry[index], sharp[index], config.crop, crop_rng, config.flips)
            set_learning_rate((epoch - 1) * steps_per_epoch + batch)
            record = training_step(
                trained_model,
                trained_reblur,
                optimiser,
                precision.prepare(images_to_tensor(crop_b)),
                precision.prepare(images_to_tensor(crop_s)),
                variant,
                config,
                warming_up,
                precision=precision,
            )
            records.append(record)
        summary = group.mean(pd.DataFrame(records).mean(numeric_only=True).to_dict())
        # every process takes part in the gather; the main one then saves the states
        crop_rngs = group.gather(crop_rng.bit_generator.state) if group.distributed else None
        # the epoch's own time travels with the checkpoint: a run loaded from the cache still tells its cost
        seconds = time.perf_counter() - epoch_started
        return {"epoch": epoch, "warm_up": warming_up, **summary, "seconds": seconds}

    def capture(epoch: int) -> dict:
        return {
            "model": model.state_dict(),
            "reblur": None if reblur is None or epoch <= config.warmup_epochs else reblur.state_dict(),
            "optimiser": optimiser.state_dict(),
            "rng": rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
            **({"crop_rngs": crop_rngs} if crop_rngs is not None else {}),
        }

    def restore(state: dict) -> None:
        model.load_state_dict(state["model"])
        if reblur is not None and state["reblur"] is not None:
            reblur.load_state_dict(state["reblur"])
        if reblur is not None and state["epoch"] > config.warmup_epochs:
            _attach_reblur(optimiser, reblur)
        optimiser.load_state_dict(state["optimiser"])
        rng.bit_generator.state = state["rng"]
        if group.distributed:
            crop_rng.bit_generator.state = state["crop_rngs"][group.rank]
        torch.set_rng_state(state["torch_rng"])

    run = train_epochs(
        config.epochs,
        run_epoch,
        capture=capture,
        restore=restore,
        checkpoint=checkpoint,
        fallback=warmup_checkpoint,
        copies={config.warmup_epochs: warmup_checkpoint} if warmup_checkpoint is not None else None,
        group=group,
        progress=progress,
        description=description,
        postfix=lambda record: {"loss": f"{record['loss']:.4f}"},
    )
    warmup_reused = run.resumed_from is not None and run.resumed_from == warmup_checkpoint
    history, from_cache = run.history, run.from_cache
    model.eval()
    if reblur is not None:
        reblur.eval()
    return JDRLResult(model, reblur, pd.DataFrame(history), from_cache, warmup_reused)
