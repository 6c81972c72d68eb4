import math

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter

from deblur_core.jdrl.flow import estimate_flow_batch
from deblur_core.jdrl.losses import adaptive_deblurring_loss, charbonnier, reblurring_loss, total_loss

EPS = 1e-3


def textures(batch=2, size=64, seed=0):
    """(B, 3, size, size) smooth random textures in [0, 1]."""
    rng = np.random.default_rng(seed)
    images = gaussian_filter(rng.random((batch, 3, size, size)), sigma=(0, 0, 2, 2))
    low = images.min(axis=(1, 2, 3), keepdims=True)
    high = images.max(axis=(1, 2, 3), keepdims=True)
    return torch.from_numpy((images - low) / (high - low)).float()


def moved(images, dx, dy):
    """Content moved by (dx, dy) px (periodic)."""
    return torch.roll(images, shifts=(dy, dx), dims=(2, 3))


# --------------------------------------------------------------------------- Charbonnier
def test_zero_difference_gives_epsilon():
    x = torch.rand(3, 2, 5, 7)
    assert math.isclose(float(charbonnier(x, x)), EPS, rel_tol=1e-6)
    assert math.isclose(float(charbonnier(x, x, reduction="image_mean")), EPS, rel_tol=1e-6)
    assert math.isclose(float(charbonnier(x, x, reduction="image_sum")), 3 * EPS, rel_tol=1e-6)


@pytest.mark.parametrize("d", [1e-4, 0.02, 0.5])
def test_constant_difference_has_the_closed_form(d):
    x = torch.zeros(2, 3, 4, 5, dtype=torch.float64)
    y = x + d
    assert math.isclose(float(charbonnier(x, y)), math.sqrt(d * d + EPS * EPS), rel_tol=1e-12)
    per_image = math.sqrt(3 * 4 * 5 * d * d + EPS * EPS)  # norm over all pixels and channels
    assert math.isclose(float(charbonnier(x, y, reduction="image_sum")), 2 * per_image, rel_tol=1e-12)
    assert math.isclose(float(charbonnier(x, y, reduction="image_mean")), per_image, rel_tol=1e-12)


def test_per_image_norm_is_not_per_pixel():
    # one image, two pixels differing by 3 and 4: the printed form penalises the norm 5
    x = torch.zeros(1, 1, 1, 2, dtype=torch.float64)
    y = torch.tensor([[[[3.0, 4.0]]]], dtype=torch.float64)
    assert math.isclose(float(charbonnier(x, y, eps=0.0, reduction="image_sum")), 5.0)
    assert math.isclose(float(charbonnier(x, y, eps=0.0)), 3.5)


def test_mask_removes_a_region_and_its_gradient():
    generator = torch.Generator().manual_seed(1)
    x = torch.rand(2, 3, 8, 8, generator=generator, dtype=torch.float64)
    y = torch.rand(2, 3, 8, 8, generator=generator, dtype=torch.float64)
    mask = torch.ones(2, 1, 8, 8, dtype=torch.float64)
    mask[:, :, :4] = 0
    changed = x.clone()
    changed[:, :, :4] += 10.0  # only inside the masked-out region
    for reduction in ("pixel", "image_sum", "image_mean"):
        assert torch.isclose(
            charbonnier(x, y, mask, reduction=reduction), charbonnier(changed, y, mask, reduction=reduction)
        )
    x.requires_grad_()
    charbonnier(x, y, mask).backward()
    assert bool((x.grad[:, :, :4] == 0).all()) and bool((x.grad[:, :, 4:] != 0).all())
    # masked pixels still count as eps in the per-pixel mean (Eq. 5 does not renormalise)
    assert math.isclose(float(charbonnier(x.detach(), x.detach(), mask)), EPS, rel_tol=1e-9)


def test_charbonnier_rejects_bad_shapes():
    with pytest.raises(ValueError, match="one shape"):
        charbonnier(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 5))
    with pytest.raises(ValueError, match="mask"):
        charbonnier(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4), torch.ones(1, 2, 4, 4))
    with pytest.raises(ValueError, match="reduction"):
        charbonnier(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4), reduction="sum")


# --------------------------------------------------------------------------- adaptive deblurring loss
def test_identical_images_give_an_epsilon_level_loss():
    images = textures()
    loss, info = adaptive_deblurring_loss(images, images.clone())
    assert len(info["terms"]) == 2
    assert float(loss) < 2 * EPS * 1.01  # two terms, each about eps
    for key in ("mask_sharp_onto_deblurred", "mask_deblurred_onto_sharp"):
        assert bool((info[key] == 1).all())  # zero flow: nothing to distrust


def test_misalignment_is_forgiven():
    deblurred = textures()
    sharp = moved(deblurred, 3, -2)
    plain = charbonnier(deblurred, sharp)
    loss, info = adaptive_deblurring_loss(deblurred, sharp)
    assert float(loss) < 0.3 * float(plain)  # what is left sits mostly at the wrapped borders
    flow = info["flow_sharp_onto_deblurred"]  # reference I_hat, moving I_S
    assert torch.allclose(flow[:, 0, 16:-16, 16:-16].median(), torch.tensor(3.0), atol=0.1)
    assert torch.allclose(flow[:, 1, 16:-16, 16:-16].median(), torch.tensor(-2.0), atol=0.1)
    interior = (slice(None), slice(None), slice(8, -8), slice(8, -8))
    assert (info["sharp_warped"] - deblurred)[interior].abs().mean() < 0.01
    assert (info["deblurred_warped"] - sharp)[interior].abs().mean() < 0.01
    assert set(info["keep_fraction"]) == {"sharp_onto_deblurred", "deblurred_onto_sharp"}


def test_gradients_reach_the_deblurred_image_through_both_terms():
    sharp = textures(batch=1)
    deblurred = moved(sharp, 2, 1) + 0.05 * torch.rand(sharp.shape, generator=torch.Generator().manual_seed(2))
    deblurred.requires_grad_()
    loss, info = adaptive_deblurring_loss(deblurred, sharp)
    first, second = info["terms"]
    for term in (first, second):
        (grad,) = torch.autograd.grad(term, deblurred, retain_graph=True)
        assert torch.isfinite(grad).all() and grad.abs().sum() > 0
    assert info["deblurred_warped"].requires_grad
    assert not info["sharp_warped"].requires_grad and not info["flow_deblurred_onto_sharp"].requires_grad
    loss.backward()
    assert deblurred.grad is not None and deblurred.grad.abs().sum() > 0


def test_options_select_the_terms():
    deblurred, sharp = textures(batch=1), moved(textures(batch=1), 1, 0)
    loss, info = adaptive_deblurring_loss(deblurred, sharp, bidirectional=False, use_mask=False)
    assert len(info["terms"]) == 1 and "deblurred_warped" not in info
    assert info["mask_sharp_onto_deblurred"] is None and info["keep_fraction"] == {}
    assert torch.isclose(loss, charbonnier(info["sharp_warped"], deblurred))
    _, info = adaptive_deblurring_loss(deblurred, sharp, mask_mode="colour", reduction="image_mean")
    assert info["mask_deblurred_onto_sharp"].shape == (1, 1, 64, 64)


def test_flow_source_replaces_the_deblurred_image_for_the_flow():
    # early epochs: I_hat is uninformative (flat), the flow comes from I_B against I_S
    sharp = textures(batch=1)
    blurry = moved(sharp, -2, 3)  # blurry(p) = sharp(p + (2, -3)): the flow that lays I_S onto it
    deblurred = torch.full_like(sharp, 0.5, requires_grad=True)
    _, info = adaptive_deblurring_loss(deblurred, sharp, flow_source=blurry, bidirectional=False, use_mask=False)
    assert torch.equal(info["flow_sharp_onto_deblurred"], estimate_flow_batch(blurry, sharp))
    assert torch.allclose(info["flow_sharp_onto_deblurred"][:, 0, 16:-16, 16:-16].median(), torch.tensor(2.0), atol=0.1)
    assert torch.allclose(
        info["flow_sharp_onto_deblurred"][:, 1, 16:-16, 16:-16].median(), torch.tensor(-3.0), atol=0.1
    )
    with pytest.raises(ValueError, match="flow_source"):
        adaptive_deblurring_loss(deblurred, sharp, flow_source=blurry[..., :32])


def test_adaptive_loss_rejects_mismatched_images():
    with pytest.raises(ValueError, match="one shape"):
        adaptive_deblurring_loss(torch.zeros(1, 3, 32, 32), torch.zeros(1, 3, 32, 16))


# --------------------------------------------------------------------------- reblurring and total
def test_reblurring_and_total_losses():
    generator = torch.Generator().manual_seed(3)
    reblurred, blurry = torch.rand(2, 3, 8, 8, generator=generator), torch.rand(2, 3, 8, 8, generator=generator)
    r = reblurring_loss(reblurred, blurry)
    assert torch.isclose(r, torch.sqrt((reblurred - blurry) ** 2 + EPS**2).mean())
    assert math.isclose(float(reblurring_loss(blurry, blurry, reduction="image_sum")), 2 * EPS, rel_tol=1e-6)
    d = torch.tensor(0.3)
    assert torch.isclose(total_loss(d, r), d + 0.5 * r)
    assert torch.isclose(total_loss(d, r, alpha=2.0), d + 2 * r)
    assert total_loss(d, None) is d
