import numpy as np
import pytest

from deblur_core.stats import bootstrap_mean_interval, comparisons_table, paired_comparison, verdict_from_interval


def test_verdicts_from_intervals():
    assert verdict_from_interval(0.1, 0.5) == "confirmed"
    assert verdict_from_interval(-0.5, -0.1) == "contradicted"
    assert verdict_from_interval(-0.1, 0.5) == "inconclusive"


def test_clear_effect_is_confirmed_and_reversed_is_contradicted():
    rng = np.random.default_rng(1)
    base = rng.normal(25, 2, size=12)
    better = base + 1.0 + rng.normal(0, 0.2, size=12)
    assert paired_comparison(better, base, claim="better > base").verdict == "confirmed"
    assert paired_comparison(base, better, claim="base > better").verdict == "contradicted"


def test_pure_noise_is_inconclusive():
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, size=(2, 10))
    c = paired_comparison(a, b, claim="a > b")
    assert c.low < 0 < c.high and c.verdict == "inconclusive"


def test_lower_is_better_flips_the_sign():
    errors_ours = np.full(8, 1.0) + np.linspace(0, 0.1, 8)
    errors_other = errors_ours + 0.5
    c = paired_comparison(errors_ours, errors_other, claim="ours has lower error", higher_is_better=False)
    assert c.mean == pytest.approx(0.5) and c.verdict == "confirmed"


def test_clusters_widen_the_interval_of_correlated_seeds():
    # four cases, each seen under three seeds with almost the same difference
    case_effects = np.array([1.0, -0.6, 0.9, -0.5])
    d = np.repeat(case_effects, 3) + np.tile([0.0, 0.01, -0.01], 4)
    naive = bootstrap_mean_interval(d)
    clustered = bootstrap_mean_interval(d, clusters=np.repeat(["a", "b", "c", "d"], 3))
    assert clustered[1] - clustered[0] > naive[1] - naive[0]


def test_same_seed_gives_the_same_interval():
    d = np.random.default_rng(3).normal(size=9)
    assert bootstrap_mean_interval(d, seed=5) == bootstrap_mean_interval(d, seed=5)


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="differ in length"):
        paired_comparison([1, 2], [1], claim="x")
    with pytest.raises(ValueError, match="NaN"):
        bootstrap_mean_interval([1.0, np.nan])
    with pytest.raises(ValueError, match="non-empty"):
        bootstrap_mean_interval([])
    with pytest.raises(ValueError, match="one label per sample"):
        bootstrap_mean_interval([1.0, 2.0], clusters=["a"])


def test_table_has_named_columns():
    c = paired_comparison([2, 3, 4], [1, 1, 1], claim="x > y")
    table = comparisons_table([c], profile="quick")
    assert list(table["claim"]) == ["x > y"] and set(table["profile"]) == {"quick"}
    assert {"mean difference", "CI 95% low", "CI 95% high", "verdict"} <= set(table.columns)


def test_one_sample_or_one_cluster_is_never_a_verdict():
    assert paired_comparison([30.0], [20.0], claim="x").verdict == "inconclusive"
    c = paired_comparison([30.0, 31.0], [20.0, 20.0], claim="x", clusters=["case", "case"])
    assert c.verdict == "inconclusive" and c.clusters == 1


def test_too_few_independent_units_give_no_verdict_however_consistent():
    five = paired_comparison([1.0, 1.1, 0.9, 1.2, 1.0], [0.0] * 5, claim="x")
    assert five.low > 0 and five.verdict == "inconclusive"  # the interval excludes 0, the sample is too small
    six = paired_comparison([1.0, 1.1, 0.9, 1.2, 1.0, 1.05], [0.0] * 6, claim="x")
    assert six.verdict == "confirmed"
    cases = ["a", "a", "b", "b", "c", "c", "d", "d"]
    clustered = paired_comparison([1.0] * 4 + [1.2] * 4, [0.0] * 8, claim="x", clusters=cases)
    assert clustered.n == 8 and clustered.clusters == 4 and clustered.verdict == "inconclusive"
