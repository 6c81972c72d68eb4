import pytest
import torch

from deblur_core.device import select_device, select_precision
from deblur_core.models.skip import SkipNetwork


def test_precision_choices(monkeypatch):
    cpu = torch.device("cpu")
    assert select_precision(cpu, "float32").autocast_dtype is None
    bf16 = select_precision(cpu, "bfloat16")
    assert bf16.autocast_dtype == torch.bfloat16 and bf16.channels_last
    monkeypatch.setenv("DEBLUR_PRECISION", "float32")
    assert select_precision(cpu).name == "float32"
    with pytest.raises(ValueError, match="unknown precision"):
        select_precision(cpu, "half")
    monkeypatch.setenv("DEBLUR_DEVICE", "cpu")
    assert select_device() == cpu


def test_mixed_precision_keeps_input_and_output_layers_in_float32():
    """The noise input's jitter (std 1e-3) is below bf16 resolution; the merge must stay bf16 for speed."""
    net = SkipNetwork(8, 1, channels=16, skip_channels=4, levels=3)
    seen = {}

    def record(name, of_output=False):
        def hook(module, inputs, output):
            seen[name] = output.dtype if of_output else inputs[0].dtype
        return hook

    outer = net.body
    outer.down[0][0].register_forward_hook(record("first conv input"))
    outer.skip[0].register_forward_hook(record("skip conv input"))
    outer.merge_norm.register_forward_hook(record("merge input"))
    outer.inner.down[0][0].register_forward_hook(record("deeper conv output", of_output=True))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = net(torch.rand(1, 8, 33, 35) * 0.1)
    assert seen == {"first conv input": torch.float32, "skip conv input": torch.float32,
                    "merge input": torch.bfloat16, "deeper conv output": torch.bfloat16}
    assert out.dtype == torch.float32


def test_kernel_generator_never_runs_in_bfloat16():
    import numpy as np

    from deblur_core.selfdeblur import SelfDeblurConfig, SelfDeblurOptimiser

    config = SelfDeblurConfig(kernel_size=(7, 7), iterations=1, precision="bfloat16", channels=8,
                              skip_channels=2, levels=3)
    optimiser = SelfDeblurOptimiser(np.random.default_rng(0).random((41, 41)), config, 0.0,
                                    select_precision(torch.device("cpu"), "bfloat16"))
    with torch.no_grad():
        assert torch.equal(optimiser._kernel(), optimiser.kernel_net(optimiser.z_kernel))
