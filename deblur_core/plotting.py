"""Small figure helpers shared by the notebooks, so that their cells hold one idea each.

Every helper draws on a Matplotlib ``Axes`` the caller made; saving is
:func:`deblur_core.storage.save_figure`'s job.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> import numpy as np
>>> fig, ax = plt.subplots()
>>> show_image(ax, np.zeros((8, 8, 3)), "black")
>>> ax.get_title()
'black'
>>> plt.close(fig)
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle


def show_image(ax, image: np.ndarray, title: str | None = None, fontsize: int = 9) -> None:
    """An image in [0, 1] (clipped; grey if 2-D) without axes."""
    image = np.clip(image, 0, 1)
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize)


def show_mask(ax, mask: np.ndarray, title: str, fontsize: int = 9) -> None:
    """A {0, 1} mask framed, with its keep share in the title: an all-white mask reads as "keeps
    everything", not as a missing panel."""
    mask = np.asarray(mask, dtype=float)
    ax.imshow(mask, cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("black")
        spine.set_linewidth(1.2)
    ax.set_title(f"{title}\nkeeps {mask.mean():.0%} of pixels", fontsize=fontsize)


def crop_box(image: np.ndarray, box: tuple[int, int, int]) -> np.ndarray:
    """The square ``box = (top, left, size)`` of an image."""
    top, left, size = box
    if top < 0 or left < 0 or top + size > image.shape[0] or left + size > image.shape[1]:
        raise ValueError(f"box {box} does not fit an image of {image.shape[:2]}")
    return image[top : top + size, left : left + size]


def mark_box(ax, box: tuple[int, int, int], colour: str = "yellow", linewidth: float = 1.5) -> None:
    """Outline the square ``box = (top, left, size)`` on an image already drawn in ``ax``."""
    top, left, size = box
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), size, size, fill=False, edgecolor=colour, linewidth=linewidth))


def mark_window(ax, window, colour: str, label: str | None = None) -> None:
    """Outline a selection window (anything with ``x``, ``y`` and ``size``, such as
    :class:`deblur_core.regions.windows.Window`; region-selection paper, Fig. 1-7), with an optional label."""
    mark_box(ax, (window.y, window.x, window.size), colour, linewidth=2)
    if label:
        ax.text(window.x + 3, window.y + 10, label, color=colour, fontsize=9, weight="bold")


def busiest_box(image: np.ndarray, size: int, border: int = 0) -> tuple[int, int, int]:
    """The ``size`` square (top, left, size) with the most gradient energy, ``border`` px from the edges:
    where a deformation or a blur is easiest to see."""
    grey = np.asarray(image, dtype=float)
    grey = grey.mean(-1) if grey.ndim == 3 else grey
    return largest_box(np.hypot(*np.gradient(grey)), size, border)


def largest_box(values: np.ndarray, size: int, border: int = 0) -> tuple[int, int, int]:
    """The ``size`` square (top, left, size) whose ``values`` (a 2-D map) sum highest, ``border`` px from the edges.

    >>> values = np.zeros((10, 10)); values[6, 2] = 1
    >>> largest_box(values, 3, border=1)
    (4, 1, 3)
    """
    height, width = values.shape
    if size + 2 * border > min(height, width):
        raise ValueError(f"a {size} px box with a {border} px border does not fit {height} x {width}")
    energy = np.asarray(values, dtype=float)
    integral = np.pad(energy.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    sums = integral[size:, size:] - integral[:-size, size:] - integral[size:, :-size] + integral[:-size, :-size]
    inner = sums[border : height - size - border + 1, border : width - size - border + 1]
    top, left = np.unravel_index(np.argmax(inner), inner.shape)
    return int(top + border), int(left + border), size


def integer_epochs(ax) -> None:
    """Whole-number ticks on the x axis (epochs)."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


VERDICT_COLOURS = {"confirmed": "tab:green", "contradicted": "tab:red", "inconclusive": "tab:grey"}
# one colour per method, the same in every figure and under every profile (a profile that adds a method must not
# shift the others' colours); the region selectors and references of notebook 01
METHOD_COLOURS = {
    "CNN": "tab:blue",
    "CNN (per-image labels)": "tab:cyan",
    "Fergus et al.": "tab:orange",
    "Xu & Jia": "tab:green",
    "Hu & Yang-style (Gabor)": "tab:red",
    "mean gradient": "goldenrod",
    "random": "tab:purple",
    "chance (mean over windows)": "tab:brown",
    "whole image": "tab:pink",
    "best similarity": "tab:olive",
    "best window": "tab:grey",
}


def method_colour(name: str) -> str:
    """The colour of ``name`` in every figure (:data:`METHOD_COLOURS`)."""
    if name not in METHOD_COLOURS:
        raise ValueError(f"no colour for {name!r}; give it one in deblur_core.plotting.METHOD_COLOURS")
    return METHOD_COLOURS[name]


def plot_paired_strips(ax, table, reference: str, *, unit: str = "dB") -> None:
    """Each method's value minus ``reference``'s on the same case, one dot per case, with the mean (black
    diamond) and its bootstrap 95 % CI over cases; a line at 0 is the reference.

    ``table`` has one row per case and one column per method (``reference`` among them); colours come from
    :func:`method_colour`. Unlike bars from 0, the differences show what separates methods on one case.
    """
    from .stats import bootstrap_mean_interval

    if reference not in table.columns:
        raise ValueError(f"the reference {reference!r} is not a column of the table; pick one of {list(table.columns)}")
    methods = [name for name in table.columns if name != reference]
    for position, name in enumerate(methods):
        differences = (table[name] - table[reference]).dropna().to_numpy()
        if differences.size == 0:
            continue
        jitter = np.linspace(-0.25, 0.25, differences.size) if differences.size > 1 else np.zeros(1)
        ax.scatter(position + jitter, differences, s=12, color=method_colour(name), alpha=0.7, zorder=2)
        mean = differences.mean()
        low, high = bootstrap_mean_interval(differences) if differences.size > 1 else (np.nan, np.nan)
        if np.isfinite(low):
            ax.errorbar(position, mean, yerr=[[mean - low], [high - mean]], fmt="none", ecolor="k", lw=2, capsize=5)
        ax.plot(position, mean, "D", color="k", ms=7, zorder=3)
    ax.axhline(0, color=method_colour(reference), lw=1.5)
    ax.set_xticks(range(len(methods)), methods, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(f"minus {reference} on the same case ({unit})")


def plot_claim_differences(ax, differences, claims, *, by: str = "image", unit: str = "") -> None:
    """One row per claim: each group's mean paired difference as a dot, and the pooled mean with its
    bootstrap 95 % CI by group, coloured by the verdict by group (positive favours the claim).

    ``differences`` is :func:`deblur_core.regions.evaluation.claim_differences_by`'s table and ``claims``
    :func:`~deblur_core.regions.evaluation.selector_claims`' (with ``clusters_by=by``), in the same claim order.
    """
    rows = list(differences.columns)
    if list(claims["claim"]) != rows:
        raise ValueError("the differences and the claims table list different claims; build both from one list")
    for position, (claim, row) in enumerate(zip(rows, claims.to_dict("records"))):
        points = differences[claim].dropna().to_numpy()
        jitter = np.linspace(-0.18, 0.18, points.size) if points.size > 1 else np.zeros(points.size)
        ax.scatter(points, position + jitter, s=14, color="0.55", zorder=2)
        colour = VERDICT_COLOURS[row[f"verdict by {by}"]]
        low, high = row[f"CI 95% low by {by}"], row[f"CI 95% high by {by}"]
        mean = row["mean difference"]
        if np.isfinite(low) and np.isfinite(high):
            ax.errorbar(
                mean, position, xerr=[[mean - low], [high - mean]], fmt="none", ecolor=colour, lw=2.5, capsize=5
            )
        ax.plot(mean, position, "D", color=colour, ms=8, zorder=3)
        ax.annotate(
            row[f"verdict by {by}"], (1.01, position), xycoords=("axes fraction", "data"), va="center", color=colour
        )
    ax.axvline(0, color="k", lw=1)
    ax.set_yticks(range(len(rows)), rows)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    unit = f" ({unit})" if unit else ""
    ax.set_xlabel(
        f"mean difference{unit}, positive favours the claim: dots one {by} each; "
        f"diamond all examples, bar its 95 % CI resampling {by}s"
    )


def plot_budget_curve(axes, curve, paper_differences: dict | None = None, unit: str = "dB") -> None:
    """One panel per claim: the mean paired difference against iterations with its bootstrap 95 % CI as a band,
    zero as a black line and, where given, the paper's difference (at its full budget) as a dashed line.

    ``curve`` is :func:`deblur_core.selfdeblur.experiment.budget_curve`'s table; ``axes`` has one Axes per claim in
    its order of appearance. The band is green where the claim is confirmed at that budget, red where it is
    contradicted, grey where the interval spans zero.
    """
    claims = list(dict.fromkeys(curve["claim"]))
    if len(axes) < len(claims):
        raise ValueError(f"{len(claims)} claims need as many axes, got {len(axes)}")
    for ax, claim in zip(axes, claims):
        rows = curve[curve["claim"] == claim].sort_values("iteration")
        x = rows["iteration"].to_numpy()
        ax.plot(x, rows["mean difference"], color="k", lw=1.5, label="mean difference")
        for verdict, colour in VERDICT_COLOURS.items():
            where = (rows["verdict"] == verdict).to_numpy()
            if where.any():
                ax.fill_between(
                    x,
                    rows["CI 95% low"],
                    rows["CI 95% high"],
                    where=where,
                    color=colour,
                    alpha=0.35,
                    lw=0,
                    label=f"95 % CI, {verdict}",
                )
        ax.axhline(0, color="k", lw=0.8)
        paper = (paper_differences or {}).get(claim)
        if paper is not None and np.isfinite(paper):
            ax.axhline(paper, color="tab:blue", ls="--", lw=1.2, label=f"paper, 5,000 it.: {paper:+.2f}")
        ax.set_title(claim, fontsize=9)
        ax.set_xlabel("iteration")
        ax.set_ylabel(f"paired difference ({unit})")
        ax.legend(fontsize=7, loc="best")
