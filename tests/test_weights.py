import json

import torch

from deblur_core import weights


def _package_in(tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path / "package")
    monkeypatch.setattr(weights, "MANIFEST", tmp_path / "package" / "manifest.json")
    (tmp_path / "package").mkdir()


def test_shipping_equal_weights_again_changes_no_file(tmp_path, monkeypatch):
    _package_in(tmp_path, monkeypatch)
    source = tmp_path / "run.pt"
    torch.save({"layer.weight": torch.arange(4.0)}, source)
    target = weights.ship(source, "net.pt", "long", psnr=30.1)
    # as if shipped on an earlier day: a re-execution from cache must keep that date and the file's bytes
    entries = weights.manifest()
    entries["net.pt"]["trained"] = "2026-01-01"
    weights.MANIFEST.write_text(json.dumps(entries))
    torch.save({"layer.weight": torch.arange(4.0)}, source)  # same values, a new file
    shipped_bytes = target.read_bytes()
    weights.ship(source, "net.pt", "long", psnr=30.1)
    assert target.read_bytes() == shipped_bytes and weights.manifest()["net.pt"]["trained"] == "2026-01-01"
    torch.save({"layer.weight": torch.arange(4.0) + 1}, source)  # retrained: new values, today's date
    weights.ship(source, "net.pt", "long", psnr=30.4)
    entry = weights.manifest()["net.pt"]
    assert entry["trained"] != "2026-01-01" and entry["psnr"] == 30.4
    assert torch.equal(torch.load(target, weights_only=True)["layer.weight"], torch.arange(4.0) + 1)


def test_a_model_card_is_kept_but_left_out_of_the_one_line_description(tmp_path, monkeypatch):
    _package_in(tmp_path, monkeypatch)
    source = tmp_path / "run.pt"
    torch.save({"layer.weight": torch.arange(4.0)}, source)
    card = {"trained_for": "defocus discs of radius 0 to 7 px", "held_out_gain_db": 1.2}
    weights.ship(source, "net.pt", "long", seed=0, **{weights.MODEL_CARD: card})
    assert weights.model_card("net.pt") == card and weights.model_card("other.pt") == {}
    line = weights.describe_shipped("net.pt")
    assert "seed 0" in line and "trained_for" not in line


def test_jdrl_deblur_help_quotes_the_shipped_blur_range(monkeypatch):
    from deblur_core import cli

    monkeypatch.setattr(weights, "model_card", lambda name: {"trained_for": "discs of radius 0 to 7 px"})
    parser = cli.build_parser()
    help_text = next(
        action.choices["jdrl-deblur"].format_help()
        for action in parser._actions
        if getattr(action, "choices", None) and "jdrl-deblur" in action.choices
    )
    assert "trained for discs of radius 0 to 7 px" in " ".join(help_text.split())
    monkeypatch.setattr(weights, "model_card", lambda name: {})
    assert "trained for" not in cli.build_parser().format_help()
