import numpy as np
import pandas as pd
import pytest

from deblur_core.kernels import delta_kernel, kernel_similarity, random_motion_kernel
from deblur_core.profiles import profile_settings
from deblur_core.selfdeblur.experiment import (
    CLAIMS,
    CLASSICAL,
    ITERATED_CLAIMS,
    VARIANTS,
    budget_curve,
    claims_table,
    classical_row,
    gallery_runs,
    kernel_collapsed,
    kernel_support,
    lowest_loss_pick,
    oversize_label,
    oversized_kernel,
    paired_scores,
    sweep_plan,
    variants_named,
)
from deblur_core.selfdeblur.report import (
    paper_difference,
)


def test_collapse_flags_a_few_dots_not_a_wrong_but_spread_kernel():
    truth = random_motion_kernel(15, seed=3)
    assert not kernel_collapsed(truth, truth)
    assert kernel_collapsed(delta_kernel(15), truth)
    # the truth's three brightest taps: the 2-3-dot kernel a reader calls collapsed, whatever its similarity
    dots = np.where(truth >= np.sort(truth.ravel())[-3], truth, 0)
    assert kernel_collapsed(dots / dots.sum(), truth)
    spread = np.ones((15, 15)) / 225  # a box: wrong (low similarity to a thin streak), but not collapsed
    assert not kernel_collapsed(spread, truth) and kernel_similarity(truth, spread) < 0.5
    with pytest.raises(ValueError, match="no positive mass"):
        kernel_support(np.zeros((3, 3)))


def test_a_delta_is_not_a_collapse_when_the_truth_is_one_tap():
    assert not kernel_collapsed(delta_kernel(7), delta_kernel(7))


def test_oversized_kernels_stay_odd():
    assert [oversized_kernel(s, 1.5) for s in (9, 11, 13, 17)] == [15, 17, 21, 27]
    assert oversized_kernel(7, 1.0) == 7
    with pytest.raises(ValueError, match="positive"):
        oversized_kernel(7, 0)


class Case:
    def __init__(self, name, size):
        self.name, self.estimation_size = name, size


def test_plan_runs_every_variant_case_and_seed_then_the_oversized_kernel():
    settings = profile_settings("selfdeblur", "smoke")
    plan = sweep_plan([Case("a", 9), Case("b", 7)], settings, seeds=(0, 1), oversize_factor=1.5)
    assert len(plan) == len(VARIANTS) * 4 + 4
    assert [m for m, *_ in plan[:4]] == ["SelfDeblur-J"] * 4  # variant by variant
    oversized = [(c.name, s, cfg.kernel_size) for m, c, s, cfg in plan if m == oversize_label(1.5)]
    assert oversized == [("a", 0, (15, 15)), ("a", 1, (15, 15)), ("b", 0, (11, 11)), ("b", 1, (11, 11))]
    seeds = {cfg.seed for _, _, _, cfg in plan}
    assert seeds == {0, 1}


def test_seed_study_adds_only_the_reference_runs_the_main_design_lacks():
    settings = profile_settings("selfdeblur", "smoke")
    cases = [Case("a", 9), Case("b", 7), Case("c", 5)]
    plan = sweep_plan(cases, settings, seeds=(0,), seed_study={"cases": 2, "seeds": (0, 1, 2)})
    assert len(plan) == len(VARIANTS) * 3 + 4
    extra = [(m, c.name, s) for m, c, s, _ in plan[len(VARIANTS) * 3 :]]
    assert extra == [
        ("SelfDeblur-J", "a", 1),
        ("SelfDeblur-J", "a", 2),
        ("SelfDeblur-J", "b", 1),
        ("SelfDeblur-J", "b", 2),
    ]
    assert [cfg.seed for *_, cfg in plan[len(VARIANTS) * 3 :]] == [1, 2, 1, 2]
    with pytest.raises(ValueError, match="seed study needs between 1 and 3 cases"):
        sweep_plan(cases, settings, seeds=(0,), seed_study={"cases": 4, "seeds": (0, 1)})


def test_long_tests_tables_1_and_3_on_at_least_six_independent_real_cases():
    long = profile_settings("selfdeblur", "long")
    assert len(set(map(tuple, long.cases))) >= 6
    assert long.data == "levin" and {"SelfDeblur-J", "SelfDeblur-A"} <= set(long.variants)
    assert len({kernel for _, kernel in long.cases}) == 8  # every recorded kernel once
    # Table 2's generators: every one in paper (the claims) and smoke (the code paths); quick keeps Table 1's two
    for profile in ("paper", "smoke"):
        assert set(profile_settings("selfdeblur", profile).variants) == set(VARIANTS)
    assert profile_settings("selfdeblur", "quick").variants == ("SelfDeblur-J", "SelfDeblur-A")


def test_variants_are_named_in_order_and_an_unknown_name_is_a_clear_error():
    assert list(variants_named(["SelfDeblur-A", "Double-DIP"])) == ["SelfDeblur-A", "Double-DIP"]
    with pytest.raises(ValueError, match="unknown variant.*'SelfDeblur-X'.*use any of SelfDeblur-J"):
        variants_named(["SelfDeblur-J", "SelfDeblur-X"])
    quick_with_table2 = profile_settings("selfdeblur", "quick", variants=list(VARIANTS))
    assert quick_with_table2.variants == tuple(VARIANTS)


def _scores(j_minus_a: list[float]):
    rows = []
    for i, gap in enumerate(j_minus_a):
        case, seed = f"case{i // 2}", i % 2
        rows.append({"case": case, "seed": seed, "method": "SelfDeblur-J", "PSNR": 25 + gap, "SSIM": 0.8})
        rows.append({"case": case, "seed": seed, "method": "SelfDeblur-A", "PSNR": 25.0, "SSIM": 0.8})
    return pd.DataFrame(rows)


def test_claims_pair_by_case_and_seed_and_give_verdicts():
    gaps = [1.0, 1.2, 0.9, 1.1, 1.3, 0.8, 1.0, 1.05, 0.95, 1.15, 1.1, 0.85]
    table = claims_table(_scores(gaps), claims=[("SelfDeblur-J", "SelfDeblur-A")], metrics=("PSNR",), profile="test")
    row = table.iloc[0]
    assert row["claim"] == "SelfDeblur-J > SelfDeblur-A" and row["paired samples"] == 12 and row["clusters"] == 6
    assert row["verdict"] == "confirmed" and row["mean difference"] == pytest.approx(np.mean(gaps))
    four_cases = claims_table(_scores(gaps[:8]), claims=[("SelfDeblur-J", "SelfDeblur-A")], metrics=("PSNR",))
    assert four_cases.iloc[0]["verdict"] == "inconclusive"  # 4 cases are too few independent units
    mixed = claims_table(
        _scores([1.0, 1.1, -1.2, -0.9, 0.3, -0.2, 0.1, -0.4]),
        claims=[("SelfDeblur-J", "SelfDeblur-A")],
        metrics=("PSNR",),
    )
    assert mixed.iloc[0]["verdict"] == "inconclusive"


def test_missing_method_is_a_clear_error():
    with pytest.raises(ValueError, match="no scores for Double-DIP"):
        paired_scores(_scores([1.0, 2.0]), "SelfDeblur-J", "Double-DIP", "PSNR")


def test_lowest_loss_pick_reports_whether_it_kept_the_best_seed():
    scores = pd.DataFrame(
        [
            {"case": "a", "seed": 0, "method": "SelfDeblur-J", "PSNR": 24.0, "final loss": 0.010},
            {"case": "a", "seed": 1, "method": "SelfDeblur-J", "PSNR": 26.0, "final loss": 0.005},
            {"case": "b", "seed": 0, "method": "SelfDeblur-J", "PSNR": 27.0, "final loss": 0.020},
            {"case": "b", "seed": 1, "method": "SelfDeblur-J", "PSNR": 25.0, "final loss": 0.004},
        ]
    )
    picks = lowest_loss_pick(scores).set_index("case")
    assert picks.loc["a", "picked the best"] and not picks.loc["b", "picked the best"]
    assert picks.loc["b", "picked seed"] == 1 and picks.loc["b", "mean PSNR"] == pytest.approx(26.0)


class _Run:
    def __init__(self, psnr_by_iteration):
        iterations = sorted(psnr_by_iteration)
        self.history = pd.DataFrame(
            {"iteration": iterations, "psnr": [psnr_by_iteration[i] for i in iterations], "loss": 1.0}
        )


def test_budget_curve_tests_each_claim_at_every_logged_iteration():
    rng = np.random.default_rng(0)
    runs = {}
    for case in range(8):
        base = 20 + rng.normal(0, 1)
        for seed in (0,):
            # the joint runs pull ahead as iterations grow; the gap is noise-free enough to confirm at the end
            runs["SelfDeblur-J", f"c{case}", seed] = _Run({i: base + i / 100 + rng.normal(0, 0.05) for i in (0, 200)})
            runs["SelfDeblur-A", f"c{case}", seed] = _Run({i: base + rng.normal(0, 0.05) for i in (0, 100, 200)})
    curve = budget_curve(runs)
    assert list(curve["iteration"]) == [0, 200]  # only iterations both sides logged
    assert set(curve["claim"]) == {"SelfDeblur-J > SelfDeblur-A"}
    start, end = curve.to_dict("records")
    assert start["verdict"] == "inconclusive" and end["verdict"] == "confirmed"
    assert end["mean difference"] == pytest.approx(2, abs=0.1) and end["clusters"] == 8


def test_classical_claim_is_tested_but_not_along_the_budget():
    assert ("SelfDeblur-J", CLASSICAL) in CLAIMS
    assert all(CLASSICAL not in claim for claim in ITERATED_CLAIMS)
    assert paper_difference(f"SelfDeblur-J > {CLASSICAL}", "PSNR") == pytest.approx(33.07 - 32.69)
    assert np.isnan(paper_difference("SelfDeblur-J > SelfDeblur k−", "error ratio"))


def test_classical_row_scores_the_estimator_then_the_non_blind_step(tmp_path):
    from deblur_core.data.levin import crop_case, levin_like_benchmark
    from deblur_core.evaluation import known_kernel_reference, score

    case = crop_case(levin_like_benchmark(tmp_path, scale=0.5)[0], 95)
    _, reference_sse = known_kernel_reference(case.blurry, case.sharp, case.kernel)
    row = classical_row(case, reference_sse)
    assert row["method"] == CLASSICAL and 0 <= row["kernel similarity"] <= 1
    assert row["error ratio"] >= 0.5 and np.isfinite(row["PSNR"])
    blurry = score(case.blurry, case.sharp, reference_sse)
    assert row["PSNR"] > blurry.psnr  # the estimate deblurs this easy case at all


def test_gallery_runs_span_best_to_worst_gain_over_the_input():
    runs = pd.DataFrame({"case": ["a", "a", "b", "b", "c"], "seed": [0, 1, 0, 1, 0], "PSNR": [20, 25, 30, 31, 22]})
    inputs = pd.DataFrame({"method": "blurry input", "case": ["a", "b", "c"], "PSNR": [20, 29, 23]})
    # gains: a/0 0, a/1 5, b/0 1, b/1 2, c/0 -1
    assert gallery_runs(runs, inputs, count=3) == [("a", 1), ("b", 0), ("c", 0)]
    assert len(gallery_runs(runs, inputs, count=10)) == 5
    with pytest.raises(ValueError, match="at least 1 run"):
        gallery_runs(runs, inputs, count=0)
