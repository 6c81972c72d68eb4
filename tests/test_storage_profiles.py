import dataclasses
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
    assert paper.iterations == 5000 and paper.channels == 128 and paper.cases == "all"
    for name in PROFILES:
        assert profile_settings("selfdeblur", name).profile == name


@pytest.mark.parametrize("profile", PROFILES)
def test_every_field_a_profile_hands_on_reaches_the_config(profile):
    regions = profile_settings("regions", profile)
    classifier = regions.classifier_config(seed=5)
    for field in ("input_size", "width", "blocks", "epochs", "batch_size", "learning_rate"):
        assert getattr(classifier, field) == getattr(regions, field), field
    assert classifier.seed == 5

    jdrl = profile_settings("jdrl", profile)
    training = jdrl.training_config(seed=3)
    for field in (
        "width",
        "reblur_width",
        "epochs",
        "warmup_epochs",
        "learning_rate",
        "halve_every",
        "crop",
        "schedule",
        "lr_warmup",
        "dropout",
        "flips",
    ):
        assert getattr(training, field) == getattr(jdrl, field), field
    assert (training.batch_size, training.output, training.seed) == (jdrl.batch_size, jdrl.output, 3)

    selfdeblur = profile_settings("selfdeblur", profile)
    run = selfdeblur.run_config(kernel_size=13, seed=2, loss="paper", variant={"mode": "alternating"})
    for field in ("iterations", "channels", "snapshot_count", "eval_every"):
        assert getattr(run, field) == getattr(selfdeblur, field), field
    assert (run.kernel_size, run.seed, run.loss, run.mode) == ((13, 13), 2, "paper", "alternating")


def test_settings_are_frozen_and_overridden_by_replace():
    settings = profile_settings("selfdeblur", "smoke", iterations=None, channels=8)
    assert settings.channels == 8 and settings.iterations == profile_settings("selfdeblur", "smoke").iterations
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.crop = None
    assert dataclasses.replace(settings, crop=None).crop is None  # a field that may be None is set this way


def test_a_profile_trains_the_variants_it_names_and_refuses_unknown_ones():
    long = profile_settings("jdrl", "long")
    assert "#5 w/o isotropic design" not in long.variants_trained()
    assert list(long.variants_trained())[0] == "#1 baseline" and "final" in long.variants_trained()
    assert len(profile_settings("jdrl", "quick").variants_trained()) == 7
    with pytest.raises(ValueError, match="include final and #1 baseline"):
        dataclasses.replace(long, variants=("final", "#7 made up"))
    with pytest.raises(ValueError, match="include final and #1 baseline"):
        dataclasses.replace(long, variants=("final",))
