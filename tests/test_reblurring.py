import math

import pytest
import torch

from deblur_core.jdrl.reblurring import (
    ReblurModule,
    isotropic_kernel,
    reblur_fast,
    reblur_reference,
    ring_means,
    seed_channels,
    split_seeds,
)


def random_inputs(levels=8, size=(21, 19), dtype=torch.float32, seed=0):
    generator = torch.Generator().manual_seed(seed)
    image = torch.rand(2, 3, *size, generator=generator, dtype=dtype)
    seeds = torch.randn(2, seed_channels(levels), *size, generator=generator, dtype=dtype)
    weights = torch.softmax(torch.randn(2, levels, *size, generator=generator, dtype=dtype), dim=1)
    return image, seeds, weights


def test_seed_channels_match_the_paper():
    assert seed_channels(8) == 35
    assert [s.shape[1] for s in split_seeds(torch.zeros(1, 35, 4, 4))] == [2, 3, 4, 5, 6, 7, 8]


@pytest.mark.parametrize("length", [2, 3, 5, 8])
def test_kernels_are_isotropic_positive_and_sum_to_one(length):
    kernel = isotropic_kernel(torch.randn(length, dtype=torch.float64))
    assert kernel.shape == (2 * length - 1, 2 * length - 1)
    assert torch.isclose(kernel.sum(), torch.tensor(1.0, dtype=torch.float64))
    for turned in (torch.rot90(kernel, 1), torch.rot90(kernel, 2), kernel.flip(0), kernel.flip(1), kernel.T):
        assert torch.allclose(turned, kernel, atol=1e-15)
    r = length - 1
    offsets = torch.arange(-r, r + 1, dtype=torch.float64)
    distance = torch.sqrt(offsets[:, None] ** 2 + offsets[None, :] ** 2)
    assert torch.all(kernel[distance <= r] > 0) and torch.all(kernel[distance > r] == 0)


def test_kernel_values_follow_eq7():
    a = torch.tensor([0.3, -0.2, 0.9], dtype=torch.float64)
    kernel = isotropic_kernel(a)
    centre = kernel[2, 2]
    assert torch.isclose(kernel[2, 3] / centre, torch.exp(a[1] - a[0]))  # rho = 1: a_1
    assert torch.isclose(kernel[2, 4] / centre, torch.exp(a[2] - a[0]))  # rho = 2: a_2
    diagonal = (2 - math.sqrt(2)) * a[1] + (math.sqrt(2) - 1) * a[2]  # rho = sqrt 2: between a_1 and a_2
    assert torch.isclose(kernel[3, 3] / centre, torch.exp(diagonal - a[0]))
    assert kernel[0, 0] == 0  # rho = 2 sqrt 2 > 2: outside


@pytest.mark.parametrize("levels", [2, 4, 8])
def test_fast_equals_reference_outputs_and_gradients(levels):
    image, seeds, weights = (t.requires_grad_() for t in random_inputs(levels))
    reference = reblur_reference(image, seeds, weights, levels)
    fast = reblur_fast(image, seeds, weights, levels)
    assert torch.allclose(fast, reference, atol=1e-5, rtol=0)
    upstream = torch.randn_like(reference)
    for g_ref, g_fast in zip(
        torch.autograd.grad(reference, (image, seeds, weights), upstream),
        torch.autograd.grad(fast, (image, seeds, weights), upstream),
    ):
        assert torch.allclose(g_fast, g_ref, atol=1e-5, rtol=0)


def test_identity_weights_and_constant_images():
    image, seeds, weights = random_inputs()
    only_sharp = torch.zeros_like(weights)
    only_sharp[:, 0] = 1
    assert torch.equal(reblur_fast(image, seeds, only_sharp), image)
    flat = torch.full_like(image, 0.4)
    assert torch.allclose(reblur_fast(flat, seeds, weights), flat, atol=1e-6)  # kernels sum to one


def test_ring_means_of_a_delta():
    image = torch.zeros(1, 1, 31, 31, dtype=torch.float64)
    image[0, 0, 15, 15] = 1.0
    means = ring_means(image, levels=3)  # rings at squared distances 0, 1, 2, 4
    assert means.shape == (1, 1, 4, 31, 31)
    assert means[0, 0, 0, 15, 15] == 1 and means[0, 0, 1, 15, 16] == 0.25 and means[0, 0, 3, 13, 15] == 0.25


def test_bad_shapes_are_one_line_errors():
    image, seeds, weights = random_inputs()
    with pytest.raises(ValueError, match="needs 35"):
        reblur_fast(image, seeds[:, :34], weights)
    with pytest.raises(ValueError, match="needs 8"):
        reblur_fast(image, seeds, weights[:, :7])
    with pytest.raises(ValueError, match="too small"):
        small = random_inputs(size=(6, 9))
        reblur_fast(*small)


def test_module_reblurs_and_passes_gradients():
    torch.manual_seed(0)
    module = ReblurModule(channels=3, levels=4, width=8)
    deblurred = torch.rand(1, 3, 17, 15, requires_grad=True)
    reblurred = module(deblurred, torch.rand(1, 3, 17, 15))
    assert reblurred.shape == deblurred.shape
    reblurred.mean().backward()
    assert deblurred.grad is not None and all(p.grad is not None for p in module.parameters())


def test_free_kernels_reduce_to_the_reference_for_isotropic_logits():
    from deblur_core.jdrl.reblurring import free_kernel_channels, reblur_free

    image, seeds, weights = random_inputs(levels=4, dtype=torch.float64)
    assert free_kernel_channels(4) == 9 + 25 + 49 and free_kernel_channels(8) == 679
    # free kernels whose logits are the isotropic kernels' log-weights reproduce the isotropic result
    logits = [
        isotropic_kernel(s.permute(0, 2, 3, 1)).flatten(-2).permute(0, 3, 1, 2).clamp_min(1e-300).log()
        for s in split_seeds(seeds, 4)
    ]
    free = reblur_free(image, torch.cat(logits, dim=1), weights, 4)
    assert torch.allclose(free, reblur_reference(image, seeds, weights, 4), atol=1e-10)


def test_module_switches_for_the_ablation():
    torch.manual_seed(0)
    deblurred, blurry = torch.rand(1, 3, 17, 15), torch.rand(1, 3, 17, 15)
    no_wpn = ReblurModule(levels=3, width=4, weight_prediction=False)
    _, weights = no_wpn.predict(deblurred, blurry)
    assert torch.allclose(weights, torch.full_like(weights, 1 / 3)) and no_wpn.weight_prediction is None
    free = ReblurModule(levels=3, width=4, isotropic=False)
    assert free.kernel_prediction[-1].out_channels == 9 + 25
    assert free(deblurred, blurry).shape == deblurred.shape
