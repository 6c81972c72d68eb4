import json
from dataclasses import replace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from deblur_core.data.paired import RealPair  # noqa: E402
from deblur_core.jdrl import report  # noqa: E402
from deblur_core.jdrl.data import MisalignedPair  # noqa: E402
from deblur_core.jdrl.experiment import BASELINE, CONTROL, FINAL, INPUT, ablation_comparisons  # noqa: E402
from deblur_core.jdrl.reblurring import ReblurModule  # noqa: E402
from deblur_core.jdrl.report import PAPER_TABLE4, findings_markdown, paper_table  # noqa: E402
from deblur_core.jdrl.training import JDRLResult  # noqa: E402
from deblur_core.models.unet import UNet  # noqa: E402
from deblur_core.profiles import profile_settings  # noqa: E402

SIZE = 40  # the smallest square that a BORDER of 8 px, a scoring window and a busiest box of SIZE // 3 all fit


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def scores(variant, psnr, scenes=("chelsea", "camera", "coins", "grass", "brick", "moon")):
    images = [f"{scene}_1_{k}" for scene in scenes for k in range(2)]
    return pd.DataFrame({"image": images, "variant": variant, "seed": 0, "PSNR (aligned)": psnr})


def textured(seed: int) -> np.ndarray:
    """A smooth colour picture with edges, in [0, 1]: DIS finds flow on it, and a gradient has something to read."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    picture = [np.sin(2 * np.pi * (f * x + g * y) + p) for f, g, p in rng.uniform(1, 3, (3, 3))]
    return (0.5 + 0.4 * np.stack(picture, axis=-1)).astype(np.float32)


def synthetic_pair(name: str, seed: int = 0, shift: float = 2.0) -> MisalignedPair:
    sharp = textured(seed)
    flow = np.zeros((SIZE, SIZE, 2), dtype=np.float32)
    flow[..., 0] = shift
    blurry = (sharp + np.roll(sharp, 1, axis=1)) / 2
    return MisalignedPair(name, blurry, np.roll(sharp, 2, axis=1), sharp, flow, np.zeros((SIZE, SIZE)))


def real_pair(name: str = "IMG_0001") -> RealPair:
    pair = synthetic_pair(name)
    return RealPair(name, pair.blurry, pair.sharp)


def run_of(name: str, *, first: float = 0.2, last: float = 0.1, reblur: bool = False) -> JDRLResult:
    """A run as train_variants returns it: an untrained residual UNet (the identity) and a made-up history."""
    history = pd.DataFrame(
        {
            "epoch": [1, 2, 3],
            "deblurring": [first, (first + last) / 2, last],
            "reblurring": [0.05, 0.04, 0.03] if reblur else np.nan,
        }
    )
    torch.manual_seed(0)
    module = ReblurModule(levels=8, width=4) if reblur else None
    return JDRLResult(UNet(width=2, output="residual"), module, history, from_cache=False)


def per_image_scores(aligned: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores of final and #1 on 6 scenes x 2 images, and of the blurry input: final is 1 dB above #1 and 1.5 dB
    above the input on every image, and better in SSIM and MAE as well."""
    base = np.random.default_rng(0).normal(25, 1, 12)
    truths = ("deformed GT", "aligned") if aligned else ("deformed GT",)

    def frame(offset: float) -> pd.DataFrame:
        table = scores("", base).drop(columns=["variant", "seed", "PSNR (aligned)"])
        for truth in truths:
            table[f"PSNR ({truth})"] = base + offset
            table[f"SSIM ({truth})"] = 0.7 + offset / 100
            table[f"MAE ({truth})"] = 0.04 - offset / 1000
        return table

    per_image = pd.concat([frame(1).assign(variant=FINAL, seed=0), frame(0).assign(variant=BASELINE, seed=0)])
    return per_image, frame(-0.5)


def test_findings_are_written_from_the_claims_with_the_paper_beside_them():
    rng = np.random.default_rng(0)
    base = rng.normal(25, 1, 12)
    per_image = pd.concat(
        [scores(FINAL, base + 1), scores(BASELINE, base), scores(CONTROL, base + 1.5 + rng.normal(0, 0.01, 12))]
    )
    inputs = scores(INPUT, base - 0.5).drop(columns=["variant", "seed"])
    claims = ablation_comparisons(per_image, inputs)
    movement = pd.DataFrame(
        {"displacement (px)": [2.5, 0.1, 0.05, 0.0], "sharpness": [0.7, 0.9, 0.95, 0.6]},
        index=[BASELINE, FINAL, CONTROL, INPUT],
    )
    text = findings_markdown(claims, movement, profile="long", scenes=6)
    assert "(`long`, 6 held-out test scenes, PSNR against the aligned GT)" in text
    assert "It changes the blurry input's PSNR by +1.50 dB [" in text and "**confirmed**" in text
    assert "Paper: +1.2 dB; ours: +1.00 dB" in text
    assert "moved 2.50 px" in text and "control 0.95" in text
    assert "Final against the control" in text and "contradicted" in text
    assert "does not cover" in text
    # why, from the numbers: the baseline (0.7) is sharper than its input (0.6) here, the final model sharper still
    assert "moved the baseline's output 2.50 px without making it blurrier" in text
    assert "its output moved 0.10 px and is sharper than the input (0.90)" in text
    blurring = movement.assign(sharpness=[0.4, 0.62, 0.95, 0.6])
    text = findings_markdown(claims, blurring, profile="long", scenes=6, gains_by_scene=pd.Series({"a": -0.5, "b": 2}))
    assert (
        "learned to shift (2.50 px) and to blur: its output is blurrier than its own input (0.40 against 0.60)" in text
    )
    assert "about as sharp as the input by mean gradient (0.62 against 0.60): whatever PSNR it gains" in text
    assert "ranges from -0.50 dB (a) to +2.00 dB (b); it loses on 1 of 2 scenes" in text


def test_the_paper_table_has_a_row_per_variant_and_none_for_ours_only():
    table = paper_table([FINAL, CONTROL])
    assert table.loc[FINAL, "PSNR"] == PAPER_TABLE4[FINAL][0] and table.loc[CONTROL].isna().all()


# §1


def test_the_settings_line_gives_the_budget_seeds_device_and_folder():
    settings = profile_settings("jdrl", "smoke")
    line = report.settings_line(settings, [0, 1], "cpu", "figures/x", "[smoke]", "bfloat16-autocast")
    assert line.startswith(f"[smoke] {settings.size} px pairs, batches of {settings.batch_size} crops of")
    assert f"{settings.epochs} epochs" in line and f"lr {settings.learning_rate:g} cosine decay" in line
    assert line.endswith("seeds [0, 1]; device cpu, bfloat16-autocast; figures -> figures/x")
    halving = replace(settings, schedule="step", flips=False)
    assert f"halved every {settings.halve_every} epochs" in report.settings_line(halving, [0], "cpu", "f", "[t]")


def test_the_data_line_counts_pairs_scenes_and_steps():
    settings = profile_settings("jdrl", "smoke")
    train = [synthetic_pair(n) for n in ("astronaut_0_0", "astronaut_0_1", "dead-leaves-0_0_0")]
    test = [synthetic_pair(n) for n in ("chelsea_1_0", "camera_1_0")]
    line = report.data_line(train, test, "synthetic misaligned pairs", settings, "[smoke]")
    steps = settings.epochs * -(-3 // settings.batch_size)
    assert line == (
        "[smoke] synthetic misaligned pairs: 3 training pairs of 2 scenes (1 of them dead leaves), 2 test pairs of 2 "
        f"held-out scenes (camera, chelsea), {SIZE} x {SIZE} px; {steps} training steps of {settings.batch_size} "
        "crops per run"
    )


def test_the_misaligned_pair_figure_shows_the_truth_only_for_synthetic_pairs():
    fig = report.misaligned_pair_figure(synthetic_pair("chelsea_1_0"), "synthetic", "[t]")
    assert len(fig.axes) == 5 and all(ax.images for ax in fig.axes)
    assert fig.axes[4].get_title() == "true flow (largest 2.0 px)"
    assert fig._suptitle.get_text() == "Fig. 1/5 analogue: a misaligned pair (synthetic) [t]"
    real = report.misaligned_pair_figure(real_pair(), "SDD", "[t]")
    assert [bool(ax.images) for ax in real.axes] == [True, True, False, False, False]


# §2


def test_the_kernel_figure_draws_each_seed_at_its_size():
    fig = report.isotropic_kernels_figure(report.EXAMPLE_SEEDS, "[t]")
    assert [ax.get_title().split("\n")[1] for ax in fig.axes] == ["15 × 15"] * 3 + ["5 × 5"]
    assert [ax.images[0].get_array().shape for ax in fig.axes] == [(15, 15)] * 3 + [(5, 5)]
    assert fig._suptitle.get_text().endswith("[t]")


# §3


def test_the_calibration_flows_add_the_true_flow_and_a_failed_square():
    flows = report.calibration_flows(synthetic_pair("chelsea_1_0"))
    assert list(flows) == ["true flow", report.DIS_FLOW, report.FAILED_FLOW]
    dis, failed = flows[report.DIS_FLOW], flows[report.FAILED_FLOW]
    square = (..., slice(SIZE // 4, SIZE // 2), slice(SIZE // 4, SIZE // 2))
    assert torch.allclose(failed[square], (-3 * dis.mean(dim=(-2, -1), keepdim=True)).expand_as(failed[square]))
    assert torch.equal(failed[..., : SIZE // 4, :], dis[..., : SIZE // 4, :])
    assert list(report.calibration_flows(real_pair())) == [report.DIS_FLOW, report.FAILED_FLOW]


def test_the_calibration_figure_has_a_row_per_flow_and_one_key():
    flows = {"a": torch.ones(1, 2, 24, 24), "b": -2 * torch.ones(1, 2, 24, 24)}
    fig = report.calibration_masks_figure(flows, "[t]")
    titles = [ax.get_title() for ax in fig.axes]
    assert len(fig.axes) == 8 and titles[0] == "a" and titles[4] == "b"
    assert titles[1].startswith("mask (magnitude rule)") and titles[2].startswith("mask (colour rule)")
    assert titles[3] == "colour key\n(rim = 2.8 px)" and not fig.axes[7].images
    assert "λ = 0.35" in fig._suptitle.get_text()


def test_the_mask_table_gives_the_kept_share_of_each_rule_and_the_take_away_reads_it():
    uniform = torch.ones(1, 2, 24, 24)
    table = report.calibration_mask_table({report.FAILED_FLOW: uniform}, "smoke")
    assert list(table.columns) == ["flow", "mask", "kept share", "profile", "paper"]
    assert list(table["mask"]) == ["magnitude", "colour"] and table["kept share"].tolist() == [1.0, 1.0]
    table["kept share"] = [0.25, 0.5]
    assert report.mask_takeaway(table, "[t]").startswith(
        "[t] take-away: with a square of failed flow, the magnitude rule keeps 25% and the colour rule 50% of"
    )


# §4


def timing_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "variant": [FINAL, BASELINE, FINAL],
            "seed": [0, 0, 1],
            "training seconds": [10.0, 20.0, 30.0],
            "from cache": [True, False, True],
            "warm-up reused": [False, False, True],
        }
    )


def test_the_training_seconds_table_has_a_row_per_variant_in_order():
    table = report.training_seconds_table(timing_table(), [BASELINE, FINAL])
    assert list(table.index) == [BASELINE, FINAL] and list(table.columns) == [0, 1]
    assert table.loc[FINAL, 1] == 30.0 and np.isnan(table.loc[BASELINE, 1])


def test_the_training_runs_lines_count_cached_and_warm_started_runs():
    assert report.training_runs_lines(timing_table(), "[t]") == (
        "[t] runs loaded from the cache this time: 2 of 3\n[t] runs trained now that started from a shared warm-up: "
        "1 of 1 (a run loaded whole from the cache trained earlier: whether it shared a warm-up is not recorded)"
    )
    assert report.timing_line(timing_table(), 12.3, "[t]").startswith(
        "[t] this execution took 12 s; computing its training runs took 60 s when they were trained (2 of 3 runs"
    )


def test_the_training_curves_give_each_variant_its_axes_and_a_reblurring_axis_where_there_is_one():
    results = {
        (name, seed): run_of(name, reblur=name == FINAL) for name in (BASELINE, FINAL, CONTROL) for seed in (0, 1)
    }
    fig = report.training_curves_figure(results, [BASELINE, FINAL, CONTROL], [0, 1], 1, "[t]")
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == [BASELINE, FINAL, CONTROL]
    assert len(fig.axes) == 5  # 2 x 2 grid, one twin for final's reblurring loss
    assert [line.get_alpha() for line in panels[0].get_lines()[:2]] == [1.0, 0.35]
    assert fig.axes[3].axison is False
    line = report.loss_change_line(results, [BASELINE, FINAL], 0, "[t]")
    assert line.startswith("[t] deblurring loss, first epoch to last (seed 0): #1 baseline 0.2000 -> 0.1000 (-50%)")


# §5


def test_the_ablation_table_puts_the_paper_beside_our_means_and_the_input_last():
    per_image, inputs = per_image_scores()
    table = report.ablation_table(per_image, inputs, seeds=1, profile="smoke")
    assert list(table.index) == [FINAL, BASELINE, INPUT]
    assert table.loc[FINAL, "PSNR (ours, deformed GT)"] == round(
        per_image.query("variant == @FINAL")["PSNR (deformed GT)"].mean(), 2
    )
    assert table.loc[FINAL, "PSNR (paper)"] == 25.82 and np.isnan(table.loc[INPUT, "PSNR (paper)"])
    assert list(table.columns[-6:]) == [
        "PSNR (ours, aligned GT)",
        "SSIM (ours, aligned GT)",
        "MAE (ours, aligned GT)",
        "seeds",
        "test images",
        "profile",
    ]
    assert table["test images"].iloc[0] == 12 and (table["LPIPS (ours)"] == "unavailable offline").all()
    real = report.ablation_table(*per_image_scores(aligned=False), seeds=1, profile="smoke")
    assert not any("aligned GT" in column for column in real.columns)


def test_the_claims_carry_the_profile_the_paper_and_a_readable_form():
    per_image, inputs = per_image_scores()
    claims = report.table4_claims(per_image, inputs, profile="smoke")
    assert (claims["profile"] == "smoke").all()
    baseline = claims[(claims["claim"] == f"final > {BASELINE}") & (claims["metric"] == "PSNR")]
    assert set(baseline["paper's difference"]) == {"+1.2"} and set(baseline["verdict"]) == {"confirmed"}
    grid = report.verdict_grid(claims)
    assert list(grid.index) == [f"final > {BASELINE}", f"final > {INPUT}"]
    assert ("aligned GT", "PSNR") in grid.columns and grid.loc[
        f"final > {INPUT}", ("deformed GT", "MAE")
    ] == "confirmed"
    readable = report.readable_claims(claims)
    assert list(readable.columns) == report.READABLE_CLAIM_COLUMNS
    assert readable["difference [95 % CI]"].iloc[0] == "1.00 [1.00, 1.00]"
    lines = report.claim_takeaways(claims, "[t]").split("\n")
    assert lines == [
        "[t] take-away (deformed GT): final vs its blurry input +1.50 dB [+1.50, +1.50] -> confirmed; vs the baseline "
        "+1.00 dB -> confirmed.",
        "[t] take-away (aligned GT): final vs its blurry input +1.50 dB [+1.50, +1.50] -> confirmed; vs the baseline "
        "+1.00 dB -> confirmed.",
    ]


def test_the_conclusion_lines_give_each_psnr_claim_the_verdict_count_and_the_best_variant():
    per_image, inputs = per_image_scores()
    claims = report.table4_claims(per_image, inputs, profile="smoke")
    table4 = report.ablation_table(per_image, inputs, seeds=1, profile="smoke")
    lines = report.conclusion_lines(claims, table4, "[t]").split("\n")
    assert len(lines) == 4 + 2
    assert lines[0] == "[t] PSNR, deformed GT: final > #1 baseline: +1.00 dB [+1.00, +1.00] -> confirmed"
    assert lines[4] == "[t] over all 12 claims (PSNR, SSIM and MAE, both ground truths): {'confirmed': 12}"
    assert lines[5].startswith("[t] highest mean PSNR (deformed GT): final (")


# §6


def test_the_most_misaligned_pair_is_shown_and_real_pairs_show_the_first():
    pairs = [synthetic_pair("a_1_0", shift=1), synthetic_pair("b_1_0", shift=3), synthetic_pair("c_1_0", shift=2)]
    assert report.most_misaligned(pairs) == 1 and report.most_misaligned([real_pair(), real_pair()]) == 0


def test_the_movement_table_measures_displacement_sharpness_and_misalignment():
    pairs = [synthetic_pair("a_1_0", 0, shift=1), synthetic_pair("b_1_0", 1, shift=3)]
    blurry = np.stack([p.blurry for p in pairs])
    aligned = np.stack([p.aligned_sharp for p in pairs])
    outputs = {(FINAL, 0): blurry, (BASELINE, 0): np.roll(blurry, 3, axis=2), (FINAL, 1): aligned}
    movement = report.movement_table(outputs, pairs, seed=0, profile="smoke")
    assert list(movement.index) == [FINAL, BASELINE, INPUT]
    assert movement.loc[BASELINE, "displacement (px)"] > 2 and movement.loc[INPUT, "displacement (px)"] == 0
    assert movement.loc[FINAL, "sharpness"] == movement.loc[INPUT, "sharpness"] < 1  # seed 0's outputs alone
    assert movement["true misalignment of I_S (px)"].iloc[0] == pytest.approx(2.0)
    real = report.movement_table({(FINAL, 0): blurry}, [real_pair(), real_pair()], seed=0, profile="smoke")
    assert "sharpness" not in real and np.isnan(real["true misalignment of I_S (px)"].iloc[0])
    assert report.movement_takeaway(movement, "[t]").startswith(
        f"[t] take-away: the baseline's output moved {movement.loc[BASELINE, 'displacement (px)']:.2f} px on average, "
        f"the final model's {movement.loc[FINAL, 'displacement (px)']:.2f} px (true misalignment of I_S 2.00 px)."
    )


def test_the_baseline_figure_zooms_draws_both_flows_and_says_what_it_shows():
    pair = synthetic_pair("chelsea_1_0")
    movement = pd.DataFrame(
        {"displacement (px)": [2.5, 0.1, 0.0], "sharpness": [0.7, 0.9, 0.8]}, index=[BASELINE, FINAL, INPUT]
    )
    shown = {BASELINE: np.roll(pair.blurry, 2, axis=1), FINAL: pair.blurry}
    fig = report.baseline_deformation_figure(pair, shown, movement, seed=0, tag="[t]")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:4] == ["blurry input", "sharp, aligned (synthetic only)", BASELINE, FINAL]
    assert titles[4].startswith("flow input → #1\nmean") and titles[9].startswith("flow input → final\nmean 0.00 px")
    assert fig.axes[9].child_axes[0].get_title().startswith("key ±")  # the colour key, inset in the last flow
    suptitle = fig._suptitle.get_text()
    assert suptitle.startswith("Fig. 8 analogue: test pair chelsea_1_0 (misalignment 2.0 px), seed 0;")
    assert suptitle.endswith(
        "[t]\nover all test pairs the baseline's output is blurrier than its input "
        "(sharpness 0.70 against 0.80) and moved 2.50 px\nthe final model's output (sharpness 0.90) is sharper than "
        "its input"
    )
    # an output as sharp as its input is called what it looks like
    unchanged = movement.assign(sharpness=[0.7, 0.82, 0.8])
    title = report.baseline_deformation_figure(pair, shown, unchanged, seed=0, tag="[t]")._suptitle.get_text()
    assert title.endswith(
        "the final model's output (sharpness 0.82) barely differs from its input: at this budget it hardly deblurs"
    )
    real = report.baseline_deformation_figure(real_pair(), shown, movement.drop(columns="sharpness"), seed=0, tag="[t]")
    assert len(real.axes) == 2 * 4 and real._suptitle.get_text().endswith("[t]")


# §7


def test_the_noise_floor_is_known_for_synthetic_pairs_only():
    assert report.noise_floor(synthetic_pair("a_1_0")) == pytest.approx(0.00798, abs=1e-5)
    assert np.isnan(report.noise_floor(real_pair()))


def test_the_reblurring_figure_and_take_away_compare_the_mismatch_with_the_noise_floor():
    pair = synthetic_pair("chelsea_1_0")
    final = run_of(FINAL, reblur=True)
    fig = report.reblurring_figure(final, pair.blurry, pair, "[t]")
    titles = [ax.get_title() for ax in fig.axes]
    assert len(fig.axes) == 6  # five panels and the mismatch's colour bar
    assert titles[2] == "reblurred $\\hat I_B$" and titles[3].endswith("(noise alone: about 0.0080)")
    assert titles[4] == "deformed ground truth $I_S^w$"
    line = report.reblurring_takeaway(final, pair.blurry, pair, "[t]")
    assert "(output itself: 0.0000; the input's noise alone: 0.0080)" in line
    assert line.endswith("every score leaves out an 8 px border.")
    real = report.reblurring_takeaway(final, pair.blurry, real_pair(), "[t]")
    assert "noise alone: nan). The reblurred output stays above the noise floor" in real


# §8


def test_the_explorer_figures_draw_a_kernel_masks_and_two_variants():
    kernel = report.kernel_profile_figure(torch.zeros(8), "[t]")
    assert kernel.axes[0].get_title() == "15 × 15 kernel" and len(kernel.axes[1].get_lines()[0].get_xdata()) == 8
    masks = report.mask_rules_figure(torch.ones(1, 2, 24, 24), 0.35, "[t]")
    assert [ax.get_title().split("\n")[0] for ax in masks.axes] == ["magnitude rule [t]", "colour rule [t]"]
    image = textured(0)
    comparison = report.variant_comparison_figure(
        image, {BASELINE: image, FINAL: image}, left=BASELINE, right=FINAL, seed=3
    )
    assert [ax.get_title() for ax in comparison.axes] == ["blurry", f"{BASELINE}, seed 3", f"{FINAL}, seed 3"]


def test_the_explorer_offers_the_seed_s_variants_and_redraws_when_a_slider_moves(monkeypatch):
    pytest.importorskip("ipywidgets")
    drawn = []
    monkeypatch.setattr(plt, "show", lambda: drawn.append(plt.gcf()._suptitle or plt.gcf().axes[0].get_title()))
    blurry = np.stack([textured(0), textured(1)])
    outputs = {(name, seed): blurry for name in (BASELINE, FINAL) for seed in (0, 1)}
    box = report.explorer(torch.ones(1, 2, 24, 24), blurry, outputs, names=["a", "b"], seed=0, tag="[t]")
    assert len(box.children) == 10 and len(drawn) == 3  # each figure drawn once to begin with
    first_row = box.children[1].children
    assert [slider.description for slider in first_row] == ["a0", "a1", "a2", "a3"]
    pickers = box.children[8].children
    assert list(pickers[0].options) == [BASELINE, FINAL] and pickers[1].value == FINAL
    first_row[0].value = 3.0
    assert len(drawn) == 4 and drawn[-1] == "15 × 15 kernel"


# the solutions


def test_the_aligned_psnr_of_an_identity_model_is_the_input_s():
    blurry = np.stack([textured(0), textured(1)])
    truth = np.stack([textured(2), textured(3)])
    psnr = report.aligned_psnr({"identity": UNet(width=2, output="residual")}, blurry, truth, ["a_1_0", "b_1_0"])
    assert psnr.name == "PSNR, aligned GT (dB)" and list(psnr.index) == ["identity", INPUT]
    assert psnr["identity"] == pytest.approx(psnr[INPUT], abs=1e-3)


def test_what_reblurring_changes_is_drawn_and_correlated_with_the_edges():
    blurry = textured(0)
    with_reblurring = blurry + 0.1 * np.abs(np.gradient(blurry.mean(-1))[1])[..., None]
    fig = report.reblurring_difference_figure(blurry, with_reblurring, "[t]")
    assert len(fig.axes) == 4 and fig.axes[2].get_title().startswith("|final - #4|, mean 0.0")
    assert fig._suptitle.get_text() == "What the reblurring loss changes on one test pair [t]"
    line = report.reblurring_edges_line(blurry, with_reblurring, blurry, "[t]")
    correlation = float(line.split(": ")[1].split(" ")[0])
    assert line.startswith("[t] correlation of the difference with the input's edges: +") and correlation > 0.5


def test_the_model_card_says_data_blur_range_recipe_cost_and_held_out_gain():
    per_image, inputs = per_image_scores()
    claims = report.table4_claims(per_image, inputs, profile="smoke")
    settings = profile_settings("jdrl", "smoke")
    train = [synthetic_pair("astronaut_0_0"), synthetic_pair("dead-leaves-0_0_0"), synthetic_pair("astronaut_0_1")]
    test = [synthetic_pair(f"{scene}_1_0") for scene in ("chelsea", "coins")]
    timing = pd.DataFrame({"variant": [FINAL, BASELINE], "seed": [0, 0], "training seconds": [90.0, 30.0]})
    card = report.model_card(settings, train, test, claims, timing, seed=0, precision="float32", cpu="Some CPU")
    assert card["held_out_gain_db"] == 1.5 and card["held_out_gain_ci_db"] == [1.5, 1.5]
    assert card["training_minutes"] == 1.5 and card["cpu"] == "Some CPU"
    assert card["held_out_scenes"] == ["chelsea", "coins"]
    assert f"radius 0 to {settings.max_radius:g} px in {settings.size} px images" in card["trained_for"]
    assert card["training_data"].startswith("3 synthetic misaligned pairs") and "1 dead-leaves" in card["training_data"]
    steps = settings.epochs * -(-3 // settings.batch_size)
    assert f"{steps} steps of {settings.batch_size} crops of {settings.crop} px" in card["recipe"]
    json.dumps(card)  # the manifest can hold it
    with pytest.raises(ValueError, match="final > blurry input"):
        report.model_card(
            settings, train, test, claims[claims["ground truth"] != "aligned GT"], timing, seed=0, precision="", cpu=""
        )


def test_fig8_zooms_where_the_final_model_deblurs_most():
    pair = synthetic_pair("chelsea_1_0")
    final = pair.blurry.copy()
    final[20:30, 10:20] = pair.aligned_sharp[20:30, 10:20]  # deblurred there only
    shown = {BASELINE: pair.blurry, FINAL: final}
    movement = pd.DataFrame({"displacement (px)": [0.0, 0.0]}, index=[BASELINE, FINAL])
    fig = report.baseline_deformation_figure(pair, shown, movement, seed=0, tag="[t]")
    assert "zoom: where the final model gains most over its input (+" in fig._suptitle.get_text()
    patch = fig.axes[0].patches[0]  # the yellow box on the input
    left, top, size = patch.get_x() + 0.5, patch.get_y() + 0.5, patch.get_width()
    assert size == SIZE // 3 and left <= 10 and left + size >= 20 and top <= 20 and top + size >= 30
