"""Notebook 03's report: each figure, table and line built from one tiny real sweep."""

import dataclasses
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from deblur_core.data.levin import crop_case, levin_like_benchmark  # noqa: E402
from deblur_core.profiles import profile_settings  # noqa: E402
from deblur_core.selfdeblur import report  # noqa: E402
from deblur_core.selfdeblur.experiment import (  # noqa: E402
    CLAIMS,
    ITERATED_CLAIMS,
    VARIANTS,
    budget_curve,
    claims_table,
    compare_configs,
    gallery_runs,
    kernel_support,
    lowest_loss_pick,
    run_sweep,
    select_cases,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def benchmark(tmp_path_factory):
    return levin_like_benchmark(tmp_path_factory.mktemp("levin"), scale=0.5)


@pytest.fixture(scope="module")
def study(benchmark, tmp_path_factory):
    settings = dataclasses.replace(profile_settings("selfdeblur", "smoke"), iterations=8)
    cases = [crop_case(c, 63) for c in select_cases(benchmark, [(1, 5), (2, 3)])]
    sweep = run_sweep(
        cases,
        settings,
        seeds=(0,),
        variants={name: VARIANTS[name] for name in ("SelfDeblur-J", "SelfDeblur-A")},
        cache_dir=tmp_path_factory.mktemp("runs"),
        oversize_factor=1.5,
        seed_study={"cases": 1, "seeds": (0, 1)},
        progress=False,
    )
    return settings, cases, sweep


def test_select_cases_keeps_the_order_asked_and_names_what_is_missing(benchmark):
    picked = select_cases(benchmark, [(2, 3), (1, 1)])
    assert [(c.image_id, c.kernel_id) for c in picked] == [(2, 3), (1, 1)]
    assert len(select_cases(benchmark, "all")) == len(benchmark) == 32
    with pytest.raises(ValueError, match=r"cases \[\(9, 1\)\] are not in the benchmark"):
        select_cases(benchmark, [(9, 1)])


def test_the_sweep_splits_its_own_runs_from_the_reference_rows(study):
    _, cases, sweep = study
    blind = sweep.blind_scores
    assert set(blind["method"]) == {"SelfDeblur-J", "SelfDeblur-A", report.oversize_label(1.5)}
    reference = sweep.reference_scores
    # both seeds on the seed study's case, one on the other
    assert sorted(zip(reference["case"], reference["seed"])) == [
        (cases[0].name, 0),
        (cases[0].name, 1),
        (cases[1].name, 0),
    ]


def test_sweep_lines_count_runs_cache_and_collapses(study):
    _, cases, sweep = study
    counted, collapses = report.sweep_lines(sweep, cases=len(cases), seeds=1, tag="[t]")
    assert counted.startswith("[t] 6 runs (2 case(s) x 1 seed(s), 3 variants) and 1 extra SelfDeblur-J run(s)")
    assert "0 of the tables' runs loaded from cache" in counted
    flagged = int(sweep.blind_scores["kernel collapsed"].astype(bool).sum())
    assert collapses.startswith(f"[t] kernel collapsed in {flagged} of 6 runs")


def test_per_run_table_puts_the_papers_means_beside_each_run(study):
    _, _, sweep = study
    table = report.per_run_table(sweep.scores, "smoke")
    assert "cached" not in table and set(table["profile"]) == {"smoke"}
    joint = table[table["method"] == "SelfDeblur-J"]
    assert (joint["PSNR (paper, 32-image mean)"] == report.PAPER_RESULTS["SelfDeblur-J"]["PSNR"]).all()
    assert table.loc[table["method"] == "blurry input", "SSIM (paper, 32-image mean)"].isna().all()


def test_benchmark_figure_shows_four_images_and_eight_kernels(benchmark):
    fig = report.benchmark_figure(benchmark, "the benchmark")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[:4] == ["image 1", "image 2", "image 3", "image 4"]
    assert sum(title.startswith("kernel ") for title in titles) == 8
    assert fig._suptitle.get_text() == "the benchmark"


def test_the_budget_curves_last_point_is_the_claims_tables_row(study):
    # one number per claim: the curve and the table score alike, so their last point and row agree (they once
    # differed by 0.17 dB and a verdict, the curve aligning whole pixels only)
    _, _, sweep = study
    curve = budget_curve(sweep.runs)
    last = curve[curve["iteration"] == curve["iteration"].max()].set_index("claim")
    ran = set(sweep.scores["method"])
    claims = [claim for claim in ITERATED_CLAIMS if set(claim) <= ran]
    table = claims_table(sweep.scores, claims=claims, metrics=("PSNR",)).set_index("claim")
    assert len(last) >= 1 and set(last.index) == set(table.index)
    for column in ("mean difference", "CI 95% low", "CI 95% high"):
        assert np.allclose(last[column], table.loc[last.index, column], atol=1e-4), column
    assert list(last["verdict"]) == list(table.loc[last.index, "verdict"])


def test_a_budget_curve_without_both_sides_of_any_claim_is_empty_with_its_columns(study):
    _, _, sweep = study
    only_j = {key: run for key, run in sweep.runs.items() if key[0] == "SelfDeblur-J"}
    curve = budget_curve(only_j)
    assert curve.empty and list(curve.columns[:2]) == ["claim", "iteration"] and "verdict" in curve
    fig = report.budget_curve_figure(curve, "gaps [t]")
    assert fig._suptitle.get_text() == "gaps [t]" and "no claim" in fig.axes[0].texts[0].get_text()
    assert report.budget_curve_lines(curve, "[t]") == []


def test_budget_curve_figure_and_lines_cover_each_iterated_claim(study):
    _, _, sweep = study
    curve = budget_curve(sweep.runs)
    fig = report.budget_curve_figure(curve, "gaps")
    assert [ax.get_title() for ax in fig.axes] == ["SelfDeblur-J > SelfDeblur-A"]
    (line,) = report.budget_curve_lines(curve, "[t]")
    assert line.startswith("[t] SelfDeblur-J > SelfDeblur-A: ") and "at iteration 8" in line


def test_budget_curve_lines_say_when_a_gap_opened_and_whether_it_closed_again():
    verdicts = {
        "closes > x": ("confirmed", "confirmed", "inconclusive"),
        "opens > x": ("inconclusive", "confirmed", "confirmed"),
        "never > x": ("inconclusive",) * 3,
    }
    curve = pd.DataFrame(
        [
            {"claim": claim, "iteration": it, "mean difference": 1.0, "CI 95% low": -1, "CI 95% high": 2, "verdict": v}
            for claim, row in verdicts.items()
            for it, v in zip((10, 20, 30), row)
        ]
    )
    closes, opens, never = report.budget_curve_lines(curve, "[t]")
    assert closes.endswith("confirmed at 2 of 3 logged iterations, from 10 to 20, no longer at the end of this budget.")
    assert opens.endswith("(confirmed); first confirmed at iteration 20.")
    assert never.endswith("never confirmed within this budget.")


def test_snapshot_and_curve_figures_say_whether_the_kernel_collapsed(study):
    _, cases, sweep = study
    name = cases[0].name
    row = sweep.scores.query("method == 'SelfDeblur-J' and case == @name and seed == 0").iloc[0]
    fig = report.snapshots_figure(sweep.runs["SelfDeblur-J", name, 0], row, "snapshots")
    expected = "COLLAPSED" if row["kernel collapsed"] else "not collapsed"
    assert expected in fig._suptitle.get_text() and len(fig.axes) % 2 == 0
    curves = report.curves_figure(sweep.runs, name, 20.0, "curves")
    labels = curves.axes[1].get_legend_handles_labels()[1]
    # the seed study's second seed is drawn too, and the input as a line
    assert {"SelfDeblur-J, seed 0", "SelfDeblur-J, seed 1", "SelfDeblur-A, seed 0", "blurry input"} <= set(labels)
    collapsed, total = report.collapse_count(sweep, name)
    assert total == 3 and 0 <= collapsed <= total


def test_gallery_has_one_row_per_picked_run_and_flags_collapses_in_red(study):
    _, cases, sweep = study
    shown = gallery_runs(sweep.reference_scores, sweep.scores, count=2)
    fig = report.gallery_figure(sweep, cases, shown, report.gallery_title(sweep, shown, 8, "[t]"))
    assert len(fig.axes) == 6 * len(shown)
    flags = sweep.reference_scores.set_index(["case", "seed"])["kernel collapsed"]
    for row, run in enumerate(shown):
        kernel_panel = fig.axes[6 * row + 4]
        assert kernel_panel.get_title().startswith("COLLAPSED" if flags[run] else "estimated")
    assert (
        f"{int(sum(flags[r] for r in shown))} of {len(shown)} shown kernels collapsed [t]" in fig._suptitle.get_text()
    )


def test_kernels_figure_puts_each_runs_kernel_beside_the_truth_and_flags_a_collapse_in_red(study):
    _, cases, sweep = study
    methods = ["SelfDeblur-J", "SelfDeblur-A"]
    scores = sweep.scores.copy()
    # one run marked collapsed, so that the test sees both kinds of panel whatever this tiny sweep gave
    marked = (scores["method"] == "SelfDeblur-A") & (scores["case"] == cases[1].name) & (scores["seed"] == 0)
    scores.loc[marked, "kernel collapsed"] = True
    fig = report.kernels_figure(scores, sweep.runs, cases, methods, "kernels [t]")
    assert len(fig.axes) == len(cases) * (1 + len(methods)) and fig._suptitle.get_text() == "kernels [t]"
    flags = scores[scores["seed"] == 0].set_index(["method", "case"])["kernel collapsed"]
    for row, case in enumerate(cases):
        panels = fig.axes[row * 3 : row * 3 + 3]
        assert panels[0].get_title() == "true kernel" and panels[0].get_ylabel() == case.name
        for panel, method in zip(panels[1:], methods):
            collapsed = bool(flags[method, case.name])
            title = panel.title
            assert title.get_text().startswith(method) and ("COLLAPSED" in title.get_text()) == collapsed
            assert (title.get_color() == "red") == collapsed


def test_committed_table2_is_none_until_the_benchmark_has_run(tmp_path):
    assert report.committed_table2(tmp_path, "long") is None
    line = report.table2_elsewhere_line(profile_settings("selfdeblur", "long"), "[long]")
    assert "smoke and paper run it, and VARIANTS adds it to any profile." in line


def test_table2_findings_rank_the_generators_ours_and_the_papers(study):
    _, _, sweep = study
    methods = ["SelfDeblur-A", "SelfDeblur-J"]
    means = report.paper_table(sweep.scores, methods, columns=("PSNR", "SSIM"), profile="t", iterations=8, data="d")
    claims = report.claims_with_paper(claims_table(sweep.scores, claims=CLAIMS[:1], metrics=("PSNR",)), "d")
    similarity = sweep.blind_scores.groupby("method")["kernel similarity"].mean()
    text = report.table2_findings_markdown(means, claims, similarity, profile="t", budget="8 iterations")
    ours = means.set_index("method")["PSNR (ours)"]
    first, second = ("SelfDeblur-J", "SelfDeblur-A") if ours["SelfDeblur-J"] > ours["SelfDeblur-A"] else methods
    assert f"ours: {first} > {second}; the paper's: SelfDeblur-J > SelfDeblur-A." in text
    assert (
        f"SelfDeblur-J {ours['SelfDeblur-J']:.2f} dB (paper 33.07), kernel similarity {similarity['SelfDeblur-J']:.2f}"
        in text
    )
    assert "This run: 8 iterations." in text


def test_the_committed_table2_is_longs_today_and_its_claims_follow_from_its_scores():
    committed = report.committed_table2(ROOT, "long")
    assert committed is not None, "run `python benchmarks/selfdeblur_table2.py` and commit its results"
    means, claims, _ = committed
    folder = ROOT / report.TABLE2_RESULTS.format(profile="long")
    long = profile_settings("selfdeblur", "long")
    # made at today's long settings: otherwise notebook 03 would show a run that long no longer describes
    assert report.settings_text(long, long.seeds) in (folder / "findings.md").read_text()
    scores = pd.read_csv(folder / "all_scores.csv")
    assert set(scores["case"]) == {f"im{image}_kernel{kernel}" for image, kernel in long.cases}
    assert list(means["method"]) == list(report.TABLE_VARIANTS["Table 2"])
    assert set(means["iterations (ours)"]) == {long.iterations}
    ours = scores.groupby("method")["PSNR"].mean()
    assert np.allclose(means["PSNR (ours)"], ours[means["method"]])
    claimed = [tuple(claim.split(" > ")) for claim in dict.fromkeys(claims["claim"])]
    recomputed = claims_table(scores, claims=claimed, metrics=("PSNR", "SSIM"))
    for column in ("mean difference", "CI 95% low", "CI 95% high"):
        assert np.allclose(claims[column], recomputed[column]), column
    assert list(claims["verdict"]) == list(recomputed["verdict"])


def test_seed_tables_and_the_oversized_kernel(study):
    _, cases, sweep = study
    spread = report.seed_spread(sweep, "smoke")
    assert list(spread["case"]) == [cases[0].name]
    seed_columns = spread[["PSNR seed 0", "PSNR seed 1"]].to_numpy()
    assert spread["range over seeds (dB)"].to_numpy() == pytest.approx(np.ptp(seed_columns, axis=1))
    comparison, collapses = report.oversize_comparison(sweep, 1.5)
    assert comparison.claim == "true kernel size > size x1.5" and comparison.clusters == 2
    assert collapses.endswith("of 2 oversized runs")
    picks = lowest_loss_pick(sweep.reference_scores)
    assert report.lowest_loss_comparison(picks).claim == "lowest-loss seed > mean of seeds"


def test_conclusions_name_every_claim_and_the_extra_lines(study):
    settings, cases, sweep = study
    ran = set(sweep.scores["method"])
    claims = claims_table(sweep.scores, claims=[c for c in CLAIMS if set(c) <= ran], profile="smoke")
    claims = report.claims_with_paper(claims, "tiny")
    assert len(claims) == 4  # J > A and J > classical, in PSNR and SSIM
    lines = report.conclusion_lines(claims, sweep, cases[0].name, 0, tag="[t]", extra=("[t] the end.",))
    assert len(lines) == len(claims) + 3 and lines[-1] == "[t] the end."
    wins, runs = report.beats_input_count(sweep.scores)
    assert f"beats its blurry input in {wins} of {runs} runs" in lines[len(claims)] and runs == 2
    assert "short of deconvolution with the true kernel" in lines[len(claims) + 1]


def test_kernel_history_figure_shows_every_snapshot(study):
    _, cases, sweep = study
    result = sweep.runs["SelfDeblur-J", cases[1].name, 0]
    row = sweep.scores.query("method == 'SelfDeblur-J' and case == @cases[1].name").iloc[0]
    fig = report.kernel_history_figure(result, row, cases[1].kernel, "[t]")
    assert len(fig.axes) == len(result.snapshots)
    assert f"the true kernel's support is {kernel_support(cases[1].kernel)} taps" in fig._suptitle.get_text()


def test_what_if_runs_compare_configurations_on_one_case(study, tmp_path):
    _, cases, sweep = study
    base = sweep.runs["SelfDeblur-J", cases[0].name, 0].config
    table = compare_configs(cases[0], {"base": base, "seed 3": dataclasses.replace(base, seed=3)}, cache_dir=tmp_path)
    assert list(table.index) == ["base", "seed 3"] and list(table.columns) == ["PSNR (dB)", "kernel similarity"]
    assert table.loc["base", "PSNR (dB)"] == pytest.approx(
        sweep.runs["SelfDeblur-J", cases[0].name, 0].history.dropna(subset=["psnr"])["psnr"].iloc[-1], abs=1e-3
    )


def test_explorers_build_their_widgets(study, benchmark, tmp_path):
    settings, cases, sweep = study
    names = [c.name for c in cases]
    snapshot = report.snapshot_explorer(sweep.runs, names, "[t]")
    assert [child.description for child in snapshot.children[:4]] == ["run", "case", "seed", "iteration"]
    side_by_side = report.joint_alternating_explorer(sweep.runs, names, (0,), "[t]")
    assert side_by_side.children[2].value == max(side_by_side.children[2].options)
    runner = report.case_runner(benchmark, settings, seed=0, loss="paper", cache_dir=tmp_path, tag="[t]")
    assert runner.children[0].children[2].description == "Run SelfDeblur-J (8 it.)"


def test_timing_line_gives_the_runs_computed_time_even_from_the_cache(study):
    _, _, sweep = study
    runs = sweep.blind_scores.assign(cached=True, seconds=30.0)
    others = sweep.scores[~sweep.scores.index.isin(runs.index)]
    cached_sweep = dataclasses.replace(sweep, scores=pd.concat([others, runs]))
    line = report.timing_line(cached_sweep, 12.0, "[t]")
    # 6 main runs and the seed study's extra one; the study's rows keep their own (uncached) times
    assert line.startswith("[t] notebook time 0.2 min; its 7 SelfDeblur runs took ")
    assert "(6 of them loaded from cache here)" in line
