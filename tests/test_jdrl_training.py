import numpy as np
import pytest
import torch

from deblur_core.jdrl import training
from deblur_core.jdrl.data import make_pair
from deblur_core.jdrl.training import SUPPLEMENT_VARIANT_2, VARIANTS, JDRLConfig, build_networks, step_loss, train_jdrl

TINY = dict(width=2, reblur_width=4, levels=3, crop=33, learning_rate=3e-3, halve_every=100)


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
