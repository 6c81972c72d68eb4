import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from deblur_core.regions import report  # noqa: E402
from deblur_core.regions.dataset import BlurryExample  # noqa: E402
from deblur_core.regions.evaluation import (  # noqa: E402
    BEST_SIMILARITY,
    BEST_WINDOW,
    COMPARED_CLAIMS,
    EXPECTED_CHANCE,
    PAPER_CLAIMS,
    WHOLE_IMAGE,
    evaluate_choices,
    selector_choices,
    selector_claims,
    within_image_share,
)
from deblur_core.regions.labels import LabelledExample  # noqa: E402
from deblur_core.regions.real_levin import RealLevinScores  # noqa: E402
from deblur_core.regions.report import findings_markdown  # noqa: E402
from deblur_core.regions.selectors import (  # noqa: E402
    MEAN_GRADIENT,
    PER_IMAGE_CNN,
    FergusSelector,
    RandomSelector,
    XuJiaSelector,
)
from deblur_core.regions.windows import window_grid  # noqa: E402


def claims(groups: str, units: int, verdict_by_group: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "claim": ["CNN beats Fergus et al.", "CNN beats whole image"],
            "mean difference": [-0.2, 0.3],
            "CI 95% low": [-0.5, 0.1],
            "CI 95% high": [0.1, 0.5],
            "paired samples": 36,
            "clusters": 36,
            "verdict": ["inconclusive", "confirmed"],
            f"CI 95% low by {groups}": [np.nan if units < 6 else -0.6, np.nan if units < 6 else 0.05],
            f"CI 95% high by {groups}": [np.nan if units < 6 else 0.2, np.nan if units < 6 else 0.6],
            f"{groups}s": units,
            f"verdict by {groups}": ["inconclusive", verdict_by_group],
            "paper (Fig. 8)": ["CNN's curve highest", "CNN comparable or better (Sec. 4.3)"],
        }
    )


CNN = pd.Series(
    {
        "regret": 2.17,
        "regret CI low": 1.55,
        "regret CI high": 3.08,
        "rank correlation": 0.15,
        "rank correlation CI low": 0.07,
        "rank correlation CI high": 0.22,
    }
)


def test_findings_read_the_verdicts_of_independent_units_and_weigh_the_label_evidence():
    text = findings_markdown(
        claims("image", 3, "inconclusive"),
        CNN,
        profile="long",
        test_auc=0.66,
        size_auc=0.76,
        scene_claims=claims("image", 13, "confirmed"),
        cnn_scenes=CNN,
        real_claims=claims("kernel", 8, "confirmed"),
    )
    # 3 sharp images: the by-image reading can have no verdict, whatever the per-example one says
    assert "3 independent unit(s), fewer than 6: no verdict is possible" in text
    assert "no interval (fewer than 6 units)" in text
    assert "**Every scene held out once** (13 scenes" in text and "resampling the 8 recorded kernels" in text
    row = "| CNN beats whole image | CNN comparable or better (Sec. 4.3) | +0.30 [+0.05, +0.60] | **confirmed**"
    assert row in text
    assert "mean regret is 2.17 [+1.55, +3.08]" in text and "at +0.15 [+0.07, +0.22]" in text
    assert "blur size alone predicts the same labels at 0.76" in text and "learns mostly the blur size" in text
    assert "does not cover" in text


def test_without_cross_validation_or_real_data_those_sections_are_left_out():
    text = findings_markdown(claims("image", 2, "inconclusive"), CNN, profile="quick", test_auc=0.8, size_auc=0.6)
    assert "Every scene held out once" not in text and "Levin" not in text.split("does not cover")[0]
    assert "learns more from the windows than the blur size alone" in text


@pytest.mark.parametrize(
    ("train_auc", "reading"),
    [(0.95, "more data, not capacity, is lacking"), (0.6, "capacity or label noise limits it"), (0.7, "neither")],
)
def test_the_capacity_reading_follows_the_training_and_test_auc(train_auc, reading):
    text = findings_markdown(
        claims("image", 2, "inconclusive"), CNN, profile="quick", test_auc=0.66, size_auc=0.6, train_auc=train_auc
    )
    assert f"ROC-AUC is {train_auc:.2f} on its training windows against 0.66" in text and reading in text


def test_within_image_share_splits_the_variance_and_says_so():
    flat = [LabelledExample(None, [], np.zeros(0), np.full(4, value)) for value in (0.2, 0.9)]
    assert within_image_share(flat) == 0.0  # every window of an image alike: nothing to choose
    varied = [LabelledExample(None, [], np.zeros(0), np.array([0.2, 0.8, 0.2, 0.8])) for _ in range(2)]
    assert within_image_share(varied) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no labelled windows"):
        within_image_share([])
    text = findings_markdown(
        claims("image", 2, "inconclusive"), CNN, profile="quick", test_auc=0.8, size_auc=0.6, within_share=0.23
    )
    assert "Only 23% of the test windows' kernel-similarity variance lies within an image" in text


def test_one_class_test_windows_say_so_instead_of_printing_nan():
    text = findings_markdown(
        claims("image", 2, "inconclusive"), CNN, profile="smoke", test_auc=np.nan, size_auc=np.nan, train_auc=0.6
    )
    assert "hold one class only" in text and "nan" not in text and "Capacity" not in text


# ---- the figures, tables and lines of notebook 01, on tiny synthetic runs

IMAGE, WINDOW, STRIDE = 32, 16, 8  # a 3 x 3 grid of windows
TAG = "[test]"


def blurry_example(image: int, kernel_id: int, split: str = "test", kernel_size: int = 3) -> BlurryExample:
    rng = np.random.default_rng(100 * image + kernel_id)
    sharp = rng.random((IMAGE, IMAGE))
    kernel = np.zeros((kernel_size, kernel_size))
    kernel[kernel_size // 2, :] = 1 / kernel_size
    return BlurryExample(f"img{image}", "nature", split, kernel_id, 0.8 * sharp + 0.1, sharp, kernel)


def labelled(example: BlurryExample, similarities=None) -> LabelledExample:
    rng = np.random.default_rng(example.kernel_id + 10 * int(example.image_name[3:]))
    windows = window_grid(example.blurry.shape, WINDOW, STRIDE)
    size = example.kernel.shape[0]
    kernels = rng.random((len(windows), size, size))
    kernels /= kernels.sum(axis=(1, 2), keepdims=True)
    similarities = rng.random(len(windows)) if similarities is None else np.asarray(similarities, dtype=float)
    return LabelledExample(example, windows, kernels, similarities)


def window_scores_of(items: list[LabelledExample]) -> pd.DataFrame:
    """What :func:`score_windows` returns, without deconvolving: error ratios that fall as similarity rises."""
    rows = []
    for index, item in enumerate(items):
        for w, similarity in enumerate(item.similarities):
            ratio = 1.2 + 3 * (1 - similarity)
            rows.append(
                {
                    "example": index,
                    "window": w,
                    "image": item.example.image_name,
                    "kernel": item.example.kernel_id,
                    "kernel size": item.example.kernel.shape[0],
                    "similarity": float(similarity),
                    "error ratio": ratio,
                    "PSNR": 30 - ratio,
                    "SSIM": 0.9 - 0.01 * ratio,
                    "PSNR (true kernel)": 30.0,
                }
            )
    return pd.DataFrame(rows)


# the paper's selectors by name (a second Fergus stands in for the CNN and the Gabor selector: none needs training)
SELECTORS = {
    "CNN": FergusSelector(),
    "Fergus et al.": FergusSelector(),
    "Xu & Jia": XuJiaSelector(),
    "Hu & Yang-style (Gabor)": XuJiaSelector(),
    "random": RandomSelector(0),
}
NAMES = [*SELECTORS, *report.REFERENCE_ORDER]


@pytest.fixture(scope="module")
def run():
    """Six test images (three sharp images under two kernels), scored by every selector."""
    items = [labelled(blurry_example(image, kernel)) for image in range(3) for kernel in range(2)]
    scores = window_scores_of(items)
    whole = [item.example.kernel for item in items]
    evaluation = evaluate_choices(items, selector_choices(items, SELECTORS, whole), scores, whole)
    return items, scores, whole, evaluation


def titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def test_the_split_table_and_the_dataset_figure_show_each_split():
    splits = {
        "train": [blurry_example(image, kernel, "train", 3 + 2 * kernel) for image in range(5) for kernel in range(2)],
        "test": [blurry_example(9, kernel, "test") for kernel in range(2)],
    }
    table = report.split_table(splits, "smoke")
    assert table["images"].tolist() == ["img0, img1, img2, img3, img4", "img9"]
    assert table["kernels"].tolist() == [2, 2] and table["blurry images"].tolist() == [10, 2]
    fig = report.dataset_figure(splits, kernel_count=2, kernel_sizes=(3, 5), tag=TAG)
    assert len(fig.axes) == 12 and fig._suptitle.get_text().endswith("(3-5 px) [test]")
    # a step of kernel_count + 1 changes both the image and the kernel from one column to the next
    assert titles(fig)[:5] == ["train: img0", "train: img1", "train: img3", "train: img4", "train: img1"]
    assert titles(fig)[5] == "test: img9" and titles(fig)[6:8] == ["kernel 0 (3 px)", "kernel 1 (5 px)"]
    plt.close(fig)


def test_the_window_count_compares_our_grid_with_the_papers_count():
    line = report.window_count_line(IMAGE, WINDOW, STRIDE, TAG)
    assert line.startswith("[test] 9 windows per image.")
    assert "our grid has 169 windows" in line and "the paper counts 121 = 11 × 11" in line


def test_the_motivation_figures_pick_the_windows_they_name():
    similarities = np.linspace(0.1, 0.9, 9)  # the best window is the grid's last: the 2 x 2 block steps back
    item = labelled(blurry_example(0, 0), similarities)
    spreads = report.similarity_spreads([item, labelled(blurry_example(1, 0), np.full(9, 0.5))])
    assert spreads == pytest.approx([0.8, 0.0])
    fig = report.neighbouring_windows_figure(item, WINDOW, STRIDE, TAG)
    assert titles(fig)[1:] == [f"similarity {similarities[i]:.3f}" for i in (4, 5, 7, 8)]
    assert "Fig. 2 analogue" in fig._suptitle.get_text()
    plt.close(fig)
    fig = report.windows_and_results_figure(item, TAG)
    shown = [t for t in titles(fig) if "window:" in t]
    assert shown == [
        "worst window: similarity 0.10",
        "middling window: similarity 0.50",
        "best window: similarity 0.90",
    ]
    assert [len(ax.child_axes) for ax in fig.axes] == [0, 1, 1, 1]  # each result with its kernel inset
    plt.close(fig)
    line = report.spread_line(item, spreads, TAG)
    assert "from similarity 0.10 to 0.90; over the 2 test images" in line and "differ by 0.40 on average" in line


def test_the_label_tables_count_good_windows_by_split_and_by_kernel_size():
    small = labelled(blurry_example(0, 0, "train", 3), [0.9] * 6 + [0.1] * 3)
    large = labelled(blurry_example(1, 1, "train", 5), [0.9] * 3 + [0.1] * 6)
    balance = report.label_balance_table({"train": [small, large], "test": [small]}, 0.75, "smoke")
    assert balance["split"].tolist() == ["train", "test"]
    assert balance["positive share"].tolist() == pytest.approx([0.5, 6 / 9])
    assert balance["paper"].iloc[0] == "about 1 : 1 (λ chosen for it)" and set(balance["profile"]) == {"smoke"}
    fig = report.similarity_histogram({"train": [small, large], "test": [small]}, 0.75, TAG)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["train", "test", "λ = 0.75"]
    plt.close(fig)
    confound = report.confound_table([small, large], 0.75, "smoke")
    assert (
        confound["good share"].tolist() == pytest.approx([6 / 9, 3 / 9]) and confound["paper"].iloc[0] == "not reported"
    )
    assert report.confound_line(confound, TAG) == (
        "[test] good share of training windows by kernel size: 3 px 67%, 5 px 33%. Where it falls with size, "
        "a label says 'small blur' as much as 'good window'."
    )


def test_the_classifier_evidence_reads_nan_where_the_test_windows_hold_one_class():
    small = labelled(blurry_example(0, 0, "test", 3), [0.9] * 9)
    large = labelled(blurry_example(1, 1, "test", 5), [0.1] * 9)
    test_y = np.array([1] * 9 + [0] * 9)
    evidence = report.classifier_evidence(
        np.linspace(1, 0, 18), test_y, np.array([0.2, 0.8]), np.array([0, 1]), [small, large], 0.75
    )
    assert evidence == pytest.approx({"test_auc": 1.0, "size_auc": 1.0, "train_auc": 1.0, "within_share": 0.0})
    one_class = report.classifier_evidence(
        np.ones(9), np.ones(9, int), np.array([0.2, 0.8]), np.array([1, 0]), [small], 0.75
    )
    assert np.isnan(one_class["test_auc"]) and np.isnan(one_class["size_auc"]) and one_class["train_auc"] == 0.0
    table = report.classifier_table(test_y, profile="smoke", **evidence)
    assert table.iloc[0]["test windows"] == 18 and table.iloc[0]["good share"] == 0.5
    assert table.iloc[0]["ROC-AUC on its training windows"] == 1.0 and table.iloc[0]["paper"] == "not reported"
    assert report.classifier_auc_line(0.8, 0.6, TAG).startswith(
        "[test] test ROC-AUC: classifier 0.800, blur size alone 0.600 (0.5 is chance)."
    )
    assert report.per_image_line(8, True, 0.612, TAG) == (
        "[test] per-image-label classifier trained 8 epochs (from cache); test ROC-AUC on per-image labels 0.612 "
        "(blur size alone scores 0.5 on these labels by construction)."
    )


HISTORY = pd.DataFrame(
    {"epoch": [1, 2, 3, 4, 5, 6], "train_loss": np.linspace(0.7, 0.4, 6), "val_loss": np.linspace(0.7, 0.5, 6)}
)


def test_the_training_curves_show_loss_and_validation_auc():
    fig = report.training_curves_figure(HISTORY.assign(val_auc=np.linspace(0.5, 0.7, 6)), TAG)
    assert [ax.get_ylabel() for ax in fig.axes] == ["BCE loss", "validation ROC-AUC"]
    assert len(fig.axes[0].lines) == 2 and fig._suptitle.get_text() == "Classifier training [test]"
    plt.close(fig)


@pytest.mark.parametrize(
    ("val_auc", "reading"),
    [
        (np.linspace(0.5, 0.7, 6), "+0.0400 per epoch (still rising); best 0.700 at epoch 6"),
        (np.full(6, 0.7), "(flat or falling)"),
        ([0.5, 0.6] + [np.nan] * 4, "fewer than 3 epochs with a validation ROC-AUC"),
    ],
)
def test_the_epoch_trend_reads_the_last_third_of_the_validation_curve(val_auc, reading):
    assert reading in report.epoch_trend_line(HISTORY.assign(val_auc=val_auc), TAG)


def test_without_a_history_the_epoch_trend_says_a_checkpoint_was_loaded():
    assert report.epoch_trend_line(None, TAG) == "[test] no training history: a CHECKPOINT was loaded."


def test_the_similarity_misses_count_images_where_the_labels_point_elsewhere(run):
    _, _, _, evaluation = run
    picks = evaluation[evaluation["selector"].isin([BEST_SIMILARITY, BEST_WINDOW])]
    assert report.best_similarity_misses(picks) == 0.0  # error ratios fall with similarity in the fixture
    upper = picks["selector"] == BEST_WINDOW
    moved = picks.assign(window=picks["window"].where(~upper | (picks["example"] > 1), -5))
    assert report.best_similarity_misses(moved) == pytest.approx(2 / 6)
    assert report.similarity_misses_line(2 / 6, 6, TAG) == (
        "[test] the most similar window is not the one with the lowest error ratio on 33% of 6 test images."
    )


def test_the_gallery_shows_each_selector_but_random_and_chance(run):
    items, _, whole, evaluation = run
    rows = evaluation[evaluation["example"] == 0].set_index("selector")
    fig = report.selectors_gallery_figure(items[0], rows, NAMES, whole[0], TAG)
    panels = [t for t in titles(fig) if ": ER " in t]
    assert [t.split(":")[0] for t in panels] == ["CNN", "Fergus et al.", "Xu & Jia", "Hu & Yang-style (Gabor)"] + [
        WHOLE_IMAGE,
        BEST_SIMILARITY,
        BEST_WINDOW,
    ]
    assert f"{BEST_WINDOW}: ER {rows.loc[BEST_WINDOW, 'error ratio']:.2f}" in panels[-1]
    assert "of 7 results worse than the blurry input [test]" in fig._suptitle.get_text()
    plt.close(fig)
    line = report.gallery_line(items[0], rows, SELECTORS, TAG)
    best = rows.loc[list(SELECTORS), "error ratio"].idxmin()
    assert line.startswith(f"[test] take-away: on img0_k0, {best} picks the best window of the selectors")


def test_fig8_and_fig9_draw_every_method_and_the_table_says_what_the_paper_says(run):
    _, scores, _, evaluation = run
    fig = report.error_ratio_curves_figure(evaluation, scores, NAMES, source="synthetic", tag=TAG)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == NAMES
    assert [line.get_linestyle() for line in ax.lines] == ["-"] * 5 + ["--"] * 4
    assert ax.get_title() == "Fig. 8 analogue: success rate, 6 test images (synthetic) [test]"
    plt.close(fig)
    summary = report.success_rate_table(evaluation, scores, NAMES, "smoke")
    assert list(summary.index) == NAMES
    readings = summary["paper (Fig. 8, no numbers given)"]
    assert readings["CNN"] == "highest curve" and readings["random"] == readings[BEST_WINDOW] == "not in the paper"
    fig = report.psnr_strips_figure(evaluation, NAMES, TAG)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [n for n in NAMES if n != EXPECTED_CHANCE]
    assert "PSNR on each of 6 test images minus chance's" in fig.axes[0].get_title()
    plt.close(fig)
    leader = summary.loc[list(SELECTORS), "mean ER"].idxmin()
    line = report.success_rate_line(summary, SELECTORS, TAG)
    assert f"among the selectors: {leader} ({summary.loc[leader, 'mean ER']:.2f})" in line
    assert f"best window {summary.loc[BEST_WINDOW, 'mean ER']:.2f}." in line


def test_the_regret_tables_and_their_lines_cover_every_claim(run):
    _, _, _, evaluation = run
    within = report.within_image_regret_table(evaluation, SELECTORS, "smoke")
    assert within["selector"].tolist() == [*SELECTORS, EXPECTED_CHANCE, BEST_SIMILARITY, BEST_WINDOW]
    assert within.set_index("selector").loc[BEST_WINDOW, "regret"] == 1.0
    claims = report.regret_claims(evaluation, PAPER_CLAIMS, "smoke")
    assert claims["claim"].tolist() == [f"{a} beats {b}" for a, b in PAPER_CLAIMS]
    assert claims["paper (Fig. 8)"].iloc[-1] == "CNN comparable or better (Sec. 4.3)" and set(claims["images"]) == {3}
    lines = report.claim_lines(claims, TAG)
    assert len(lines) == len(PAPER_CLAIMS) and lines[0].startswith("[test] CNN beats Fergus et al.: regret lower by")
    assert "resampling whole sharp images: no interval (fewer than 6 units) over 3 -> inconclusive" in lines[0]


def test_the_held_out_scenes_report_counts_scenes_folds_and_verdicts(run):
    _, _, _, evaluation = run
    folds = evaluation[evaluation["selector"] != WHOLE_IMAGE]  # the folds score no whole image
    regret = report.held_out_regret_table(folds, "smoke")
    assert list(regret.columns[:3]) == ["selector", "examples", "mean error ratio"]
    cnn = regret.set_index("selector").loc["CNN"]
    assert cnn["mean error ratio"] == pytest.approx(folds.loc[folds["selector"] == "CNN", "error ratio"].mean())
    claims = report.regret_claims(folds, PAPER_CLAIMS, "smoke")
    fig = report.held_out_claims_figure(folds, claims, 2, TAG, "recorded-shake")
    assert fig.axes[0].get_title() == (
        "Held-out scenes: regret of B minus regret of the CNN, 3 scenes in 2 folds, recorded-shake kernels; "
        "4 inconclusive [test]"
    )
    plt.close(fig)
    fig = report.held_out_claims_figure(folds, claims, 2, TAG)
    assert "in 2 folds; 4 inconclusive" in fig.axes[0].get_title()
    plt.close(fig)
    lines = report.held_out_claim_lines(claims, TAG)
    assert len(lines) == 4 and "resampling 3 scenes -> inconclusive (per example, n = 6: " in lines[0]


def test_the_score_map_places_fine_scores_and_coarse_similarities_at_window_centres(run):
    items, _, _, _ = run
    scorers = {"CNN": lambda windows: windows.mean(axis=(1, 2)), "other": lambda windows: -windows.std(axis=(1, 2))}
    fig = report.score_map_figure(items[0], scorers, WINDOW, STRIDE, TAG)
    image_axes = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in image_axes] == [
        "img0_k0",
        "CNN: score by window centre",
        "other: score by window centre",
        "true similarity of each window's kernel",
    ]
    assert image_axes[1].images[0].get_array().shape == (9, 9)  # a fine stride of 2 px over 16 px of positions
    assert image_axes[2].images[0].get_array().max() <= 0  # the second scorer's map, on its own range
    assert image_axes[3].images[0].get_extent() == [8.0, 24.0, 24.0, 8.0]
    assert len(fig.axes) == 7  # and three colour bars
    # the + sits on the centre of the most similar window of the coarse grid
    best = window_grid(items[0].example.blurry.shape, WINDOW, STRIDE)[int(np.argmax(items[0].similarities))]
    marker = image_axes[3].lines[0].get_xydata()[0]
    assert tuple(marker) == (best.x + WINDOW / 2, best.y + WINDOW / 2)
    plt.close(fig)
    with pytest.raises(ValueError, match="no scorers"):
        report.score_map_figure(items[0], {}, WINDOW, STRIDE, TAG)


def test_the_explorer_estimates_the_kernel_of_the_window_the_sliders_place(run, monkeypatch):
    pytest.importorskip("ipywidgets")
    items, _, _, _ = run
    seen = []

    def estimate(pixels, config):
        seen.append((pixels.shape, config.kernel_size))
        return np.full((1, config.kernel_size, config.kernel_size), 1 / config.kernel_size**2)

    monkeypatch.setattr(report, "estimate_kernels", estimate)
    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    explorer = report.window_explorer(items, lambda w: w.mean(axis=(1, 2)), IMAGE, WINDOW, {}, TAG)
    picker, sliders, _ = explorer.children
    assert [label for label, _ in picker.options] == [item.example.name for item in items]
    assert [slider.max for slider in sliders.children] == [IMAGE - WINDOW] * 2
    assert seen == [((1, WINDOW, WINDOW), 3)]  # drawn once on display
    sliders.children[0].value = 10
    assert len(seen) == 2


def test_the_verdict_lines_name_each_data_set_the_run_scored(run):
    _, scores, _, evaluation = run
    summary = report.success_rate_table(evaluation, scores, NAMES, "smoke")
    claims = report.regret_claims(evaluation, PAPER_CLAIMS, "smoke")
    within = report.within_image_regret_table(evaluation, SELECTORS, "smoke")
    lines = report.verdict_lines(summary, claims, within, 6, TAG)
    assert len(lines) == 3 and lines[0].startswith("[test] mean error ratio over 6 test images: ")
    assert f"; best window {summary.loc[BEST_WINDOW, 'mean ER']:.2f}." in lines[0]
    assert "CNN beats whole image: " in lines[1] and lines[2].startswith("[test] the CNN's mean regret is ")
    regret = within.assign(**{"mean error ratio": 2.0})
    real = RealLevinScores(evaluation, regret, claims.assign(**{"verdict by kernel": "confirmed"}), "Levin")
    lines = report.verdict_lines(summary, claims, within, 6, TAG, scene_claims=claims, real=real)
    assert len(lines) == 5 and "with every scene held out once (3 scenes), resampling scenes" in lines[2]
    assert "on Levin et al.'s 6 real images, mean error ratio CNN 2.00, chance 2.00" in lines[3]
    assert "; resampling kernels: CNN beats Fergus et al.: confirmed" in lines[3]


def test_the_label_evidence_lines_weigh_the_auc_and_the_good_share():
    balance = pd.DataFrame({"split": ["train", "test"], "positive share": [0.48, 0.3]})
    confound = pd.DataFrame({"kernel size": [7, 19], "good share": [0.8, 0.1]})
    auc, misses = report.label_evidence_lines(0.66, 0.76, balance, confound, 0.25, TAG)
    assert auc == (
        "[test] test ROC-AUC of the classifier: 0.660; blur size alone: 0.760 (0.5 is chance). Good windows: 48% of "
        "training windows (paper: about half), 80% for the smallest kernel (7 px) and 10% for the largest (19 px)."
    )
    assert misses.startswith("[test] the most similar window is the lowest-error one on 75% of test images")


def test_the_lambda_sweep_has_a_row_per_threshold_and_no_auc_for_one_class():
    small = labelled(blurry_example(0, 0, "train", 3), [0.9] * 6 + [0.7] * 3)
    large = labelled(blurry_example(1, 1, "train", 5), [0.8] * 3 + [0.1] * 6)
    table = report.lambda_sweep_table([small, large], [small, large], [0.85, 0.6, 0.75, 0.6], "smoke")
    assert table["λ"].tolist() == [0.6, 0.75, 0.85]
    assert table["good share, 3 px kernels"].tolist() == pytest.approx([1.0, 6 / 9, 6 / 9])
    assert table["good share, 5 px kernels"].tolist() == pytest.approx([3 / 9, 3 / 9, 0.0])
    assert table["blur size alone, test ROC-AUC"].notna().all() and set(table["profile"]) == {"smoke"}
    one_class = report.lambda_sweep_table([small], [small], [0.5], "smoke")
    assert np.isnan(one_class["blur size alone, test ROC-AUC"].iloc[0])


def test_the_random_draws_scatter_around_chance_and_say_how_many_images_one_draw_needs(run):
    _, scores, _, _ = run
    draws = pd.Series([2.0, 2.4, 2.2], index=["random, seed 0", "random, seed 1", "random, seed 2"])
    fig = report.random_draws_figure(draws, 2.1, TAG)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 3 and ax.lines[0].get_xdata()[0] == 2.1
    assert ax.get_title() == "Ten draws of the random selector [test]"
    plt.close(fig)
    within_variance = scores.groupby("example")["error ratio"].var(ddof=0).mean()
    line = report.random_draws_line(draws, 2.1, scores, TAG)
    assert f"it needs about {int(np.ceil(within_variance * 19.6**2))} test images (this run has 6)" in line
    assert line.startswith("[test] the ten draws span 2.00-2.40 around chance 2.10")


def test_similarity_against_error_marks_the_best_similarity_and_the_upper_bound(run):
    _, scores, _, evaluation = run
    rows = evaluation[evaluation["example"] == 1].set_index("selector")
    fig = report.similarity_against_error_figure(scores, rows, 1, "img0_k1", 0.75, TAG)
    ax = fig.axes[0]
    assert [len(c.get_offsets()) for c in ax.collections] == [9, 1, 1]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a window", BEST_SIMILARITY, BEST_WINDOW, "λ = 0.75"]
    assert ax.get_title().startswith("img0_k1: what the labels reward")
    plt.close(fig)


def labelling_evaluation(per_image_regret: float) -> pd.DataFrame:
    """16 examples of 8 scenes: the paper's CNN, the per-image CNN and the mean gradient, with known means."""
    rng = np.random.default_rng(0)
    rows = []
    for example in range(16):
        noise = rng.normal(0, 0.05, 3)
        for (name, regret, correlation), wobble in zip(
            [("CNN", 2.0, 0.05), (PER_IMAGE_CNN, per_image_regret, 0.4), (MEAN_GRADIENT, 1.2, 0.3)], noise
        ):
            rows.append(
                {
                    "example": example,
                    "image": f"scene{example // 2}",
                    "selector": name,
                    "regret": regret + wobble,
                    "rank correlation": correlation + wobble,
                }
            )
    return pd.DataFrame(rows)


def test_the_labelling_comparison_reads_which_target_ranks_the_windows_better():
    evaluation = labelling_evaluation(per_image_regret=1.3)
    comparison = report.labelling_comparison_table({"held-out scenes": (evaluation, "image")}, "long")
    assert comparison["selector"].tolist() == ["CNN", PER_IMAGE_CNN, MEAN_GRADIENT]
    assert set(comparison["resampling"]) == {"images"} and set(comparison["paper"]) == {"not in the paper"}
    means = comparison.set_index("selector")["rank correlation"]
    assert means[PER_IMAGE_CNN] == pytest.approx(0.4, abs=0.05) and means["CNN"] == pytest.approx(0.05, abs=0.05)
    claims = selector_claims(evaluation, COMPARED_CLAIMS, clusters_by="image")
    text = report.labelling_findings(comparison, {"held-out scenes": (claims, "image")}, profile="long")
    assert text.startswith("### What if the labels asked the right question? (`long`)")
    assert '"CNN (per-image labels) beats CNN" on regret: +0.7' in text and "**confirmed**" in text
    assert "The mean gradient, which needs no training, has a mean regret of 1.2" in text
    assert "CNN beats mean gradient: -0.79" in text and "contradicted" in text
    assert "Per-image labels rank the windows better on 1 of 1 data sets" in text
    # a worse per-image classifier reads as such: the tally moves
    worse = labelling_evaluation(per_image_regret=2.6).assign(
        **{"rank correlation": lambda t: np.where(t["selector"] == PER_IMAGE_CNN, -0.2, t["rank correlation"])}
    )
    comparison = report.labelling_comparison_table({"held-out scenes": (worse, "image")}, "long")
    claims = selector_claims(worse, COMPARED_CLAIMS, clusters_by="image")
    text = report.labelling_findings(comparison, {"held-out scenes": (claims, "image")}, profile="long")
    assert "better on 0 of 1 data sets" in text and '"CNN (per-image labels) beats CNN" on regret: -0.6' in text
    without = report.labelling_comparison_table(
        {"test split": (evaluation[evaluation["selector"] == "CNN"], None)}, "x"
    )
    assert "trained no per-image classifier" in report.labelling_findings(without, {}, profile="x")


def test_the_labelling_curves_draw_each_scored_selector_per_data_set():
    evaluation = labelling_evaluation(per_image_regret=1.3).assign(**{"error ratio": lambda t: t["regret"] * 1.5})
    best = evaluation[evaluation["selector"] == "CNN"].assign(selector=BEST_WINDOW, **{"error ratio": 1.5})
    both = pd.concat([evaluation, best], ignore_index=True)
    only_cnn = evaluation[evaluation["selector"] == "CNN"]
    fig = report.labelling_curves_figure({"held-out scenes": (both, "image"), "real Levin": (only_cnn, "kernel")}, TAG)
    left, right = fig.axes
    assert [line.get_label() for line in left.lines] == ["CNN", PER_IMAGE_CNN, MEAN_GRADIENT, BEST_WINDOW]
    assert [line.get_label() for line in right.lines] == ["CNN"]
    assert left.get_title() == "held-out scenes (16 images)"
    # the best window's ratios are all 1.5: its curve reaches 1 there and no sooner
    shares = left.lines[-1].get_ydata()
    thresholds = left.lines[-1].get_xdata()
    assert shares[thresholds < 1.5].max() == 0 and shares[thresholds >= 1.5].min() == 1
    plt.close(fig)
    with pytest.raises(ValueError, match="no evaluations"):
        report.labelling_curves_figure({}, TAG)
