"""Region selectors on the real Levin et al. images (shared copy; CI serves no network)."""

import pytest

from deblur_core.cli import main
from deblur_core.regions.evaluation import BEST_WINDOW, PAPER_CLAIMS

pytestmark = pytest.mark.slow


def test_levin_selectors_scores_every_selector_on_real_images(tmp_path, capsys, monkeypatch, shared_levin):
    monkeypatch.setenv("DEBLUR_LEVIN_DIR", str(shared_levin))
    out = tmp_path / "out"
    # the shipped classifier reads 100 px windows (quick's and long's); one photograph under its 8 recorded kernels
    # and 4 windows per image keep the test short
    argv = ["levin-selectors", "--profile", "quick", "--out", str(out), "--cache-dir", str(tmp_path / "cache")]
    assert main([*argv, "--images", "2", "--stride", "101"]) == 0
    printed = capsys.readouterr().out
    assert "real Levin et al. 2009" in printed and "8 images" in printed and "shipped" in printed
    for stem in ("real_levin_regret", "claims_regret_real_levin"):
        assert (out / f"{stem}.csv").is_file() and (out / f"{stem}.md").is_file()
    assert (out / "claims_real_levin.png").is_file()
    claims = (out / "claims_regret_real_levin.csv").read_text()
    assert all(f"{a} beats {b}" in claims for a, b in PAPER_CLAIMS) and "real Levin" in claims
    regret = (out / "real_levin_regret.csv").read_text().splitlines()
    upper = next(line for line in regret if line.startswith(BEST_WINDOW))
    assert upper.split(",")[1] == "8"  # every image scored, and the best window's regret is 1 by definition
    assert float(upper.split(",")[3]) == pytest.approx(1.0)
    assert main([*argv, "--images", "5"]) == 2
    assert "images are 1, 2, 3 and 4" in capsys.readouterr().err
