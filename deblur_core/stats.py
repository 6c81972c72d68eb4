"""Paired comparisons with a bootstrap confidence interval, and the verdict they support.

Every headline claim of the three notebooks ("joint beats alternating", "the final
JDRL model beats each ablation", "the CNN selector beats random") is a claim about
the *paired* difference between two methods run on the same cases (and seeds). This
module is the one place that turns such paired samples into

* the mean difference, oriented so that a positive value favours the claim;
* a percentile-bootstrap 95 % confidence interval of that mean;
* a verdict: ``confirmed`` (the whole interval above 0), ``contradicted`` (the
  whole interval below 0) or ``inconclusive`` (the interval contains 0).

When the samples come in groups that are not independent (several seeds of the same
case), pass ``clusters``: the bootstrap then resamples whole clusters, so a case
seen under three seeds does not count as three independent cases.

A verdict needs at least :data:`MIN_UNITS_FOR_VERDICT` independent units (samples, or
clusters when given). With fewer, a percentile bootstrap of differences that all have
the same sign excludes 0 however noisy they are; six is the smallest count at which
"all of one sign" is itself significant at 5 % (two-sided sign test, p = 2 / 2^6 = 0.031).
Below it the interval is still reported, and the verdict is ``inconclusive``.

The sign is not the size. :func:`against_paper` reads the interval against the paper's own
value ("confirmed, smaller than the paper's"), and :func:`units_needed` says how many
independent units a study would need to detect an effect at 80 % power (for a claim that
is not confirmed: is the effect small, or were there too few scenes?). :func:`with_readings`
adds both to a claims table; every claims table, "What we found" and the README use it.

Examples
--------
>>> better = [1.2, 0.8, 1.1, 0.9, 1.0, 1.3, 0.7, 1.05]
>>> worse = [0.0] * 8
>>> c = paired_comparison(better, worse, claim="A > B")
>>> c.verdict, round(c.mean, 3), c.n
('confirmed', 1.006, 8)
>>> paired_comparison(worse, better, claim="B > A").verdict
'contradicted'
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from .tables import interval_text

VERDICTS = ("confirmed", "contradicted", "inconclusive")
DEFAULT_RESAMPLES = 10_000
MIN_UNITS_FOR_VERDICT = 6
POWER = 0.8
ALPHA = 0.05
MAX_UNITS = 100_000  # beyond this, "more units than any study here could have" is the honest answer
READING = "reading"
UNITS_FOR_PAPER = "units needed (paper's effect)"
UNITS_FOR_OURS = "units needed (our effect)"


def verdict_from_interval(low: float, high: float) -> str:
    """``'confirmed'`` if ``low > 0``, ``'contradicted'`` if ``high < 0``, else ``'inconclusive'``."""
    if low > 0:
        return "confirmed"
    if high < 0:
        return "contradicted"
    return "inconclusive"


@dataclass(frozen=True)
class PairedComparison:
    """Mean paired difference (positive favours ``claim``), its bootstrap CI, and the verdict."""

    claim: str
    mean: float
    low: float
    high: float
    n: int
    clusters: int
    verdict: str

    def as_row(self) -> dict:
        return asdict(self)

    def describe(self, unit: str = "", digits: int = 2) -> str:
        """One line such as ``'joint > alternating: +0.42 dB [+0.10, +0.75], n = 8 -> confirmed'``; the verdict
        says when too few units withheld it.

        >>> PairedComparison("a > b", 0.5, 0.2, 0.9, 3, 3, "inconclusive").describe("dB")
        'a > b: +0.50 dB [+0.20, +0.90], n = 3 -> inconclusive (fewer than 6 units: no verdict)'
        """
        u = f" {unit}" if unit else ""
        verdict = self.verdict
        if self.clusters < MIN_UNITS_FOR_VERDICT:
            verdict += f" (fewer than {MIN_UNITS_FOR_VERDICT} units: no verdict)"
        interval = interval_text(self.low, self.high, digits)
        return f"{self.claim}: {self.mean:+.{digits}f}{u} {interval}, n = {self.n} -> {verdict}"


def bootstrap_mean_interval(
    differences, *, clusters=None, confidence: float = 0.95, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap interval of the mean of ``differences``.

    With ``clusters`` (one label per sample), whole clusters are drawn with replacement
    and the mean is taken over all samples of the drawn clusters.
    """
    d = np.asarray(differences, dtype=np.float64)
    if d.ndim != 1 or d.size == 0:
        raise ValueError(f"need a non-empty 1-D sequence of paired differences, got shape {d.shape}")
    if not np.all(np.isfinite(d)):
        raise ValueError("paired differences contain NaN or infinite values; drop the failed pairs first")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    rng = np.random.default_rng(seed)
    if clusters is None:
        if d.size < 2:
            return -np.inf, np.inf  # one sample says nothing about its spread
        draws = rng.integers(0, d.size, size=(resamples, d.size))
        means = d[draws].mean(axis=1)
    else:
        labels = pd.factorize(pd.Series(list(clusters)))[0]
        if labels.size != d.size:
            raise ValueError(f"{labels.size} cluster labels for {d.size} differences; give one label per sample")
        count = labels.max() + 1
        if count < 2:
            return -np.inf, np.inf
        sums = np.bincount(labels, weights=d, minlength=count)
        sizes = np.bincount(labels, minlength=count).astype(np.float64)
        draws = rng.integers(0, count, size=(resamples, count))
        means = sums[draws].sum(axis=1) / sizes[draws].sum(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def paired_differences(ours, other, *, higher_is_better: bool = True) -> np.ndarray:
    """``ours - other`` case by case, or ``other - ours`` for errors, so that a positive value favours ``ours``.

    >>> paired_differences([1.0, 2.0], [1.5, 1.0], higher_is_better=False)
    array([ 0.5, -1. ])
    """
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(other, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length ({a.size} vs {b.size}); pair each case with itself")
    return a - b if higher_is_better else b - a


def paired_comparison(
    ours,
    other,
    *,
    claim: str,
    higher_is_better: bool = True,
    clusters=None,
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> PairedComparison:
    """Test the claim "``ours`` is better than ``other``" on paired samples.

    Parameters
    ----------
    ours, other : sequences of float, same length
        The two methods' scores on the same cases (and seeds), in the same order.
    claim : str
        What is being tested, for tables (e.g. ``"joint > alternating"``).
    higher_is_better : bool
        ``False`` for errors (MAE, error ratio): the difference is then ``other - ours``,
        so a positive mean still favours the claim.
    clusters : sequence, optional
        One label per sample (e.g. the case name) to resample whole clusters.
    """
    differences = paired_differences(ours, other, higher_is_better=higher_is_better)
    low, high = bootstrap_mean_interval(
        differences, clusters=clusters, confidence=confidence, resamples=resamples, seed=seed
    )
    units = len(set(clusters)) if clusters is not None else differences.size
    verdict = verdict_from_interval(low, high) if units >= MIN_UNITS_FOR_VERDICT else "inconclusive"
    return PairedComparison(claim, float(differences.mean()), low, high, int(differences.size), units, verdict)


def comparisons_table(comparisons, **columns) -> pd.DataFrame:
    """A table of :class:`PairedComparison` rows, with extra constant ``columns`` (e.g. ``profile=...``); with no
    comparison, an empty table with the same columns."""
    table = pd.DataFrame([c.as_row() for c in comparisons], columns=[f.name for f in fields(PairedComparison)])
    table = table.rename(
        columns={"mean": "mean difference", "low": "CI 95% low", "high": "CI 95% high", "n": "paired samples"}
    )
    for name, value in columns.items():
        table[name] = value
    return table


def against_paper(low: float, high: float, paper) -> str:
    """Where the paper's value lies against our interval, both oriented so that a positive value favours the claim.

    ``'smaller than the paper's'`` when the whole interval lies below it, ``'larger than the paper's'`` when it lies
    above, ``'the paper's value inside'`` when the interval holds it, and ``''`` when the paper gives no number.

    >>> against_paper(0.02, 0.18, 1.02), against_paper(4.6, 6.3, 1.2), against_paper(-0.2, 0.7, 0.04)
    ("smaller than the paper's", "larger than the paper's", "the paper's value inside")
    >>> against_paper(0.1, 0.5, "CNN's curve highest")
    ''
    """
    paper = _as_number(paper)
    if paper is None:
        return ""
    if high < paper:
        return "smaller than the paper's"
    if low > paper:
        return "larger than the paper's"
    return "the paper's value inside"


def reading(verdict: str, low: float, high: float, paper) -> str:
    """The verdict with the magnitude beside it, e.g. ``'confirmed, smaller than the paper's'``.

    >>> reading("confirmed", 0.02, 0.18, 1.02)
    "confirmed, smaller than the paper's"
    >>> reading("inconclusive", -0.1, 0.3, "not reported")
    'inconclusive'
    """
    magnitude = against_paper(low, high, paper)
    return f"{verdict}, {magnitude}" if magnitude else verdict


def spread_from_interval(low: float, high: float, units: int, confidence: float = 0.95) -> float:
    """The standard deviation of the units' paired differences that a percentile-bootstrap interval implies.

    The bootstrap's interval of a mean over ``units`` units is about ``mean ± z * s / sqrt(units)``, with ``s``
    the plug-in (divide-by-``units``) deviation; this inverts it and returns the usual (divide-by-``units - 1``)
    deviation. It needs only a claims table's columns, so committed tables are read the same way as new ones.

    >>> round(spread_from_interval(-1.96 / 3, 1.96 / 3, 9), 3)  # s = 1 over 9 units: sd = sqrt(9 / 8)
    1.061
    """
    from scipy.stats import norm

    if units < 2 or not (math.isfinite(low) and math.isfinite(high)) or high < low:
        raise ValueError(f"need a finite interval over at least 2 units, got [{low}, {high}] over {units}")
    z = norm.ppf(0.5 + confidence / 2)
    return float((high - low) / (2 * z) * math.sqrt(units) * math.sqrt(units / (units - 1)))


def t_test_power(units: int, effect: float, spread: float, *, alpha: float = ALPHA) -> float:
    """Power of a two-sided one-sample t-test of a mean paired difference over ``units`` units (noncentral t).

    >>> round(t_test_power(34, 0.5, 1.0), 3)
    0.808
    """
    from scipy.stats import nct
    from scipy.stats import t as student

    df = units - 1
    critical = student.ppf(1 - alpha / 2, df)
    shift = abs(effect) / spread * math.sqrt(units)
    if shift > 40:  # certain detection; scipy's noncentral t loses precision (and returns NaN) this far out
        return 1.0
    # the far tail (rejecting on the wrong side) is negligible where scipy returns NaN for it
    wrong_side = float(np.nan_to_num(nct.cdf(-critical, df, shift)))
    return float(nct.sf(critical, df, shift)) + wrong_side


def units_for_power(effect: float, spread: float, *, power: float = POWER, alpha: float = ALPHA) -> int:
    """Smallest number of independent units at which a paired study detects ``effect`` with probability ``power``.

    Method: the exact power of the two-sided one-sample t-test (:func:`t_test_power`), searched by bisection; a
    zero effect, or one needing more than :data:`MAX_UNITS`, gives :data:`MAX_UNITS`. The textbook case (Cohen's
    d = 0.5, 80 % power, 5 % level) needs 34 pairs.

    >>> units_for_power(0.5, 1.0), units_for_power(-0.5, 1.0), units_for_power(2.0, 1.0)
    (34, 34, 5)
    """
    if not spread > 0:
        raise ValueError(f"the spread of the paired differences must be positive, got {spread}")
    if effect == 0 or t_test_power(MAX_UNITS, effect, spread, alpha=alpha) < power:
        return MAX_UNITS
    low, high = 2, MAX_UNITS  # power grows with the units: the answer lies in (low, high]
    while high - low > 1:
        middle = (low + high) // 2
        if t_test_power(middle, effect, spread, alpha=alpha) >= power:
            high = middle
        else:
            low = middle
    return high


def units_needed(low: float, high: float, units: int, effect, *, power: float = POWER) -> int | None:
    """Units a study would need to detect ``effect`` at ``power``, with the spread our interval implies
    (:func:`spread_from_interval`); ``None`` when ``effect`` is not a number, or the interval is not finite or has
    no width."""
    effect = _as_number(effect)
    if effect is None or units < 2 or not (math.isfinite(low) and math.isfinite(high)):
        return None
    spread = spread_from_interval(low, high, units)
    if spread == 0:  # every unit gave the same difference: no spread to plan a study from
        return None
    return units_for_power(effect, spread, power=power)


def with_readings(
    claims: pd.DataFrame,
    *,
    paper_column: str | None,
    low: str = "CI 95% low",
    high: str = "CI 95% high",
    verdict: str = "verdict",
    units: str | None = None,
) -> pd.DataFrame:
    """A claims table with :data:`READING` (the verdict against the paper's value) and, for every claim that is
    not confirmed, :data:`UNITS_FOR_PAPER` and :data:`UNITS_FOR_OURS` (None where the paper gives no number).

    ``units`` names the column of independent units (default: ``clusters`` where present, else
    ``paired samples``); ``low``/``high``/``verdict`` name the interval and verdict read (a table may hold several,
    e.g. ``"CI 95% low by image"``).
    """
    units = units or ("clusters" if "clusters" in claims else "paired samples")
    table = claims.copy()
    papers = table[paper_column] if paper_column else pd.Series([None] * len(table), index=table.index)
    rows = zip(table[verdict], table[low], table[high], table[units], table["mean difference"], papers)
    readings, for_paper, for_ours = [], [], []
    for v, lo, hi, n, mean, paper in rows:
        readings.append(reading(v, lo, hi, paper))
        settled = v == "confirmed"
        for_paper.append(None if settled else units_needed(lo, hi, int(n), paper))
        for_ours.append(units_needed(lo, hi, int(n), mean) if v == "inconclusive" else None)
    table[READING] = readings
    table[UNITS_FOR_PAPER] = pd.array(for_paper, dtype="Int64")
    table[UNITS_FOR_OURS] = pd.array(for_ours, dtype="Int64")
    return table


def units_text(count) -> str:
    """``'about 40'``, ``'more than 100,000'`` or ``'–'`` (missing) for a units-needed cell.

    >>> units_text(40), units_text(MAX_UNITS), units_text(None)
    ('about 40', 'more than 100,000', '–')
    """
    if count is None or pd.isna(count):
        return "–"
    if count >= MAX_UNITS:
        return f"more than {MAX_UNITS:,}"
    return f"about {int(count):,}"


def units_cell(row, units: str = "units") -> str:
    """A claims row's units-needed cell: ``'settled'`` when confirmed, else the units for the paper's effect and
    ours (``'detected'`` when the claim is contradicted: our interval has found its effect already).

    >>> units_cell({"verdict": "inconclusive", UNITS_FOR_PAPER: 5, UNITS_FOR_OURS: 79}, "scenes")
    "paper's: about 5 scenes; ours: about 79"
    >>> units_cell({"verdict": "contradicted", UNITS_FOR_PAPER: None, UNITS_FOR_OURS: None}, "cases")
    "paper's: –; ours: detected"
    """
    if row["verdict"] == "confirmed":
        return "settled"
    ours = "detected" if row["verdict"] == "contradicted" else units_text(row[UNITS_FOR_OURS])
    count = row[UNITS_FOR_PAPER]
    # no count: the paper gives no number, or our interval has too few units to read a spread from
    paper = "–" if count is None or pd.isna(count) else f"{units_text(count)} {units}"
    return f"paper's: {paper}; ours: {ours}"


def _as_number(value) -> float | None:
    """``value`` as a finite float (numbers, and numbers a CSV kept as text, e.g. ``'+1.2'``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value):
        return float(value)
    return None
