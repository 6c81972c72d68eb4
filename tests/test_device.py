import json
import os
import platform
import resource
import subprocess
import sys

import pytest
import torch

from deblur_core.allocator import ALLOCATOR_ENV, configure_allocator
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
    assert seen == {
        "first conv input": torch.float32,
        "skip conv input": torch.float32,
        "merge input": torch.bfloat16,
        "deeper conv output": torch.bfloat16,
    }
    assert out.dtype == torch.float32


def test_kernel_generator_never_runs_in_bfloat16():
    import numpy as np

    from deblur_core.selfdeblur import SelfDeblurConfig, SelfDeblurOptimiser

    config = SelfDeblurConfig(
        kernel_size=(7, 7), iterations=1, precision="bfloat16", channels=8, skip_channels=2, levels=3
    )
    optimiser = SelfDeblurOptimiser(
        np.random.default_rng(0).random((41, 41)), config, 0.0, select_precision(torch.device("cpu"), "bfloat16")
    )
    with torch.no_grad():
        assert torch.equal(optimiser._kernel(), optimiser.kernel_net(optimiser.z_kernel))


SKYLAKE = {"avx2", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"}
SAPPHIRE_RAPIDS = SKYLAKE | {"avx512_bf16", "amx_bf16", "amx_tile"}


def test_emulated_bf16_is_never_chosen(monkeypatch):
    monkeypatch.delenv("DEBLUR_PRECISION", raising=False)
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    cpu = torch.device("cpu")
    # oneDNN reports bf16 "supported" on every AVX-512 CPU; the decision must not ask it
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True, raising=False)
    assert select_precision(cpu, flags=SKYLAKE).name == "float32-channels-last"
    assert select_precision(cpu, flags=SAPPHIRE_RAPIDS).name == "bfloat16-autocast"
    assert select_precision(cpu, flags={"fp", "asimd", "bf16"}).name == "bfloat16-autocast"  # ARM with BF16
    assert select_precision(cpu, flags={"fp", "asimd"}).name == "float32"


def test_channels_last_only_where_avx512_makes_it_faster(monkeypatch):
    monkeypatch.delenv("DEBLUR_PRECISION", raising=False)
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    cpu = torch.device("cpu")
    # measured: 1.7x slower than NCHW on an AVX2-only EPYC, 1.1x faster with AVX-512
    assert select_precision(cpu, flags={"avx2", "fma"}).name == "float32"
    assert select_precision(cpu, flags=SKYLAKE).name == "float32-channels-last"
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert select_precision(cpu, flags=SKYLAKE).name == "float32"


def test_isa_cap_below_bf16_counts_as_no_native_bf16(monkeypatch):
    from deblur_core.device import cpu_native_bf16

    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE")
    assert cpu_native_bf16(SAPPHIRE_RAPIDS) is False
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_AMX")
    assert cpu_native_bf16(SAPPHIRE_RAPIDS) is True


def test_unknown_flags_fall_back_to_a_cached_probe(monkeypatch, tmp_path):
    from deblur_core import device

    monkeypatch.setenv("DEBLUR_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(device, "cpu_flags", lambda: None)
    calls = []

    def slow_bf16():
        calls.append(1)
        return 0.4

    monkeypatch.setattr(device, "measure_bf16_speedup", slow_bf16)
    cpu = torch.device("cpu")
    assert device.select_precision(cpu).name == "float32"
    assert device.select_precision(cpu).name == "float32"
    assert len(calls) == 1 and (tmp_path / "deblur-companion" / "bf16_probe.json").exists()


def test_cuda_asks_for_native_bf16_only(monkeypatch):
    from deblur_core import device

    asked = {}

    def supported(including_emulation=True):
        asked["emulation"] = including_emulation
        return False

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", supported)
    assert device.bf16_is_fast(torch.device("cuda")) is False and asked == {"emulation": False}


def test_float32_channels_last_is_offered():
    p = select_precision(torch.device("cpu"), "float32-channels-last")
    assert p.autocast_dtype is None and p.channels_last
    x = p.prepare(torch.rand(1, 3, 8, 8))
    assert x.is_contiguous(memory_format=torch.channels_last)


def test_allocator_falls_back_to_the_old_glibc_limit_and_respects_the_opt_out():
    calls = []

    def old_glibc_mallopt(parameter, value):
        calls.append((parameter, value))
        return int(not (parameter == -3 and value > 32 << 20))

    assert configure_allocator("glibc", old_glibc_mallopt, {}).startswith("glibc, freed blocks up to 32 MiB retained")
    assert calls[-1] == (-3, 32 << 20)
    calls.clear()
    assert "system" in configure_allocator("glibc", old_glibc_mallopt, {ALLOCATOR_ENV: "system"})
    assert calls == []
    with pytest.raises(ValueError, match="'retain' or 'system'"):
        configure_allocator("glibc", old_glibc_mallopt, {ALLOCATOR_ENV: "off"})


_PAGE_FAULTS_OF_REUSE = """
import json, resource, torch
from deblur_core.allocator import retain_freed_memory
from deblur_core.device import select_device
select_device("cpu")
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for step in range(24):
    if step == 16:  # glibc needs a few rounds before a freed block fits torch's aligned request
        before = faults()
    block = torch.ones(16 << 20)  # 64 MiB, freed at the next assignment
print(json.dumps([faults() - before, retain_freed_memory()]))
"""


def _transparent_huge_pages_always() -> bool:
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as setting:
            return "[always]" in setting.read()
    except OSError:
        return False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="retention applies to glibc only")
@pytest.mark.skipif(_transparent_huge_pages_always(), reason="huge pages change the page-fault count")
def test_choosing_the_cpu_makes_freed_tensors_reusable_without_page_faults():
    def page_faults(allocator):
        env = {**os.environ, ALLOCATOR_ENV: allocator}
        answer = subprocess.run([sys.executable, "-c", _PAGE_FAULTS_OF_REUSE], env=env, capture_output=True, text=True)
        assert answer.returncode == 0, answer.stderr
        return json.loads(answer.stdout)

    retained, state = page_faults("retain")
    if "1024 MiB" not in state:
        pytest.skip(f"this glibc keeps only smaller blocks: {state}")
    returned, _ = page_faults("system")
    pages_per_block = (64 << 20) // resource.getpagesize()
    # glibc's own behaviour: every 64 MiB block is a fresh mmap, faulted in page by page
    assert returned > 6 * pages_per_block
    # retained: after the first rounds, freed blocks are reused with their pages in place (at most
    # two blocks of heap growth in the 8 allocations measured: a fresh-clone run once faulted in exactly two)
    assert retained <= 2 * pages_per_block
