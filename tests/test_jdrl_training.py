import numpy as np
import pytest
import torch

from deblur_core.jdrl import training
from deblur_core.jdrl.data import make_pair
from deblur_core.jdrl.training import SUPPLEMENT_VARIANT_2, VARIANTS, JDRLConfig, build_networks, step_loss, train_jdrl

# float32 whatever the CPU: "auto" would be bf16 on one machine and float32 on another
TINY = dict(width=2, reblur_width=4, levels=3, crop=33, learning_rate=3e-3, halve_every=100, precision="float32")


@pytest.fixture(scope="module")
def pairs():
    made = [make_pair(name, seed=1, size=41) for name in ("astronaut", "coffee")]
    return np.stack([p.blurry for p in made]), np.stack([p.sharp for p in made])


@pytest.fixture(autouse=True)
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def test_variants_switch_the_right_parts():
    config = JDRLConfig(**TINY)
    nets = {name: build_networks(variant, config) for name, variant in VARIANTS.items()}
    assert nets["#1 baseline"][1] is None and nets["#4 w/o reblurring"][1] is None
    assert nets["#5 w/o isotropic design"][1].isotropic is False
    assert nets["#6 w/o weight prediction"][1].weight_prediction is None
    assert nets["final"][1].isotropic and nets["final"][1].weight_prediction is not None
    # every ablation differs from the final model in exactly one switch (the baseline drops them all)
    final = VARIANTS["final"]
    for name, variant in VARIANTS.items():
        changed = [f for f in final.__dataclass_fields__ if getattr(variant, f) != getattr(final, f)]
        assert (len(changed) == 1) == (name not in ("#1 baseline", "final"))
    assert SUPPLEMENT_VARIANT_2[1].reblur and not SUPPLEMENT_VARIANT_2[1].deform


def test_step_loss_passes_each_switch_to_the_losses(monkeypatch, pairs):
    calls = []

    def recorder(deblurred, sharp, **options):
        calls.append(options)
        return (deblurred - sharp).abs().mean(), {"keep_fraction": {}}

    monkeypatch.setattr(training, "adaptive_deblurring_loss", recorder)
    config = JDRLConfig(**TINY)
    blurry = torch.as_tensor(pairs[0][:1].transpose(0, 3, 1, 2).copy())
    sharp = torch.as_tensor(pairs[1][:1].transpose(0, 3, 1, 2).copy())
    for name in ("#2 w/o cycle deformation", "#3 w/o calibration mask", "final"):
        model, reblur = build_networks(VARIANTS[name], config)
        _, record = step_loss(model, reblur, blurry, sharp, VARIANTS[name], config, warming_up=False)
        assert not np.isnan(record["reblurring"])
    assert [(c["bidirectional"], c["use_mask"], c["flow_source"]) for c in calls] == [
        (False, True, None),
        (True, False, None),
        (True, True, None),
    ]
    model, reblur = build_networks(VARIANTS["final"], config)
    _, record = step_loss(model, reblur, blurry, sharp, VARIANTS["final"], config, warming_up=True)
    assert calls[-1]["flow_source"] is blurry and np.isnan(record["reblurring"])  # warm-up: flow vs I_B, no L_r
    model, reblur = build_networks(VARIANTS["#1 baseline"], config)
    step_loss(model, reblur, blurry, sharp, VARIANTS["#1 baseline"], config, warming_up=False)
    assert len(calls) == 4  # the baseline never estimates a flow


def test_training_lowers_the_loss_and_resumes(pairs, tmp_path):
    blurry, sharp = pairs
    config = JDRLConfig(**TINY, epochs=6, warmup_epochs=0)
    fresh = train_jdrl(blurry, sharp, VARIANTS["final"], config, progress=False)
    losses = fresh.history["loss"].to_numpy()
    assert losses[-1] < losses[0]
    short = JDRLConfig(**TINY, epochs=3, warmup_epochs=0)
    train_jdrl(blurry, sharp, VARIANTS["final"], short, cache_dir=tmp_path, progress=False)
    resumed = train_jdrl(blurry, sharp, VARIANTS["final"], config, cache_dir=tmp_path, progress=False)
    np.testing.assert_allclose(resumed.history["loss"], fresh.history["loss"], rtol=1e-5)
    again = train_jdrl(blurry, sharp, VARIANTS["final"], config, cache_dir=tmp_path, progress=False)
    assert again.from_cache


def test_bad_training_input(pairs):
    blurry, sharp = pairs
    with pytest.raises(ValueError, match="smaller than"):
        train_jdrl(blurry, sharp, VARIANTS["final"], JDRLConfig(**(TINY | {"crop": 64})), progress=False)
    with pytest.raises(ValueError, match="one shape"):
        train_jdrl(blurry, sharp[:1], VARIANTS["final"], JDRLConfig(**TINY), progress=False)
    with pytest.raises(ValueError, match="warmup"):
        JDRLConfig(**TINY, epochs=2, warmup_epochs=3)


def test_variants_with_the_same_warm_up_share_it_and_match_training_it(pairs, tmp_path, monkeypatch):
    blurry, sharp = pairs
    config = JDRLConfig(**TINY, epochs=4, warmup_epochs=2)
    first = train_jdrl(blurry, sharp, VARIANTS["final"], config, cache_dir=tmp_path, progress=False)
    assert not first.warmup_reused
    alone = train_jdrl(blurry, sharp, VARIANTS["#4 w/o reblurring"], config, progress=False)
    warm_up_steps = []
    real_step_loss = training.step_loss

    def counting(*args, **kwargs):
        warm_up_steps.append(args[-1] if len(args) == 7 else kwargs["warming_up"])
        return real_step_loss(*args, **kwargs)

    monkeypatch.setattr(training, "step_loss", counting)
    shared = train_jdrl(blurry, sharp, VARIANTS["#4 w/o reblurring"], config, cache_dir=tmp_path, progress=False)
    assert shared.warmup_reused and warm_up_steps and not any(warm_up_steps)  # no warm-up epoch ran again
    np.testing.assert_allclose(shared.history["loss"], alone.history["loss"], rtol=1e-5)
    # a variant whose warm-up loss differs trains its own
    own = train_jdrl(blurry, sharp, VARIANTS["#3 w/o calibration mask"], config, cache_dir=tmp_path, progress=False)
    assert not own.warmup_reused and any(warm_up_steps)


def test_resuming_across_the_end_of_the_warm_up_gives_the_same_run(pairs, tmp_path):
    blurry, sharp = pairs
    config = JDRLConfig(**TINY, epochs=4, warmup_epochs=2)
    fresh = train_jdrl(blurry, sharp, VARIANTS["final"], config, progress=False)
    for epochs in (2, 3, 4):  # stop at the end of the warm-up, just after it, then finish
        resumed = train_jdrl(
            blurry,
            sharp,
            VARIANTS["final"],
            JDRLConfig(**TINY, epochs=epochs, warmup_epochs=2),
            cache_dir=tmp_path,
            progress=False,
        )
    np.testing.assert_allclose(resumed.history["loss"], fresh.history["loss"], rtol=1e-5)
    for a, b in zip(resumed.reblur.parameters(), fresh.reblur.parameters()):
        torch.testing.assert_close(a, b)


def test_residual_output_starts_from_the_input_and_trains(pairs):
    blurry, sharp = pairs
    config = JDRLConfig(**TINY, epochs=3, warmup_epochs=1, output="residual")
    model, _ = build_networks(VARIANTS["final"], config)
    model.eval()
    batch = torch.as_tensor(blurry.transpose(0, 3, 1, 2).copy())
    torch.testing.assert_close(model(batch), batch)
    trained = train_jdrl(blurry, sharp, VARIANTS["final"], config, progress=False)
    assert trained.model.output == "residual"
    assert not torch.equal(trained.model(batch), batch)
    with pytest.raises(ValueError, match="output must be"):
        JDRLConfig(**TINY, output="tanh")


def test_random_crops_cut_both_images_alike_and_flip_them_all_eight_ways():
    rng = np.random.default_rng(0)
    blurry = rng.random((1, 9, 9, 3)).astype(np.float32)
    kinds = set()
    for _ in range(200):
        crop_b, crop_s = training.random_crops(blurry, blurry, 9, rng, flips=True)
        assert np.array_equal(crop_b, crop_s)
        kinds.add(crop_b.tobytes())
    assert len(kinds) == 8  # the eight symmetries of the square, each seen
    plain, _ = training.random_crops(blurry, blurry, 9, rng, flips=False)
    assert np.array_equal(plain, blurry)
    tops_and_lefts = {training.random_crops(blurry, blurry, 4, rng)[0].tobytes() for _ in range(600)}
    assert len(tops_and_lefts) == 36  # every 4 px window of a 9 px image can be drawn


def test_the_schedule_sets_the_learning_rate_of_each_step(pairs, monkeypatch):
    blurry, sharp = pairs
    seen = []
    real_step = training.training_step

    def recording(model, reblur, optimiser, *args, **kwargs):
        seen.append([group["lr"] for group in optimiser.param_groups])
        return real_step(model, reblur, optimiser, *args, **kwargs)

    monkeypatch.setattr(training, "training_step", recording)
    config = JDRLConfig(**(TINY | {"batch_size": 1}), epochs=3, warmup_epochs=1, schedule="cosine", lr_warmup=0.0)
    train_jdrl(blurry, sharp, VARIANTS["final"], config, progress=False)
    rates = [lrs[0] for lrs in seen]
    assert len(rates) == 6 and rates[0] == config.learning_rate and rates[-1] == 0.0
    assert all(len(lrs) == 2 and lrs[0] == lrs[1] for lrs in seen[2:])  # the reblurring module follows the UNet


def test_a_cosine_run_of_other_length_is_another_run(pairs):
    blurry, sharp = pairs
    step, cosine, longer = (
        JDRLConfig(**TINY, epochs=epochs, warmup_epochs=1, schedule=s)
        for epochs, s in ((4, "step"), (4, "cosine"), (8, "cosine"))
    )
    final = VARIANTS["final"]
    assert training.run_key(blurry, sharp, final, step) == training.run_key(
        blurry, sharp, final, JDRLConfig(**TINY, epochs=8, warmup_epochs=1)
    )
    assert training.run_key(blurry, sharp, final, cosine) != training.run_key(blurry, sharp, final, longer)
    assert training.warmup_key(blurry, sharp, final, cosine) != training.warmup_key(blurry, sharp, final, longer)


def test_bad_recipe_settings():
    with pytest.raises(ValueError, match="unknown learning-rate schedule"):
        JDRLConfig(**TINY, schedule="linear")
    with pytest.raises(ValueError, match="dropout"):
        JDRLConfig(**TINY, dropout=1.0)


def test_bf16_autocast_trains_the_unet_like_float32_and_keys_its_runs_apart(pairs):
    blurry, sharp = pairs
    histories = {}
    for precision in ("bfloat16", "float32"):
        config = JDRLConfig(**(TINY | {"precision": precision}), epochs=8, warmup_epochs=1, output="residual")
        trained = train_jdrl(blurry, sharp, VARIANTS["final"], config, progress=False)
        histories[precision] = trained.history["loss"].to_numpy()
        assert all(p.dtype == torch.float32 for p in trained.model.parameters())  # autocast keeps float32 masters
    assert np.isfinite(histories["bfloat16"]).all()
    assert abs(histories["bfloat16"].mean() / histories["float32"].mean() - 1) < 0.25
    keys = {
        training.run_key(blurry, sharp, VARIANTS["final"], JDRLConfig(**(TINY | {"precision": p})))
        for p in ("bfloat16", "float32")
    }
    assert len(keys) == 2
    with pytest.raises(ValueError, match="precision must be one of"):
        JDRLConfig(**(TINY | {"precision": "fp8"}))
