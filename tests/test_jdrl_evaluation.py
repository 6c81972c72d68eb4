import numpy as np
import pytest
import torch
from scipy import ndimage

from deblur_core.jdrl.evaluation import deblur_images, evaluate_outputs, score_output
from deblur_core.models.unet import UNet


@pytest.fixture(scope="module")
def scene():
    rng = np.random.default_rng(0)
    image = ndimage.gaussian_filter(rng.random((65, 71, 3)), (1.5, 1.5, 0))
    return (image - image.min()) / np.ptp(image)


def test_deformed_protocol_forgives_a_shift_the_aligned_one_does_not(scene):
    shifted = np.roll(scene, (2, -3), axis=(0, 1))  # an output that moved the content
    scores = score_output(shifted, scene, aligned_sharp=scene)
    assert scores["PSNR (deformed GT)"] > scores["PSNR (aligned)"] + 10
    assert scores["MAE (deformed GT)"] < scores["MAE (aligned)"] / 3


def test_identical_images_score_perfectly(scene):
    scores = score_output(scene, scene, aligned_sharp=scene)
    assert scores["PSNR (aligned)"] == np.inf and scores["SSIM (aligned)"] == pytest.approx(1.0)


def test_bad_shapes(scene):
    with pytest.raises(ValueError, match="one shape"):
        score_output(scene, scene[:-1])
    with pytest.raises(ValueError, match="too small"):
        score_output(scene[:20, :20], scene[:20, :20])


def test_deblur_and_evaluate_a_stack(scene):
    torch.manual_seed(0)
    outputs = deblur_images(UNet(width=2), np.stack([scene, scene]).astype(np.float32))
    assert outputs.shape == (2, 65, 71, 3)
    table = evaluate_outputs(outputs, np.stack([scene] * 2), np.stack([scene] * 2), names=["a", "b"])
    assert list(table["image"]) == ["a", "b"] and "PSNR (deformed GT)" in table
