import dataclasses

import numpy as np
import pytest
import torch

from deblur_core.kernels import random_motion_kernel
from deblur_core.models.kernel_generators import KERNEL_GENERATORS, kernel_generator_input, make_kernel_generator
from deblur_core.models.skip import SkipNetwork
from deblur_core.physics.blur import convolve
from deblur_core.selfdeblur import (
    SelfDeblurConfig,
    SelfDeblurOptimiser,
    estimate_noise_level,
    run_key,
    run_selfdeblur,
    tv_weight_for_noise,
)

TINY = dict(channels=8, skip_channels=2, levels=3, precision="float32", eval_every=5, snapshot_count=4)


@pytest.fixture(scope="module")
def blurry_case():
    rng = np.random.default_rng(0)
    from scipy import ndimage

    sharp = ndimage.gaussian_filter(rng.random((41, 41)), 1.5)
    sharp = (sharp - sharp.min()) / np.ptp(sharp)
    kernel = random_motion_kernel(7, seed=1)
    blurry = convolve(torch.from_numpy(sharp), torch.from_numpy(kernel), "valid").numpy()
    return blurry, sharp[3:-3, 3:-3], kernel


def test_skip_network_keeps_odd_sizes():
    net = SkipNetwork(8, 1, channels=8, skip_channels=2, levels=5)
    for h, w in [(33, 47), (65, 37), (64, 45)]:
        out = net(torch.rand(1, 8, h, w))
        assert out.shape == (1, 1, h, w) and 0 <= out.min() and out.max() <= 1
    with pytest.raises(ValueError, match="too small"):
        net(torch.rand(1, 8, 31, 40))


@pytest.mark.parametrize("kind", KERNEL_GENERATORS)
def test_kernel_generators_give_distributions(kind):
    gen = make_kernel_generator(kind, (9, 7))
    k = gen(kernel_generator_input(kind, (9, 7), torch.Generator().manual_seed(0)))
    assert k.shape == (9, 7) and torch.all(k >= 0) and abs(float(k.detach().sum()) - 1) < 1e-5


def test_double_dip_needs_room():
    with pytest.raises(ValueError, match="at least 5 px"):
        make_kernel_generator("dip", (3, 3))


def test_kernel_generator_depths():
    linear = [m for m in make_kernel_generator("fcn-", (5, 5)).modules() if isinstance(m, torch.nn.Linear)]
    fcn = [m for m in make_kernel_generator("fcn", (5, 5)).modules() if isinstance(m, torch.nn.Linear)]
    deeper = [m for m in make_kernel_generator("fcn+", (5, 5)).modules() if isinstance(m, torch.nn.Linear)]
    assert (len(linear), len(fcn), len(deeper)) == (1, 2, 3)
    assert fcn[0].in_features == 200 and fcn[0].out_features == 1000 and fcn[-1].out_features == 25


@pytest.mark.parametrize("mode", ["joint", "alternating"])
def test_thirty_iterations_lower_the_loss(blurry_case, mode):
    blurry, sharp, kernel = blurry_case
    config = SelfDeblurConfig(kernel_size=(7, 7), iterations=30, mode=mode, **TINY)
    result = run_selfdeblur(blurry, config, sharp=sharp, true_kernel=kernel, progress=False)
    losses = result.history["loss"].to_numpy()
    assert losses[-5:].mean() < 0.5 * losses[:3].mean()
    assert result.latent.shape == blurry.shape
    assert result.kernel.shape == (7, 7) and np.all(result.kernel >= 0)
    assert abs(result.kernel.sum() - 1) < 1e-5
    assert {"psnr", "kernel_similarity"} <= set(result.history.columns)
    assert max(result.snapshots) == 30


def test_a_checkpoint_that_needs_unpickling_is_not_loaded_and_the_run_starts_again(blurry_case, tmp_path):
    blurry, _, _ = blurry_case
    config = SelfDeblurConfig(kernel_size=(7, 7), iterations=4, **TINY)
    folder = tmp_path / run_key(blurry, config)
    folder.mkdir()
    torch.save({"iteration": 2, "snapshots": {1: (np.zeros(3), np.ones(3))}}, folder / "checkpoint.pt")
    with pytest.warns(UserWarning, match="not a tensors-only checkpoint"):
        result = run_selfdeblur(blurry, config, cache_dir=tmp_path, progress=False)
    assert len(result.history) == 4


def test_cache_and_resume_give_the_uninterrupted_result(blurry_case, tmp_path, monkeypatch):
    blurry, _, _ = blurry_case
    config = SelfDeblurConfig(kernel_size=(7, 7), iterations=12, **TINY)
    reference = run_selfdeblur(blurry, config, progress=False)

    original_step = SelfDeblurOptimiser.step
    calls = {"n": 0}

    def crashing_step(self):
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt  # the reader pressed stop
        return original_step(self)

    monkeypatch.setattr(SelfDeblurOptimiser, "step", crashing_step)
    with pytest.raises(KeyboardInterrupt):
        run_selfdeblur(blurry, config, cache_dir=tmp_path, checkpoint_seconds=0.0, progress=False)
    folder = tmp_path / run_key(blurry, config)
    # tensors and plain values only: it loads without unpickling code
    state = torch.load(folder / "checkpoint.pt", map_location="cpu", weights_only=True)
    assert state["iteration"] == 7 and state["snapshots"] and not (folder / "result.npz").exists()

    monkeypatch.setattr(SelfDeblurOptimiser, "step", original_step)
    resumed = run_selfdeblur(blurry, config, cache_dir=tmp_path, progress=False)
    assert len(resumed.history) == 12 and not resumed.from_cache
    np.testing.assert_allclose(resumed.latent, reference.latent, atol=1e-5)
    np.testing.assert_allclose(resumed.kernel, reference.kernel, atol=1e-6)

    cached = run_selfdeblur(blurry, config, cache_dir=tmp_path, progress=False)
    assert cached.from_cache and np.array_equal(cached.latent, resumed.latent)
    assert sorted(cached.snapshots) == sorted(reference.snapshots)


def test_config_and_input_errors(blurry_case):
    blurry, _, _ = blurry_case
    with pytest.raises(ValueError, match="odd"):
        SelfDeblurConfig(kernel_size=(8, 8))
    with pytest.raises(ValueError, match="unknown mode"):
        SelfDeblurConfig(kernel_size=(7, 7), mode="both")
    config = SelfDeblurConfig(kernel_size=(7, 7), iterations=1, **TINY)
    with pytest.raises(ValueError, match="NaN"):
        run_selfdeblur(np.full((21, 21), np.nan), config, progress=False)
    with pytest.raises(ValueError, match="smaller than the kernel"):
        run_selfdeblur(np.zeros((5, 5)), config, progress=False)
    with pytest.raises(ValueError, match="one grey channel"):
        run_selfdeblur(np.zeros((21, 21, 3)), config, progress=False)


def test_noise_level_and_tv_weight():
    rng = np.random.default_rng(0)
    flat = np.full((101, 101), 0.5)
    assert estimate_noise_level(flat + rng.normal(0, 0.02, flat.shape)) == pytest.approx(0.02, rel=0.1)
    assert tv_weight_for_noise(0.01) == pytest.approx(1e-3)


def test_learning_rate_schedule_scales_with_budget():
    assert SelfDeblurConfig(kernel_size=(7, 7), iterations=5000).milestones() == [2000, 3000, 4000]
    assert SelfDeblurConfig(kernel_size=(7, 7), iterations=500).milestones() == [200, 300, 400]


def test_fixed_schedule_keeps_the_authors_absolute_iterations():
    fixed = SelfDeblurConfig(kernel_size=(7, 7), iterations=500, schedule="fixed", loss="mse-then-ssim")
    assert fixed.milestones() == [2000, 3000, 4000]
    assert fixed.ssim_switch() == 1000
    assert SelfDeblurConfig(kernel_size=(7, 7), iterations=500).ssim_switch() == 100
    with pytest.raises(ValueError, match="unknown schedule"):
        SelfDeblurConfig(kernel_size=(7, 7), schedule="cosine")


def test_run_key_changes_with_every_setting_and_the_image():
    blurry = np.zeros((15, 15))
    default = SelfDeblurConfig(kernel_size=(7, 7), iterations=10)
    assert run_key(blurry, default) == run_key(blurry.astype(np.float32), default)  # keyed as the run reads it
    assert run_key(blurry, dataclasses.replace(default, schedule="fixed")) != run_key(blurry, default)
    assert run_key(blurry, dataclasses.replace(default, non_local_levels=3)) != run_key(blurry, default)
    assert run_key(np.zeros((15, 16)), default) != run_key(blurry, default)
    with pytest.raises(ValueError, match="non_local_levels must lie between 0 and levels"):
        SelfDeblurConfig(kernel_size=(7, 7), non_local_levels=6)
