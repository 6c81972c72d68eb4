import numpy as np
import pytest

from deblur_core.schedules import SCHEDULES, learning_rate_factor


def factors(total, schedule, **options):
    return np.array([learning_rate_factor(step, total, schedule, **options) for step in range(total)])


def test_step_schedule_halves_at_whole_epochs():
    values = factors(60, "step", steps_per_epoch=5, halve_every=4)
    assert values[:20].tolist() == [1.0] * 20 and values[20:40].tolist() == [0.5] * 20 and values[40] == 0.25


def test_cosine_warms_up_linearly_then_decays_to_zero():
    values = factors(200, "cosine", warmup_fraction=0.1)
    np.testing.assert_allclose(values[:20], np.arange(1, 21) / 20)
    assert values[20] == 1.0 and values[-1] == 0.0
    assert np.all(np.diff(values[20:]) <= 0)  # never rises after the warm-up
    middle = 20 + (len(values) - 1 - 20) // 2
    assert abs(values[middle] - 0.5) < 0.01


def test_cosine_without_warm_up_starts_at_the_base_rate():
    assert factors(10, "cosine", warmup_fraction=0.0)[0] == 1.0


def test_one_cycle_rises_to_the_base_rate_then_falls_below_its_start():
    values = factors(100, "one-cycle")
    peak = int(np.argmax(values))
    assert values[0] == pytest.approx(1 / 25) and values[peak] == 1.0 and peak == 30
    assert np.all(np.diff(values[: peak + 1]) > 0) and np.all(np.diff(values[peak:]) <= 0)
    assert values[-1] == pytest.approx(1e-4)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_factors_stay_within_zero_and_one(schedule):
    values = factors(37, schedule, steps_per_epoch=3, halve_every=2)
    assert np.all((values >= 0) & (values <= 1))


def test_bad_schedule_and_steps():
    with pytest.raises(ValueError, match="unknown learning-rate schedule 'linear'; use one of step, cosine"):
        learning_rate_factor(0, 10, "linear")
    with pytest.raises(ValueError, match="total_steps"):
        learning_rate_factor(0, 0, "cosine")
