import json

import numpy as np
import pytest
from skimage import io as skio

from deblur_core.cli import main
from deblur_core.kernels import random_motion_kernel
from deblur_core.physics.blur import convolve


def save(path, array):
    skio.imsave(path, array, check_contrast=False)
    return str(path)


@pytest.fixture(scope="module")
def blurry_png(tmp_path_factory):
    import torch
    from scipy import ndimage

    folder = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    sharp = ndimage.gaussian_filter(rng.random((59, 59)), 1.2)
    sharp = (sharp - sharp.min()) / np.ptp(sharp)
    blurry = convolve(torch.from_numpy(sharp), torch.from_numpy(random_motion_kernel(7, seed=0)), "valid").numpy()
    sharp_crop = sharp[3:-3, 3:-3]
    return {
        "grey": save(folder / "blurry.png", (blurry * 255).astype(np.uint8)),
        "rgb16": save(folder / "blurry16.tif", (np.stack([blurry] * 3, -1) * 65535).astype(np.uint16)),
        "rgba": save(
            folder / "blurry_rgba.png",
            np.dstack([(np.stack([blurry] * 3, -1) * 255).astype(np.uint8), np.full(blurry.shape, 255, np.uint8)]),
        ),
        "sharp": save(folder / "sharp.png", (sharp_crop * 255).astype(np.uint8)),
        "folder": folder,
    }


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("kind", ["grey", "rgb16", "rgba"])
def test_selfdeblur_writes_all_outputs(blurry_png, tmp_path, capsys, kind):
    out = tmp_path / kind
    code, stdout, _ = run_cli(
        capsys,
        "selfdeblur",
        blurry_png[kind],
        "--kernel-size",
        "7",
        "--iterations",
        "3",
        "--profile",
        "smoke",
        "--out",
        str(out),
    )
    assert code == 0
    assert len(stdout.strip().splitlines()) == 1 and "latent.png" in stdout
    for name in ("latent.png", "kernel.png", "kernel.npy", "history.csv"):
        assert (out / name).is_file()
    kernel = np.load(out / "kernel.npy")
    assert kernel.shape == (7, 7) and abs(kernel.sum() - 1) < 1e-5
    latent = skio.imread(out / "latent.png")
    assert latent.shape[:2] == (53, 53) and (latent.ndim == 3) == (kind != "grey")


@pytest.mark.parametrize(
    "recipe, loss, schedule", [("authors", "mse-then-ssim", "fixed"), ("paper", "paper", "scaled")]
)
def test_selfdeblur_recipe_sets_loss_and_schedule(blurry_png, tmp_path, capsys, recipe, loss, schedule):
    argv = ["--kernel-size", "7", "--iterations", "2", "--profile", "smoke", "--out", str(tmp_path)]
    code, stdout, _ = run_cli(capsys, "selfdeblur", blurry_png["grey"], *argv, "--recipe", recipe)
    assert code == 0 and f"{recipe} recipe" in stdout
    (saved,) = (tmp_path / ".cache").glob("*/config.json")
    config = json.loads(saved.read_text())
    assert (config["loss"], config["schedule"]) == (loss, schedule)


def test_selfdeblur_second_run_comes_from_cache(blurry_png, tmp_path, capsys):
    args = (
        "selfdeblur",
        blurry_png["grey"],
        "--kernel-size",
        "7",
        "--iterations",
        "2",
        "--profile",
        "smoke",
        "--out",
        str(tmp_path),
    )
    assert run_cli(capsys, *args)[0] == 0
    code, stdout, _ = run_cli(capsys, *args)
    assert code == 0 and "loaded from cache" in stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--kernel-size", "8"], "odd"),
        (["--kernel-size", "41"], "too large"),
        (["--kernel-size", "7", "--iterations", "0"], "must be positive"),
    ],
)
def test_selfdeblur_bad_arguments(blurry_png, capsys, args, message):
    code, _, err = run_cli(capsys, "selfdeblur", blurry_png["grey"], *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_selfdeblur_bad_files(blurry_png, tmp_path, capsys):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    code, _, err = run_cli(capsys, "selfdeblur", str(broken), "--kernel-size", "7")
    assert code == 2 and "cannot read" in err
    code, _, err = run_cli(capsys, "selfdeblur", str(tmp_path / "missing.png"), "--kernel-size", "7")
    assert code == 2 and "no image file" in err
    tiny = save(tmp_path / "tiny.png", np.zeros((5, 5), np.uint8))
    code, _, err = run_cli(capsys, "selfdeblur", tiny, "--kernel-size", "7")
    assert code == 2 and "too large" in err


def test_evaluate(blurry_png, capsys, tmp_path):
    code, stdout, _ = run_cli(capsys, "evaluate", blurry_png["sharp"], blurry_png["sharp"])
    assert code == 0 and "PSNR inf dB" in stdout and "SSIM 1.0000" in stdout
    other = save(tmp_path / "other.png", np.zeros((20, 20), np.uint8))
    code, _, err = run_cli(capsys, "evaluate", other, blurry_png["sharp"])
    assert code == 2 and "one size" in err


def run_joined(capsys, *argv):
    code, out, err = run_cli(capsys, *argv)
    return code, out + err


def test_estimate_kernel_writes_png_and_npy(blurry_png, capsys, tmp_path):
    out = tmp_path / "k.png"
    code, text = run_joined(capsys, "estimate-kernel", blurry_png["grey"], "--kernel-size", "9", "--out", str(out))
    assert code == 0 and "9x9 kernel from the whole image" in text and " s -> " in text
    kernel = np.load(tmp_path / "k.npy")
    assert kernel.shape == (9, 9) and np.isclose(kernel.sum(), 1) and (kernel >= 0).all() and out.exists()
    code, text = run_joined(
        capsys, "estimate-kernel", blurry_png["rgb16"], "--kernel-size", "7", "--window", "2,3,41,45", "--out", str(out)
    )
    assert code == 0 and "window 2,3,41,45" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--kernel-size", "8"], "odd"),
        (["--kernel-size", "9", "--window", "40,40,30,30"], "does not fit"),
        (["--kernel-size", "9", "--window", "1,2,3"], "four integers"),
        (["--kernel-size", "21", "--window", "0,0,15,15"], "larger than the image"),
    ],
)
def test_estimate_kernel_rejects_bad_input(blurry_png, capsys, tmp_path, argv, message):
    code, text = run_joined(capsys, "estimate-kernel", blurry_png["grey"], *argv, "--out", str(tmp_path / "k.png"))
    assert code == 2 and message in text and text.count("\n") <= 1


def select_region_with_checkpoint(capsys, blurry_png, selector, checkpoint):
    """``select-region`` on the grey test image with 33 px windows and a ``--checkpoint``."""
    return run_joined(
        capsys,
        "select-region",
        blurry_png["grey"],
        "--selector",
        selector,
        "--size",
        "33",
        "--checkpoint",
        str(checkpoint),
    )


def test_select_region_prints_the_best_window(blurry_png, capsys):
    code, text = run_joined(
        capsys, "select-region", blurry_png["grey"], "--selector", "xujia", "--size", "33", "--stride", "8"
    )
    assert code == 0 and "xujia: best of 16 windows" in text and "--window" in text


def test_select_region_with_trained_models(blurry_png, capsys, tmp_path):
    from deblur_core import storage
    from deblur_core.models.region_classifier import RegionClassifier, save_classifier
    from deblur_core.regions.selectors import GaborSelector
    from deblur_core.regions.windows import window_grid

    save_classifier(tmp_path / "cnn.pt", RegionClassifier(input_size=33, width=2, blocks=(1, 1, 1, 1)))
    code, text = select_region_with_checkpoint(capsys, blurry_png, "cnn", tmp_path / "cnn.pt")
    assert code == 0 and text.startswith(f"using weights {tmp_path / 'cnn.pt'}\ncnn: best of")
    image = np.random.default_rng(0).random((53, 53))
    windows = window_grid(image.shape, 33, 10)
    gabor = GaborSelector().fit([image], [windows], [np.arange(len(windows)) % 2])
    storage.save_npz(tmp_path / "gabor.npz", **gabor.state_dict())
    code, text = select_region_with_checkpoint(capsys, blurry_png, "gabor", tmp_path / "gabor.npz")
    assert code == 0 and text.startswith(f"using weights {tmp_path / 'gabor.npz'}\ngabor: best of")


@pytest.mark.parametrize("selector", ["cnn", "gabor"])
def test_select_region_uses_the_shipped_weights_without_checkpoint(tmp_path, capsys, selector):
    # the shipped classifier reads 100 px windows, so the image must hold some
    image = save(tmp_path / "large.png", (np.random.default_rng(1).random((161, 161)) * 255).astype(np.uint8))
    code, text = run_joined(capsys, "select-region", image, "--selector", selector, "--size", "101", "--stride", "30")
    assert code == 0 and text.startswith("using shipped ") and f"{selector}: best of" in text
    assert "trained by the long profile" in text


def test_select_region_says_how_to_get_weights_when_none_ship(blurry_png, capsys, tmp_path, monkeypatch):
    from deblur_core import weights

    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path)
    monkeypatch.setattr(weights, "MANIFEST", tmp_path / "manifest.json")
    code, text = run_joined(capsys, "select-region", blurry_png["grey"], "--selector", "cnn", "--size", "33")
    assert code == 2 and "no shipped weights named 'region_classifier.pt'" in text and "--checkpoint" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--selector", "fergus", "--size", "80"], "larger than the image"),
        (["--selector", "fergus", "--size", "33", "--checkpoint", "x.pt"], "takes no --checkpoint"),
    ],
)
def test_select_region_rejects_bad_input(blurry_png, capsys, argv, message):
    code, text = run_joined(capsys, "select-region", blurry_png["grey"], *argv)
    assert code == 2 and message in text


def test_select_region_rejects_a_checkpoint_of_another_architecture(blurry_png, capsys, tmp_path):
    import torch

    torch.save({"conv1.weight": torch.zeros(64, 3, 7, 7), "fc.weight": torch.zeros(1000, 512)}, tmp_path / "r34.pt")
    code, text = select_region_with_checkpoint(capsys, blurry_png, "cnn", tmp_path / "r34.pt")
    assert code == 2 and "error:" in text and text.count("\n") <= 1


def test_jdrl_deblur_applies_a_checkpoint(blurry_png, capsys, tmp_path):
    import torch

    from deblur_core.models.region_classifier import RegionClassifier, save_classifier
    from deblur_core.models.unet import UNet, save_unet

    torch.manual_seed(0)
    save_unet(tmp_path / "unet.pt", UNet(width=2))
    for kind in ("grey", "rgb16"):
        out = tmp_path / f"{kind}.png"
        code, text = run_joined(
            capsys, "jdrl-deblur", blurry_png[kind], "--checkpoint", str(tmp_path / "unet.pt"), "--out", str(out)
        )
        assert code == 0 and out.exists() and "deblurred" in text
        assert text.startswith(f"using weights {tmp_path / 'unet.pt'}")
    save_classifier(tmp_path / "cnn.pt", RegionClassifier(input_size=33, width=2, blocks=(1, 1, 1, 1)))
    code, text = run_joined(capsys, "jdrl-deblur", blurry_png["grey"], "--checkpoint", str(tmp_path / "cnn.pt"))
    assert code == 2 and "expected one of UNet" in text


def test_jdrl_deblur_uses_the_shipped_unet_without_checkpoint(blurry_png, capsys, tmp_path):
    out = tmp_path / "deblurred.png"
    code, text = run_joined(capsys, "jdrl-deblur", blurry_png["rgb16"], "--out", str(out))
    assert code == 0 and out.exists(), text
    assert text.startswith("using shipped jdrl_unet.pt (trained by the long profile")


def test_jdrl_deblur_says_how_to_get_weights_when_none_ship(blurry_png, capsys, tmp_path, monkeypatch):
    from deblur_core import weights

    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path)
    monkeypatch.setattr(weights, "MANIFEST", tmp_path / "manifest.json")
    code, text = run_joined(capsys, "jdrl-deblur", blurry_png["rgb16"])
    assert code == 2 and "no shipped weights named 'jdrl_unet.pt'" in text and "02: JDRL UNet" in text


def test_train_region_classifier_defaults_are_the_default_profiles():
    from deblur_core.cli import build_parser
    from deblur_core.profiles import DEFAULT_PROFILE, profile_settings

    args = build_parser().parse_args(["train-region-classifier", "windows.npz", "--out", "c.pt"])
    quick = profile_settings("regions", DEFAULT_PROFILE)
    handed_on = {"epochs": "epochs", "width": "width", "batch_size": "batch_size", "learning_rate": "learning_rate"}
    assert {field: getattr(args, arg) for arg, field in handed_on.items()} == {
        f: getattr(quick, f) for f in handed_on.values()
    }
    assert args.blocks == ",".join(map(str, quick.blocks))


def test_train_jdrl_ships_only_a_final_long_or_paper_run(capsys, tmp_path):
    code, text = run_joined(capsys, "train-jdrl", "--profile", "smoke", "--out", str(tmp_path / "u.pt"), "--ship")
    assert code == 2 and "--ship ships the final variant of a long or paper run" in text
    code, text = run_joined(
        capsys, "train-jdrl", "--profile", "long", "--variant", "#1 baseline", "--out", str(tmp_path / "u.pt"), "--ship"
    )
    assert code == 2 and "use --variant final --profile long" in text
    code, text = run_joined(
        capsys, "train-jdrl", "--profile", "smoke", "--out", str(tmp_path / "u.pt"), "--epochs", "0"
    )
    assert code == 2 and "--epochs must be a positive number" in text


def test_train_jdrl_ship_scores_the_held_out_scenes_and_writes_the_model_card(tmp_path, monkeypatch):
    import argparse
    from dataclasses import replace

    from deblur_core import cli, weights
    from deblur_core.jdrl.experiment import synthetic_splits
    from deblur_core.jdrl.training import VARIANTS, train_jdrl
    from deblur_core.models.unet import save_unet
    from deblur_core.profiles import profile_settings

    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path / "package")
    monkeypatch.setattr(weights, "MANIFEST", tmp_path / "package" / "manifest.json")
    (tmp_path / "package").mkdir()
    settings = profile_settings("jdrl", "smoke")
    train, test = synthetic_splits(settings)
    result = train_jdrl(
        np.stack([p.blurry for p in train]),
        np.stack([p.sharp for p in train]),
        VARIANTS["final"],
        settings.training_config(0),
        progress=False,
    )
    out = tmp_path / "unet.pt"
    save_unet(out, result.model)
    args = argparse.Namespace(out=str(out), profile="long", seed=0)
    card = cli._ship_jdrl(args, replace(settings, profile="long"), train, test, result)  # as a long run ships
    entry = weights.manifest()["jdrl_unet.pt"]
    assert entry["profile"] == "long" and entry[weights.MODEL_CARD] == card
    assert card["held_out_scenes"] == list(settings.test_scenes) and len(card["held_out_gain_ci_db"]) == 2
    assert (tmp_path / "package" / "jdrl_unet.pt").read_bytes() == out.read_bytes()
