import pytest

from deblur_core.profiles import BUDGET_MINUTES, sections_with
from deblur_core.reproduce import NOTEBOOK_DIR, NOTEBOOK_SECTIONS, notebook_parameters, notebooks, run_all, summary


@pytest.mark.slow
def test_every_notebook_runs_under_smoke_and_is_reported(tmp_path, capfd, caplog):
    report = run_all("smoke", tmp_path)
    assert [name for name, _, _ in report] == [n.name for n in notebooks()]
    assert all(status == "ok" for _, _, status in report)
    for name, _, _ in report:
        assert (tmp_path / name).is_file()
    text = summary(report, "smoke", tmp_path)
    assert "03_selfdeblur.ipynb" in text and "table1_alternating_vs_joint.md" in text
    assert f"of {BUDGET_MINUTES['smoke']} min" in text
    printed = capfd.readouterr()
    # kernels run on IPC transport: no plain-text TCP warning; the notebooks' printed results go to papermill's
    # logger, which reproduce points at the terminal (under pytest, its log capture holds them)
    assert "without encryption" not in printed.out + printed.err + caplog.text
    assert "[smoke]" in caplog.text


def test_every_notebook_names_its_profile_section():
    assert set(NOTEBOOK_SECTIONS) == {n.name for n in notebooks()}


def test_a_profile_missing_from_a_section_is_skipped_and_reported(tmp_path):
    assert {"selfdeblur", "regions", "jdrl"} <= set(sections_with("long"))
    # the report is formatted the same whichever section lacks the profile
    report = [
        ("01_region_selection.ipynb", 3000.0, "ok"),
        ("02_jdrl_ablation.ipynb", 0.0, "skipped: profile 'long' is not defined for jdrl yet"),
        ("03_selfdeblur.ipynb", 4000.0, "ok"),
    ]
    text = summary(report, "long", tmp_path)
    assert "skipped: profile 'long'" in text
    assert text.count("OVER BUDGET") == 1


def test_the_scheduler_goes_only_to_notebooks_that_take_one():
    takes = {p.name: notebook_parameters(p, "long", "local:2") for p in sorted(NOTEBOOK_DIR.glob("*.ipynb"))}
    assert takes["01_region_selection.ipynb"] == {"PROFILE": "long", "SCHEDULER": "local:2"}
    assert takes["03_selfdeblur.ipynb"] == {"PROFILE": "long", "SCHEDULER": "local:2"}
    assert takes["02_jdrl_ablation.ipynb"] == {"PROFILE": "long"}
    assert notebook_parameters(NOTEBOOK_DIR / "03_selfdeblur.ipynb", "quick", None) == {"PROFILE": "quick"}
