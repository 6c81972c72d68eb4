import numpy as np
import pytest
import torch

from deblur_core.deconv import deconvolve_hyper_laplacian, generalized_shrinkage
from deblur_core.kernels import random_motion_kernel
from deblur_core.metrics import psnr
from deblur_core.physics.blur import convolve


def scene(size=81, seed=0):
    rng = np.random.default_rng(seed)
    blocks = np.kron(rng.random((size // 9 + 1, size // 9 + 1)), np.ones((9, 9)))[:size, :size]
    return blocks


def test_shrinkage_solves_the_scalar_problem():
    v = np.linspace(-2, 2, 41)
    alpha, beta = 2 / 3, 4.0
    w = generalized_shrinkage(v, alpha, beta)
    grid = np.linspace(-3, 3, 60001)
    for vi, wi in zip(v, w):
        objective = np.abs(grid) ** alpha + beta / 2 * (grid - vi) ** 2
        best = objective.min()
        assert np.abs(wi) ** alpha + beta / 2 * (wi - vi) ** 2 <= best + 1e-4


def test_deconvolution_restores_a_blurred_image():
    sharp = scene(size=81)
    kernel = random_motion_kernel(11, seed=2)
    pad = 5
    large = np.pad(sharp, pad, mode="reflect")
    blurry = convolve(torch.from_numpy(large), torch.from_numpy(kernel), "valid").numpy()
    restored = deconvolve_hyper_laplacian(blurry, kernel)
    inner = (slice(10, -10), slice(10, -10))
    assert psnr(restored[inner], sharp[inner]) > psnr(blurry[inner], sharp[inner]) + 5


def test_wrong_kernel_is_worse_than_true_kernel():
    sharp = scene(size=81, seed=3)
    kernel = random_motion_kernel(13, seed=4)
    blurry = convolve(torch.from_numpy(np.pad(sharp, 6, mode="reflect")), torch.from_numpy(kernel), "valid").numpy()
    good = deconvolve_hyper_laplacian(blurry, kernel)
    wrong = deconvolve_hyper_laplacian(blurry, kernel[::-1, ::-1])
    assert psnr(good, sharp) > psnr(wrong, sharp) + 1


def test_bad_inputs():
    with pytest.raises(ValueError, match="boundary"):
        deconvolve_hyper_laplacian(np.zeros((9, 9)), np.ones((3, 3)), boundary="zero")
    with pytest.raises(ValueError, match="NaN"):
        deconvolve_hyper_laplacian(np.full((9, 9), np.nan), np.ones((3, 3)))
    with pytest.raises(ValueError, match="one grey channel"):
        deconvolve_hyper_laplacian(np.zeros((9, 9, 3)), np.ones((3, 3)))
