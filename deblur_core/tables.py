"""Rounding result tables to what the measurement supports (companion-wide convention).

A PSNR is read to two decimals (0.01 dB is already below any seed's spread), an SSIM or a
similarity to three, an MAE to four; anything else keeps four significant digits. A column is
classified by its name; in a claims table, whose rows mix metrics, the ``metric`` column decides
for the columns that are not themselves named after a metric (differences and their CI bounds),
which keep at least two significant digits so that a small but certain difference stays visible.
The CSV files keep full precision: only what a reader sees (Markdown tables, notebook displays) is rounded.

Examples
--------
>>> import pandas as pd
>>> rounded(pd.DataFrame({"PSNR (ours)": [27.31678], "SSIM": [0.77412], "MAE": [0.0296411]}))
   PSNR (ours)   SSIM     MAE
0        27.32  0.774  0.0296
>>> claims = pd.DataFrame({"metric": ["PSNR", "SSIM"], "mean difference": [0.350612, 0.004871]})
>>> rounded(claims)["mean difference"].tolist()
[0.35, 0.0049]
"""

from __future__ import annotations

import math

import pandas as pd

# the first fragment found in a (lower-cased) column or metric name decides
_DECIMALS_BY_NAME = (
    ("ssim", 3),
    ("psnr", 2),
    ("db", 2),
    ("mae", 4),
    ("similarity", 3),
    ("correlation", 3),
    ("roc-auc", 3),
    ("share", 3),
    ("error ratio", 2),
    ("regret", 2),
    ("er ≤", 3),
    ("mean er", 2),
)
SIGNIFICANT_DIGITS = 4
DIFFERENCE_DIGITS = 2


def decimals_for(name) -> int | None:
    """Decimals a column (or metric) named ``name`` is shown with; ``None``: significant digits instead.

    >>> decimals_for("PSNR (paper)"), decimals_for("SSIM (ours, aligned GT)"), decimals_for("seconds")
    (2, 3, None)
    """
    lowered = str(name).lower()
    for fragment, decimals in _DECIMALS_BY_NAME:
        if fragment in lowered:
            return decimals
    return None


def _is_number(value) -> bool:
    return isinstance(value, float) and math.isfinite(value)


def _significant_decimals(value: float, digits: int) -> int:
    if value == 0:
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(value))))


def _cells(frame: pd.DataFrame):
    """Yield (column, row position, value, decimals, fixed) for every finite float cell of ``frame``.

    ``fixed`` is False where the decimals come from significant digits (trailing zeros are then dropped).
    """
    row_metric = list(frame["metric"]) if "metric" in frame.columns else None
    for column in frame.columns:
        by_name = decimals_for(column)
        for position, value in enumerate(frame[column]):
            if not _is_number(value):
                continue
            if by_name is not None:
                yield column, position, value, by_name, True
                continue
            by_metric = decimals_for(row_metric[position]) if row_metric is not None else None
            if by_metric is not None:
                # a difference or its CI bound: the metric's decimals, or two significant digits if it is smaller
                decimals = max(by_metric, _significant_decimals(value, DIFFERENCE_DIGITS))
                yield column, position, value, decimals, True
            else:
                yield column, position, value, _significant_decimals(value, SIGNIFICANT_DIGITS), False


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every float rounded by the companion's convention (see module doc)."""
    out = frame.copy()
    for column, position, value, decimals, _ in _cells(frame):
        out.iloc[position, out.columns.get_loc(column)] = round(value, decimals)
    return out


def formatted(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as text: floats by the convention (fixed decimals; significant digits without trailing zeros),
    NaN as an en dash, everything else as ``str``.

    >>> formatted(pd.DataFrame({"PSNR": [27.3], "seconds": [130.24], "px": [0.048], "SSIM": [float("nan")]}))
        PSNR seconds     px SSIM
    0  27.30   130.2  0.048    –
    """
    out = frame.astype(object).map(lambda v: "–" if isinstance(v, float) and math.isnan(v) else str(v))
    for column, position, value, decimals, fixed in _cells(frame):
        text = f"{value:.{decimals}f}"
        if not fixed and "." in text:
            text = text.rstrip("0").rstrip(".")
        out.iloc[position, out.columns.get_loc(column)] = text
    return out


def markdown_table(frame) -> str:
    """A pipe table without the optional ``tabulate`` dependency, rounded by the companion's convention."""
    text = formatted(frame)
    header = "| " + " | ".join(str(c) for c in text.columns) + " |"
    rule = "|" + "|".join("---" for _ in text.columns) + "|"
    rows = ["| " + " | ".join(row) + " |" for row in text.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def interval_text(low: float, high: float, digits: int = 2, min_units: int = 2) -> str:
    """A confidence interval as ``'[+0.10, +0.75]'``, or why there is none where its bounds are missing or
    infinite: fewer independent units than ``min_units`` (2 for the bootstrap of :mod:`deblur_core.stats` itself;
    pass its ``MIN_UNITS_FOR_VERDICT`` where intervals over fewer units are left out, as by-group claims do).

    >>> interval_text(0.1, 0.754), interval_text(float("-inf"), float("inf"))
    ('[+0.10, +0.75]', 'no interval (fewer than 2 units)')
    >>> interval_text(float("nan"), float("nan"), min_units=6)
    'no interval (fewer than 6 units)'
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"no interval (fewer than {min_units} units)"
    return f"[{low:+.{digits}f}, {high:+.{digits}f}]"


VERDICT_WORDS = {
    "confirmed": "our data support the paper's claim",
    "contradicted": "our data go against the paper's claim",
    "inconclusive": "our data cannot tell",
}
#: the same for a claim the paper does not make (its column reads "not in the paper", "not reported")
OWN_CLAIM_WORDS = {
    "confirmed": "our data support the claim (the paper does not make it)",
    "contradicted": "our data go against the claim (the paper does not make it)",
    "inconclusive": "our data cannot tell",
}


def claims_markdown(
    claims: pd.DataFrame, *, paper_column: str, unit: str = "", min_units: int = 6, units_name: str = "units"
) -> str:
    """Paired claims (:func:`deblur_core.stats.comparisons_table` rows) as a Markdown table for a "What we found"
    section: the paper's difference beside ours with its interval, the verdict read against the paper's value
    (:func:`deblur_core.stats.with_readings`) and in words, and, for a claim that is not confirmed, how many
    independent ``units_name`` a study would need at 80 % power. A claim resting on fewer than ``min_units``
    independent units, its ``clusters``, says that it can have no verdict.

    >>> rows = pd.DataFrame({"claim": ["J > A", "J > B"], "mean difference": [0.46, 0.2],
    ...                      "CI 95% low": [0.01, -0.3], "CI 95% high": [1.07, 0.7], "clusters": [8, 8],
    ...                      "verdict": ["confirmed", "inconclusive"], "paper": [2.54, 0.4]})
    >>> table = claims_markdown(rows, paper_column="paper", unit="dB", units_name="cases")
    >>> print(table.splitlines()[0])
    | claim | paper | ours [95 % CI] | verdict | units a study needs at 80 % power |
    >>> for line in table.splitlines()[2:]:
    ...     cells = line.split(" | ")
    ...     print(cells[2], "|", cells[3].split(":")[0], "|", cells[4])
    +0.46 dB [+0.01, +1.07] | **confirmed, smaller than the paper's** | settled |
    +0.20 dB [-0.30, +0.70] | **inconclusive, the paper's value inside** | paper's: about 32 cases; ours: about 119 |
    """
    from .stats import READING, units_cell, with_readings

    read = with_readings(claims, paper_column=paper_column)
    suffix = f" {unit}" if unit else ""
    lines = [
        "| claim | paper | ours [95 % CI] | verdict | units a study needs at 80 % power |",
        "|---|---|---|---|---|",
    ]
    for _, row in read.iterrows():
        paper = row[paper_column]
        paper_text = f"{paper:+.2f}{suffix}" if isinstance(paper, float) and math.isfinite(paper) else str(paper)
        interval = interval_text(row["CI 95% low"], row["CI 95% high"])
        own_claim = isinstance(paper, str) and paper.startswith("not ")
        verdict, words = row[READING], (OWN_CLAIM_WORDS if own_claim else VERDICT_WORDS)[row["verdict"]]
        if "clusters" in row and row["clusters"] < min_units:
            verdict = row["verdict"]
            words = f"{row['clusters']} independent unit(s), fewer than {min_units}: no verdict is possible"
            if not (math.isfinite(row["CI 95% low"]) and math.isfinite(row["CI 95% high"])):
                interval = f"no interval (fewer than {min_units} units)"
        needed = units_cell(row, units_name)
        ours = f"{row['mean difference']:+.2f}{suffix} {interval}"
        lines.append(f"| {row['claim']} | {paper_text} | {ours} | **{verdict}**: {words} | {needed} |")
    return "\n".join(lines)


def profiles_table(columns: dict) -> list[str]:
    """The rows of a Markdown table with one column per profile: ``columns`` maps each profile's name to its
    ``{field: text}``, in one field order; ``paper`` must be among them, the column the others are read against.

    >>> profiles_table({"long": {"epochs": "8"}, "paper": {"epochs": "20"}})
    ['| | `long` | `paper` |', '|---|---|---|', '| epochs | 8 | 20 |']
    """
    if "paper" not in columns:
        raise ValueError("profiles must include 'paper', the column the others are read against")
    names = list(columns)
    rows = ["| | " + " | ".join(f"`{name}`" for name in names) + " |", "|---" * (len(names) + 1) + "|"]
    return rows + [f"| {field} | " + " | ".join(columns[n][field] for n in names) + " |" for field in columns["paper"]]
