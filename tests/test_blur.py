import pytest
import torch

from deblur_core.kernels import flip_kernel, kernel_similarity, random_motion_kernel
from deblur_core.physics.blur import (
    MODES,
    Blur,
    add_gaussian_noise,
    convolve,
    convolve_adjoint,
    fft_convolve,
    kernel_center,
    psf2otf,
)

SHAPES = [(3, 3), (5, 3), (4, 4), (6, 5)]


def rand(*shape, seed=0):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kshape", SHAPES)
def test_adjoint_identity(mode, kshape):
    kernel = rand(*kshape, seed=1)
    x = rand(2, 1, 13, 11, seed=2)
    y = convolve(x, kernel, mode)
    r = rand(*y.shape, seed=3)
    assert torch.allclose((y * r).sum(), (x * convolve_adjoint(r, kernel, mode)).sum(), rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kshape", SHAPES)
def test_fft_path_equals_direct_path(mode, kshape):
    kernel = rand(*kshape, seed=4)
    x = rand(1, 2, 15, 17, seed=5)
    assert torch.allclose(fft_convolve(x, kernel, mode), convolve(x, kernel, mode), atol=1e-12)


def test_true_convolution_not_correlation():
    # an asymmetric kernel: a single tap one row below the centre
    kernel = torch.zeros(3, 3, dtype=torch.float64)
    kernel[2, 1] = 1.0
    x = torch.zeros(1, 1, 7, 7, dtype=torch.float64)
    x[0, 0, 3, 3] = 1.0
    y = convolve(x, kernel, "same")
    # a convolution moves the impulse down by one row (a correlation would move it up)
    assert y[0, 0, 4, 3] == 1.0 and y.sum() == 1.0


@pytest.mark.parametrize("kshape", SHAPES)
def test_kernel_centre_is_identity(kshape):
    kernel = torch.zeros(kshape, dtype=torch.float64)
    kernel[kernel_center(kshape)] = 1.0
    x = rand(1, 1, 9, 11, seed=6)
    for mode in ("same", "circular"):
        assert torch.equal(convolve(x, kernel, mode), x)


def test_valid_mode_output_size_and_selfdeblur_padding():
    x = rand(1, 1, 255 + 26, 255 + 26)
    assert convolve(x, rand(27, 27), "valid").shape[-2:] == (255, 255)


def test_otf_matches_circular_convolution():
    kernel = rand(5, 4, seed=7)
    x = rand(9, 12, seed=8)
    via_otf = torch.fft.ifft2(torch.fft.fft2(x) * psf2otf(kernel, x.shape)).real
    assert torch.allclose(via_otf, convolve(x, kernel, "circular"), atol=1e-12)


def test_one_kernel_per_image():
    kernels = rand(3, 5, 5, seed=9)
    x = rand(3, 2, 12, 10, seed=10)
    batched = convolve(x, kernels, "same")
    for i in range(3):
        assert torch.allclose(batched[i], convolve(x[i], kernels[i], "same"))
    with pytest.raises(ValueError, match="kernels given for a batch"):
        convolve(x, rand(2, 5, 5), "same")
    with pytest.raises(ValueError, match="kernels given for a batch"):
        fft_convolve(x, rand(2, 5, 5), "same")
    with pytest.raises(ValueError, match="smaller than the kernel"):
        fft_convolve(rand(4, 4), rand(5, 5), "valid")


def test_flipped_kernel_is_detected():
    """Blurring with the flipped kernel gives a different image, and kernel similarity sees it."""
    kernel = random_motion_kernel(15, seed=11)
    x = rand(1, 1, 41, 41, seed=12)
    k = torch.from_numpy(kernel)
    kf = torch.from_numpy(flip_kernel(kernel))
    assert (convolve(x, k, "valid") - convolve(x, kf, "valid")).abs().max() > 1e-2
    assert kernel_similarity(kernel, flip_kernel(kernel)) < 0.95


def test_errors():
    with pytest.raises(ValueError, match="boundary mode"):
        convolve(rand(5, 5), rand(3, 3), "reflect")
    with pytest.raises(ValueError, match="smaller than the kernel"):
        convolve(rand(5, 5), rand(7, 7), "valid")
    with pytest.raises(ValueError, match="non-negative"):
        add_gaussian_noise(rand(5, 5), -1.0)


def test_noise_is_reproducible_and_scaled():
    y = torch.zeros(201, 201, dtype=torch.float64)
    a = add_gaussian_noise(y, 0.05, torch.Generator().manual_seed(0))
    b = add_gaussian_noise(y, 0.05, torch.Generator().manual_seed(0))
    assert torch.equal(a, b)
    assert abs(float(a.std()) - 0.05) < 0.003


def test_operator_class():
    op = Blur(rand(3, 5), mode="same")
    x = rand(1, 1, 7, 9)
    assert torch.equal(op(x), convolve(x, op.kernel, "same"))
    assert op.adjoint(op(x)).shape == x.shape
