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

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .tables import interval_text

VERDICTS = ("confirmed", "contradicted", "inconclusive")
DEFAULT_RESAMPLES = 10_000
MIN_UNITS_FOR_VERDICT = 6


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
    """A table of :class:`PairedComparison` rows, with extra constant ``columns`` (e.g. ``profile=...``)."""
    table = pd.DataFrame([c.as_row() for c in comparisons])
    table = table.rename(
        columns={"mean": "mean difference", "low": "CI 95% low", "high": "CI 95% high", "n": "paired samples"}
    )
    for name, value in columns.items():
        table[name] = value
    return table
