import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from deblur_core.plotting import (  # noqa: E402
    METHOD_COLOURS,
    busiest_box,
    crop_box,
    mark_window,
    method_colour,
    plot_budget_curve,
    plot_paired_strips,
    show_mask,
)
from deblur_core.regions.evaluation import BEST_SIMILARITY, BEST_WINDOW, EXPECTED_CHANCE, WHOLE_IMAGE  # noqa: E402
from deblur_core.regions.selectors import compared_selectors  # noqa: E402
from deblur_core.regions.windows import Window  # noqa: E402


def test_busiest_box_finds_the_textured_square_inside_the_border():
    image = np.zeros((41, 43))
    image[20:30, 5:15] = np.random.default_rng(0).random((10, 10))
    top, left, size = busiest_box(image, size=10, border=3)
    assert abs(top - 20) <= 1 and abs(left - 5) <= 1 and size == 10
    assert crop_box(image, (top, left, size)).shape == (10, 10)
    assert busiest_box(image, size=10, border=8)[1] >= 8  # the border is respected
    with pytest.raises(ValueError, match="does not fit"):
        busiest_box(image, size=40, border=2)
    with pytest.raises(ValueError, match="does not fit"):
        crop_box(image, (35, 0, 10))


def test_masks_are_framed_and_say_what_they_keep():
    fig, ax = plt.subplots()
    mask = np.ones((9, 9))
    mask[:3] = 0
    show_mask(ax, mask, "magnitude rule")
    assert ax.get_title().endswith("keeps 67% of pixels")
    assert all(spine.get_visible() for spine in ax.spines.values())
    plt.close(fig)


def test_mark_window_outlines_the_window_and_labels_it():
    fig, ax = plt.subplots()
    ax.imshow(np.zeros((40, 40)))
    mark_window(ax, Window(5, 7, 20), "tab:red", "best")
    (patch,) = ax.patches
    assert patch.get_xy() == (4.5, 6.5) and patch.get_width() == patch.get_height() == 20
    assert [t.get_text() for t in ax.texts] == ["best"]
    plt.close(fig)


def test_budget_curve_draws_one_panel_per_claim_with_the_paper_line():
    curve = pd.DataFrame(
        {
            "claim": ["J > A"] * 3 + ["J > k+"] * 3,
            "iteration": [20, 40, 60] * 2,
            "mean difference": [0.1, 0.5, 1.0, -0.1, 0.0, 0.1],
            "CI 95% low": [-0.5, 0.1, 0.4, -0.4, -0.3, -0.2],
            "CI 95% high": [0.7, 0.9, 1.6, 0.2, 0.3, 0.4],
            "verdict": ["inconclusive", "confirmed", "confirmed"] + ["inconclusive"] * 3,
        }
    )
    fig, axes = plt.subplots(1, 2)
    plot_budget_curve(axes, curve, {"J > A": 2.54})
    assert [ax.get_title() for ax in axes] == ["J > A", "J > k+"]
    assert any("2.54" in text.get_text() for text in axes[0].get_legend().get_texts())
    assert "confirmed" in " ".join(t.get_text() for t in axes[0].get_legend().get_texts())
    with pytest.raises(ValueError, match="2 claims need as many axes"):
        plot_budget_curve(axes[:1], curve)
    plt.close(fig)


def test_every_region_method_has_its_own_colour_whatever_the_profile():
    names = list(compared_selectors(None, None, 0, per_image_model=object()))
    names += [EXPECTED_CHANCE, WHOLE_IMAGE, BEST_SIMILARITY, BEST_WINDOW]
    colours = [method_colour(name) for name in names]
    assert len(set(colours)) == len(colours) == len(METHOD_COLOURS)
    with pytest.raises(ValueError, match="no colour for 'mystery'"):
        method_colour("mystery")


def test_paired_strips_show_differences_from_the_reference_with_the_mean():
    table = pd.DataFrame({"CNN": [21.0, 23.0, 25.0], "Xu & Jia": [20.0, 24.0, 25.5], "whole image": [20.0, 22.0, 24.0]})
    fig, ax = plt.subplots()
    plot_paired_strips(ax, table, "whole image")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["CNN", "Xu & Jia"]
    dots = ax.collections[0].get_offsets()
    assert np.allclose(np.asarray(dots)[:, 1], [1.0, 1.0, 1.0])  # the CNN is 1 dB above the reference on each case
    diamonds = [line for line in ax.lines if line.get_marker() == "D"]
    assert [float(d.get_ydata()[0]) for d in diamonds] == pytest.approx([1.0, 1.1666667])
    with pytest.raises(ValueError, match="the reference 'chance' is not a column"):
        plot_paired_strips(ax, table, "chance")
    plt.close(fig)
