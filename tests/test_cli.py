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
        "rgba": save(folder / "blurry_rgba.png",
                     np.dstack([(np.stack([blurry] * 3, -1) * 255).astype(np.uint8), np.full(blurry.shape, 255, np.uint8)])),
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
    code, stdout, _ = run_cli(capsys, "selfdeblur", blurry_png[kind], "--kernel-size", "7", "--iterations", "3",
                              "--profile", "smoke", "--out", str(out))
    assert code == 0
    assert len(stdout.strip().splitlines()) == 1 and "latent.png" in stdout
    for name in ("latent.png", "kernel.png", "kernel.npy", "history.csv"):
        assert (out / name).is_file()
    kernel = np.load(out / "kernel.npy")
    assert kernel.shape == (7, 7) and abs(kernel.sum() - 1) < 1e-5
    latent = skio.imread(out / "latent.png")
    assert latent.shape[:2] == (53, 53) and (latent.ndim == 3) == (kind != "grey")


def test_selfdeblur_second_run_comes_from_cache(blurry_png, tmp_path, capsys):
    args = ("selfdeblur", blurry_png["grey"], "--kernel-size", "7", "--iterations", "2", "--profile", "smoke",
            "--out", str(tmp_path))
    assert run_cli(capsys, *args)[0] == 0
    code, stdout, _ = run_cli(capsys, *args)
    assert code == 0 and "loaded from cache" in stdout


@pytest.mark.parametrize("args, message", [
    (["--kernel-size", "8"], "odd"),
    (["--kernel-size", "41"], "too large"),
    (["--kernel-size", "7", "--iterations", "0"], "must be positive"),
])
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
