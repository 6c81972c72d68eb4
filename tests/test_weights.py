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
