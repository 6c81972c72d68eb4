import numpy as np
import pandas as pd
import pytest

from deblur_core import stats
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


def test_the_interval_is_read_against_the_papers_value():
    assert stats.against_paper(0.02, 0.18, 1.02) == "smaller than the paper's"
    assert stats.against_paper(4.6, 6.3, 1.2) == "larger than the paper's"
    assert stats.against_paper(-0.2, 0.7, 0.04) == "the paper's value inside"
    assert stats.against_paper(-0.2, 0.7, "not reported") == ""
    assert stats.against_paper(-0.2, 0.7, float("nan")) == ""
    assert stats.reading("confirmed", 4.6, 6.3, 1.2) == "confirmed, larger than the paper's"


@pytest.mark.parametrize(("effect", "expected"), [(0.5, 34), (0.8, 15), (0.2, 199), (-0.5, 34)])
def test_units_for_power_match_the_textbook_paired_t_test(effect, expected):
    # Cohen's tables (two-sided, 5 %, 80 % power) for a paired t-test with unit spread
    assert stats.units_for_power(effect, 1.0) == expected


def test_no_effect_needs_more_units_than_any_study():
    assert stats.units_for_power(0.0, 1.0) == stats.MAX_UNITS
    assert stats.units_text(stats.MAX_UNITS) == "more than 100,000"
    with pytest.raises(ValueError, match="spread"):
        stats.units_for_power(0.5, 0.0)


def test_spread_read_from_our_bootstrap_interval_recovers_the_true_spread():
    rng = np.random.default_rng(3)
    estimates = []
    for _ in range(200):
        sample = rng.normal(0.5, 2.0, size=12)
        c = stats.paired_comparison(sample, np.zeros(12), claim="x", resamples=2000, seed=int(rng.integers(1 << 30)))
        estimates.append(stats.spread_from_interval(c.low, c.high, c.n))
    assert 1.8 < np.median(estimates) < 2.2


def test_a_study_of_the_units_needed_detects_the_effect_four_times_in_five():
    # simulation with a known answer: differences N(0.5, 1); the units needed are where our own verdict (the
    # percentile bootstrap) comes out "confirmed" in about 80 % of studies, and clearly less often with half as many
    rng = np.random.default_rng(7)
    needed = stats.units_for_power(0.5, 1.0)

    def detection_rate(units: int, studies: int = 400) -> float:
        hits = 0
        for _ in range(studies):
            sample = rng.normal(0.5, 1.0, size=units)
            comparison = stats.paired_comparison(
                sample, np.zeros(units), claim="x", resamples=1000, seed=int(rng.integers(1 << 30))
            )
            hits += comparison.verdict == "confirmed"
        return hits / studies

    assert 0.74 <= detection_rate(needed) <= 0.88
    assert detection_rate(needed // 2) < 0.62


def test_with_readings_adds_magnitude_and_units_only_where_not_confirmed():
    claims = pd.DataFrame(
        {
            "claim": ["a > b", "c > d", "e > f"],
            "mean difference": [5.4, 0.19, 0.1],
            "CI 95% low": [4.6, -0.19, -0.3],
            "CI 95% high": [6.3, 0.67, 0.5],
            "clusters": [6, 6, 6],
            "verdict": ["confirmed", "inconclusive", "inconclusive"],
            "paper": [1.2, 1.02, "not reported"],
        }
    )
    table = stats.with_readings(claims, paper_column="paper")
    assert list(table[stats.READING]) == [
        "confirmed, larger than the paper's",
        "inconclusive, smaller than the paper's",
        "inconclusive",
    ]
    assert pd.isna(table[stats.UNITS_FOR_PAPER][0]) and pd.isna(table[stats.UNITS_FOR_OURS][0])
    spread = stats.spread_from_interval(-0.19, 0.67, 6)
    assert table[stats.UNITS_FOR_PAPER][1] == stats.units_for_power(1.02, spread)
    assert table[stats.UNITS_FOR_OURS][1] == stats.units_for_power(0.19, spread) > 6
    assert pd.isna(table[stats.UNITS_FOR_PAPER][2])
