import os

import numpy as np
import pandas as pd
import pytest

from deblur_core import storage
from deblur_core.profiles import PROFILES, profile_settings, resolve_profile


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with storage.atomic_path(target) as tmp:
            tmp.write_text("half-writ")
            raise RuntimeError("crash while writing")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["table.csv"]  # no temporary file left behind


def test_save_table_and_figure(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = pd.DataFrame({"method": ["a"], "PSNR": [30.12346], "missing": [np.nan]})
    csv, md = storage.save_table(frame, tmp_path / "t")
    assert "| a | 30.12 | – |" in md.read_text()
    assert pd.read_csv(csv)["PSNR"][0] == pytest.approx(30.12346)
    fig, _ = plt.subplots()
    monkeypatch.delenv("DEBLUR_FIGURE_FORMATS", raising=False)
    assert [p.suffix for p in storage.save_figure(fig, tmp_path / "f")] == [".png"]
    monkeypatch.setenv("DEBLUR_FIGURE_FORMATS", "png,pdf")
    paths = storage.save_figure(fig, tmp_path / "g")
    assert [p.suffix for p in paths] == [".png", ".pdf"] and all(p.stat().st_size > 0 for p in paths)
    monkeypatch.setenv("DEBLUR_FIGURE_FORMATS", "jpg")
    with pytest.raises(ValueError, match="DEBLUR_FIGURE_FORMATS"):
        storage.save_figure(fig, tmp_path / "h")


def test_profiles(monkeypatch):
    monkeypatch.delenv("DEBLUR_PROFILE", raising=False)
    assert resolve_profile() == "quick"
    monkeypatch.setenv("DEBLUR_PROFILE", "smoke")
    assert resolve_profile() == "smoke"
    assert resolve_profile("paper") == "paper"
    with pytest.raises(ValueError, match="unknown profile"):
        resolve_profile("fast")
    with pytest.raises(ValueError, match="unknown setting"):
        profile_settings("selfdeblur", "smoke", iteration=3)
    paper = profile_settings("selfdeblur", "paper")
    assert paper["iterations"] == 5000 and paper["channels"] == 128 and paper["cases"] == "all"
    for name in PROFILES:
        assert profile_settings("selfdeblur", name)["profile"] == name
