"""Learning-rate schedules: the factor that multiplies the base rate at each optimiser step.

* ``"step"``: halved every ``halve_every`` epochs, the schedule of JDRL's paper (2e-5 halved after
  epoch 60 of 100, Sec. 4.1). It depends on the epoch only, so a longer run continues a shorter one.
* ``"cosine"``: a linear warm-up over the first ``warmup_fraction`` of the steps (Goyal et al.,
  *Accurate, large minibatch SGD*, 2017), then half a cosine down to zero at the last step
  (Loshchilov and Hutter, *SGDR*, ICLR 2017).
* ``"one-cycle"``: up from a 25th of the base rate to the base rate over the first 30 % of the
  steps, then half a cosine down to a ten-thousandth of it (Smith and Topin, *Super-convergence*, 2019).

The last two depend on the run's total number of steps: a run trained for more steps is another
run, not a continuation (the JDRL cache keys them apart).

Examples
--------
>>> [learning_rate_factor(s, 101, "cosine", warmup_fraction=0.1) for s in (0, 9, 10, 55, 100)]
[0.1, 1.0, 1.0, 0.5, 0.0]
>>> [learning_rate_factor(s, 40, "step", steps_per_epoch=10, halve_every=2) for s in (0, 19, 20, 39)]
[1.0, 1.0, 0.5, 0.5]
"""

from __future__ import annotations

import math

SCHEDULES = ("step", "cosine", "one-cycle")
ONE_CYCLE_RISE = 0.3  # share of the steps spent rising (Smith and Topin's default)
ONE_CYCLE_START = 1 / 25  # starting factor
ONE_CYCLE_END = 1e-4  # final factor


def check_schedule(schedule: str) -> None:
    """A one-line error naming the known schedules when ``schedule`` is not one of them."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown learning-rate schedule {schedule!r}; use one of {', '.join(SCHEDULES)}")


def _half_cosine(progress: float, low: float = 0.0) -> float:
    return low + (1 - low) * 0.5 * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


def learning_rate_factor(
    step: int,
    total_steps: int,
    schedule: str,
    *,
    steps_per_epoch: int = 1,
    halve_every: int = 1,
    warmup_fraction: float = 0.05,
) -> float:
    """The factor of the base learning rate for optimiser step ``step`` (0-based) of ``total_steps``.

    Parameters
    ----------
    step, total_steps : int
        This step and the run's number of steps (``epochs x steps_per_epoch``).
    schedule : str
        One of :data:`SCHEDULES`.
    steps_per_epoch, halve_every : int
        The ``"step"`` schedule's epoch length and halving interval (in epochs).
    warmup_fraction : float
        The ``"cosine"`` schedule's share of linear warm-up steps.
    """
    check_schedule(schedule)
    if total_steps < 1 or not 0 <= step:
        raise ValueError(f"step must be >= 0 and total_steps >= 1, got step {step} of {total_steps}")
    if schedule == "step":
        return 0.5 ** ((step // steps_per_epoch) // halve_every)
    if schedule == "cosine":
        warmup = max(1, round(warmup_fraction * total_steps)) if warmup_fraction > 0 else 0
        if step < warmup:
            return (step + 1) / warmup
        return round(_half_cosine((step - warmup) / max(1, total_steps - 1 - warmup)), 12)
    rise = max(1, round(ONE_CYCLE_RISE * total_steps))
    if step < rise:
        return ONE_CYCLE_START + (1 - ONE_CYCLE_START) * step / rise
    return round(_half_cosine((step - rise) / max(1, total_steps - 1 - rise), ONE_CYCLE_END), 12)
