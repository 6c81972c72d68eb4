from deblur_core.reproduce import notebooks, run_all, summary


def test_every_notebook_runs_under_smoke_and_is_reported(tmp_path):
    report = run_all("smoke", tmp_path)
    assert [name for name, _, _ in report] == [n.name for n in notebooks()]
    assert all(status == "ok" for _, _, status in report)
    for name, _, _ in report:
        assert (tmp_path / name).is_file()
    text = summary(report, "smoke", tmp_path)
    assert "03_selfdeblur.ipynb" in text and "table1_alternating_vs_joint.md" in text
