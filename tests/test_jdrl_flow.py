import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter

from deblur_core.jdrl.flow import (
    calibration_mask,
    colour_wheel,
    estimate_flow,
    estimate_flow_batch,
    flow_key,
    flow_picture,
    flow_to_colour,
    mask_keep_fraction,
    warp,
)


def texture(size=96, seed=0, channels=None):
    """Smooth random texture in [0, 1]: enough structure everywhere for DIS to lock on."""
    rng = np.random.default_rng(seed)
    shape = (size, size) if channels is None else (size, size, channels)
    image = gaussian_filter(rng.random(shape), sigma=(2, 2) + (0,) * (channels is not None))
    return (image - image.min()) / np.ptp(image)


def shifted(image, dx, dy):
    """Content moved by (dx, dy) px: result(x, y) = image(x - dx, y - dy) (periodic)."""
    return np.roll(image, (dy, dx), axis=(0, 1))


def to_batch(image):
    tensor = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
    return tensor[None, None] if tensor.ndim == 2 else tensor.permute(2, 0, 1)[None]


def constant_flow(dx, dy, batch=1, height=16, width=16, dtype=torch.float32):
    flow = torch.empty(batch, 2, height, width, dtype=dtype)
    flow[:, 0], flow[:, 1] = dx, dy
    return flow


# --------------------------------------------------------------------------- warp
@pytest.mark.parametrize("dtype, tolerance", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_zero_flow_is_the_identity(dtype, tolerance):
    # float32 normalised coordinates place a sample to ~(W / 2) * 2**-24 px (see warp's Notes),
    # which on a white-noise image is a few 1e-6; float64 is exact to rounding
    image = torch.rand(2, 3, 37, 53, generator=torch.Generator().manual_seed(0), dtype=dtype)
    out = warp(image, torch.zeros(2, 2, 37, 53, dtype=dtype))
    assert out.shape == image.shape and out.dtype == dtype
    assert torch.allclose(out, image, atol=tolerance, rtol=0)


def test_integer_shift_is_undone():
    reference = texture(48)
    moving = shifted(reference, 4, -3)
    # reference(p) = moving(p + (4, -3)): that is the flow from reference to moving
    out = warp(to_batch(moving), constant_flow(4, -3, height=48, width=48))[0, 0].numpy()
    assert np.allclose(out[3:-3, :-4], reference[3:-3, :-4], atol=1e-5)


def bilinear_reference(image, flow):
    """Manual bilinear sampling of image at p + flow(p), coordinates clamped to the image (border padding)."""
    height, width = image.shape
    out = np.empty_like(image)
    for y in range(height):
        for x in range(width):
            sx = min(max(x + flow[0, y, x], 0.0), width - 1.0)
            sy = min(max(y + flow[1, y, x], 0.0), height - 1.0)
            x0, y0 = int(np.floor(sx)), int(np.floor(sy))
            x1, y1 = min(x0 + 1, width - 1), min(y0 + 1, height - 1)
            fx, fy = sx - x0, sy - y0
            out[y, x] = (1 - fy) * ((1 - fx) * image[y0, x0] + fx * image[y0, x1]) + fy * (
                (1 - fx) * image[y1, x0] + fx * image[y1, x1]
            )
    return out


def test_fractional_flow_matches_manual_bilinear_interpolation():
    rng = np.random.default_rng(1)
    image = rng.random((9, 11))
    flow = rng.uniform(-3, 3, size=(2, 9, 11))  # some samples land outside: border padding
    flow[:, 4, 5] = (0.25, -0.75)
    out = warp(torch.from_numpy(image)[None, None], torch.from_numpy(flow)[None])[0, 0].numpy()
    assert np.allclose(out, bilinear_reference(image, flow), atol=1e-12)


def test_constant_fractional_shift():
    image = torch.arange(6, dtype=torch.float64).repeat(3, 1)[None, None]  # value = column index
    out = warp(image, constant_flow(0.3, 0.0, height=3, width=6, dtype=torch.float64))
    assert torch.allclose(out[0, 0, :, :-1], image[0, 0, :, :-1] + 0.3)
    assert torch.allclose(out[0, 0, :, -1], image[0, 0, :, -1])  # clamped at the border


def test_warp_is_differentiable_with_respect_to_the_image():
    generator = torch.Generator().manual_seed(2)
    image = torch.rand(1, 2, 5, 6, dtype=torch.float64, generator=generator, requires_grad=True)
    flow = torch.rand(1, 2, 5, 6, dtype=torch.float64, generator=generator) * 2 - 1
    assert torch.autograd.gradcheck(lambda im: warp(im, flow), (image,))


def test_warp_rejects_mismatched_flow():
    with pytest.raises(ValueError, match="flow"):
        warp(torch.zeros(1, 3, 8, 8), torch.zeros(1, 2, 8, 9))


# --------------------------------------------------------------------------- estimation
def test_estimated_flow_has_the_right_sign_and_undoes_the_shift():
    reference = texture(96)
    moving = shifted(reference, 3, -2)  # moved 3 px right and 2 px up
    flow = estimate_flow(reference, moving)
    assert flow.shape == (96, 96, 2) and flow.dtype == np.float32
    interior = flow[16:-16, 16:-16]
    assert np.allclose(np.median(interior, axis=(0, 1)), (3, -2), atol=0.1)
    assert np.mean(np.linalg.norm(interior - (3, -2), axis=-1) < 0.5) > 0.95
    back = warp(to_batch(moving), torch.from_numpy(flow).permute(2, 0, 1)[None])[0, 0].numpy()
    assert np.abs(back[16:-16, 16:-16] - reference[16:-16, 16:-16]).mean() < 0.01


def test_identical_images_give_zero_flow_and_colour_is_reduced_to_grey():
    image = texture(48, channels=3)
    assert np.abs(estimate_flow(image, image)).max() < 1e-3
    flow = estimate_flow(image, shifted(image, -2, 1), preset="fast")
    assert np.allclose(np.median(flow[12:-12, 12:-12], axis=(0, 1)), (-2, 1), atol=0.2)


def test_estimate_flow_rejects_bad_inputs():
    with pytest.raises(ValueError, match="same height and width"):
        estimate_flow(np.zeros((32, 32)), np.zeros((32, 31)))
    with pytest.raises(ValueError, match="at least"):
        estimate_flow(np.zeros((8, 8)), np.zeros((8, 8)))
    with pytest.raises(ValueError, match="preset"):
        estimate_flow(np.zeros((32, 32)), np.zeros((32, 32)), preset="slow")
    with pytest.raises(ValueError, match=r"\(H, W"):
        estimate_flow(np.zeros((32, 32, 4)), np.zeros((32, 32, 4)))


def test_batch_estimation_matches_single_images():
    references = np.stack([texture(48, seed=s, channels=3) for s in range(2)])
    movings = np.stack([shifted(r, 2, 1) for r in references])
    as_tensor = torch.from_numpy(references).permute(0, 3, 1, 2).double().requires_grad_()
    flows = estimate_flow_batch(as_tensor, torch.from_numpy(movings).permute(0, 3, 1, 2).double())
    assert flows.shape == (2, 2, 48, 48) and flows.dtype == torch.float64 and not flows.requires_grad
    for n in range(2):
        single = estimate_flow(references[n], movings[n])
        assert np.allclose(flows[n].permute(1, 2, 0).numpy(), single)
    with pytest.raises(ValueError, match="share"):
        estimate_flow_batch(torch.zeros(2, 3, 32, 32), torch.zeros(1, 3, 32, 32))


# --------------------------------------------------------------------------- calibration mask
@pytest.mark.parametrize("mode", ["magnitude", "colour"])
def test_constant_flow_keeps_everything(mode):
    mask = calibration_mask(constant_flow(1.5, -0.5, batch=2), mode=mode)
    assert mask.shape == (2, 1, 16, 16) and bool((mask == 1).all())


@pytest.mark.parametrize("mode", ["magnitude", "colour"])
def test_zero_flow_keeps_everything(mode):
    assert bool((calibration_mask(torch.zeros(1, 2, 8, 8), mode=mode) == 1).all())


@pytest.mark.parametrize("mode", ["magnitude", "colour"])
def test_an_outlier_blob_is_rejected(mode):
    generator = torch.Generator().manual_seed(3)
    flow = constant_flow(1.0, 0.5, height=64, width=64) + 0.05 * torch.randn(1, 2, 64, 64, generator=generator)
    flow[0, 0, 20:28, 30:38], flow[0, 1, 20:28, 30:38] = 6.0, -4.0
    mask = calibration_mask(flow, mode=mode)[0, 0]
    assert bool((mask[20:28, 30:38] == 0).all())
    outside = torch.ones(64, 64, dtype=torch.bool)
    outside[20:28, 30:38] = False
    assert mask[outside].mean() > 0.99


@pytest.mark.parametrize("mode", ["magnitude", "colour"])
def test_masks_are_binary_with_one_channel(mode):
    flow = torch.randn(3, 2, 20, 24, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    mask = calibration_mask(flow, lam=0.35, mode=mode)
    assert mask.shape == (3, 1, 20, 24) and mask.dtype == torch.float64
    assert set(mask.unique().tolist()) <= {0.0, 1.0}
    fraction = mask_keep_fraction(mask)
    assert fraction.shape == (3,) and torch.allclose(fraction, mask.mean(dim=(1, 2, 3)).float())


def test_band_follows_eq4():
    flow = torch.zeros(1, 2, 1, 4)
    flow[0, 0, 0] = torch.tensor([0.5, 0.7, 1.3, 1.5])  # mean 1: band (0.65, 1.35) at lambda = 0.35
    assert calibration_mask(flow)[0, 0, 0].tolist() == [0.0, 1.0, 1.0, 0.0]
    assert calibration_mask(flow, lam=0.6)[0, 0, 0].tolist() == [1.0, 1.0, 1.0, 1.0]


def test_mask_rejects_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        calibration_mask(torch.zeros(1, 2, 4, 4), mode="hue")
    with pytest.raises(ValueError, match="lam"):
        calibration_mask(torch.zeros(1, 2, 4, 4), lam=1.5)
    with pytest.raises(ValueError, match="2 channels"):
        calibration_mask(torch.zeros(1, 3, 4, 4))


def test_flow_colours_follow_the_middlebury_wheel():
    assert colour_wheel().shape == (55, 3)
    flow = torch.zeros(1, 2, 1, 2)
    flow[0, 0, 0, 1] = 2.0  # right-pointing, largest: saturated red
    colour = flow_to_colour(flow)[0, :, 0]
    assert torch.allclose(colour[:, 0], torch.ones(3))  # zero flow: white
    assert torch.allclose(colour[:, 1], torch.tensor([1.0, 0.0, 0.0]))


def test_flow_pictures_with_a_shared_scale_keep_magnitudes_comparable():
    small = np.zeros((5, 5, 2), np.float32)
    small[..., 0] = 0.25
    large = small * 4  # 1 px
    # normalised on their own, 0.25 px and 1 px look the same; with one scale they do not
    np.testing.assert_allclose(flow_picture(small), flow_picture(large), atol=1e-6)
    faint, strong = flow_picture(small, scale=1.0), flow_picture(large, scale=1.0)
    assert faint.min() > strong.min() + 0.5  # the small flow stays close to white
    np.testing.assert_allclose(flow_picture(large * 3, scale=1.0), strong, atol=1e-6)  # beyond the scale: saturated
    with pytest.raises(ValueError, match="positive"):
        flow_picture(small, scale=0)


def test_flow_key_is_the_picture_of_the_flow_from_its_centre():
    key = flow_key(scale=2.0, size=9)
    assert key.shape == (9, 9, 3)
    np.testing.assert_allclose(key[4, 4], 1.0)  # no flow at the centre: white
    np.testing.assert_allclose(key[0, 0], 1.0)  # outside the disc: white
    right = np.zeros((1, 1, 2), np.float32)
    right[..., 0] = 2.0
    np.testing.assert_allclose(key[4, 8], flow_picture(right, scale=2.0)[0, 0], atol=1e-6)
