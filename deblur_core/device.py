"""Device, precision and seeding: chosen here and nowhere else.

The device is CUDA if present, then Apple's MPS, then the CPU. Reduced precision
(bfloat16 autocast with channels-last tensors) is used for the big convolutional
networks only where the hardware computes it natively: CUDA GPUs of compute
capability 8.0 or later, and CPUs with AVX-512 BF16 or AMX (read from the CPU's
flags; where they cannot be read, a one-time measured probe cached per machine).
Elsewhere the CPU runs float32, with channels-last tensors only where AVX-512 makes them
faster (:func:`cpu_channels_last_is_fast`). Choosing the CPU also makes the C allocator
keep the memory that large tensors free (:func:`deblur_core.allocator.retain_freed_memory`).
``benchmarks/selfdeblur_speed.py`` measures each choice against plain float32.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .allocator import retain_freed_memory

DEVICE_ENV = "DEBLUR_DEVICE"
PRECISION_ENV = "DEBLUR_PRECISION"


def select_device(preferred: str | None = None) -> torch.device:
    """``preferred``, else ``$DEBLUR_DEVICE``, else CUDA, then MPS, then CPU.

    Choosing the CPU also calls :func:`~deblur_core.allocator.retain_freed_memory` (once per process).
    """
    name = preferred or os.environ.get(DEVICE_ENV)
    if name:
        device = torch.device(name)
    elif torch.cuda.is_available():
        device = torch.device("cuda")
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        device = torch.device("mps")
    else:
        device = torch.device("cpu")
    if device.type == "cpu":
        retain_freed_memory()
    return device


# glibc's mallopt parameters (malloc.h)
# oneDNN ISA levels (ONEDNN_MAX_CPU_ISA) that include native bf16 instructions
_BF16_ISAS = (
    "AVX512_CORE_BF16",
    "AVX512_CORE_AMX",
    "AVX512_CORE_AMX_FP16",
    "AVX10_1_512_AMX",
    "AVX10_1_512_AMX_FP16",
    "AVX10_2_512_AMX_2",
    "ALL",
    "DEFAULT",
)
_X86_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
PROBE_CACHE_ENV = "DEBLUR_CACHE_DIR"


def _cpuinfo(keys: tuple[str, ...]) -> str | None:
    """The value of the first ``/proc/cpuinfo`` line whose key is one of ``keys`` (Linux), else ``None``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key.strip() in keys:
                    return value.strip()
    except OSError:
        pass
    return None


def cpu_flags() -> set[str] | None:
    """The CPU's feature flags (``/proc/cpuinfo`` on Linux, ``sysctl`` on macOS); ``None`` if unknown."""
    flags = _cpuinfo(("flags", "Features"))
    if flags is not None:
        return set(flags.split())
    if platform.system() == "Darwin":
        try:
            answer = subprocess.run(
                ["sysctl", "-n", "hw.optional.arm.FEAT_BF16"], capture_output=True, text=True, timeout=5
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
        return {"bf16"} if answer == "1" else set() if answer == "0" else None
    return None


def cpu_model() -> str:
    """The CPU's model name, as ``lscpu`` prints it (falls back to ``platform.processor()``)."""
    return _cpuinfo(("model name",)) or platform.processor() or platform.machine()


def cpu_native_bf16(flags: set[str] | None = None, max_isa: str | None = None) -> bool | None:
    """Whether the CPU computes bfloat16 in hardware: ``True``, ``False``, or ``None`` when unknown.

    x86 needs AVX-512 BF16 or AMX-BF16 (Cooper Lake, Sapphire Rapids, Zen 4 and later);
    AVX-512 alone only *emulates* bf16, at about a third of the float32 speed. ARM needs
    the BF16 extension. ``ONEDNN_MAX_CPU_ISA`` capped below the bf16 level counts as no.

    Examples
    --------
    >>> cpu_native_bf16({"avx2", "avx512f", "avx512bw"})
    False
    >>> cpu_native_bf16({"avx512f", "amx_bf16"}), cpu_native_bf16({"avx512f", "amx_bf16"}, max_isa="AVX512_CORE")
    (True, False)
    """
    flags = cpu_flags() if flags is None else flags
    if flags is None:
        return None
    max_isa = os.environ.get("ONEDNN_MAX_CPU_ISA") if max_isa is None else max_isa
    if any(f in flags for f in _X86_BF16_FLAGS):
        return not max_isa or max_isa.upper() in _BF16_ISAS
    return "bf16" in flags


def cpu_channels_last_is_fast(flags: set[str] | None = None, max_isa: str | None = None) -> bool:
    """Whether float32 convolutions run faster on channels-last tensors than on NCHW ones on this CPU.

    Measured with ``benchmarks/selfdeblur_speed.py`` (SelfDeblur's G_x, 128 channels, 255 px, memory retained):
    channels-last was 1.10x faster than NCHW on an AMD EPYC with AVX-512 (0.616 against 0.679 s per iteration,
    oneDNN capped at AVX512_CORE), but 1.70x *slower* on a 2-core AMD EPYC with AVX2 only (5.33 against 3.14 s).
    oneDNN's channels-last kernels pay where it has AVX-512, so that is the test; ``ONEDNN_MAX_CPU_ISA`` capped
    below AVX-512 counts as no, and so does a CPU whose flags cannot be read (NCHW is PyTorch's own layout).

    Examples
    --------
    >>> cpu_channels_last_is_fast({"avx2", "fma"}), cpu_channels_last_is_fast({"avx2", "avx512f"})
    (False, True)
    >>> cpu_channels_last_is_fast({"avx2", "avx512f"}, max_isa="AVX2")
    False
    """
    flags = cpu_flags() if flags is None else flags
    if not flags or "avx512f" not in flags:
        return False
    max_isa = os.environ.get("ONEDNN_MAX_CPU_ISA") if max_isa is None else max_isa
    return not max_isa or not max_isa.upper().startswith(("SSE", "AVX2")) and max_isa.upper() != "AVX"


def _probe_cache_file() -> Path:
    base = os.environ.get(PROBE_CACHE_ENV) or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "deblur-companion" / "bf16_probe.json"


def measure_bf16_speedup(repeats: int = 3) -> float:
    """Time a small convolutional forward and backward pass in bf16 and float32 on the CPU;
    return float32 time / bf16 time (above 1: bf16 is faster)."""
    import time

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(64, 64, 3, padding=1), torch.nn.LeakyReLU(0.2), torch.nn.Conv2d(64, 64, 3, padding=1)
    ).to(memory_format=torch.channels_last)
    x = torch.rand(1, 64, 96, 96).to(memory_format=torch.channels_last)

    def seconds(dtype):
        context = torch.autocast("cpu", dtype=dtype) if dtype is not None else contextlib.nullcontext()
        best = float("inf")
        for _ in range(repeats + 1):  # the first pass builds oneDNN's kernels
            started = time.perf_counter()
            with context:
                net(x).float().sum().backward()
            best = min(best, time.perf_counter() - started)
        return best

    return seconds(None) / seconds(torch.bfloat16)


def probed_bf16_is_fast() -> bool:
    """A one-time measured probe (:func:`measure_bf16_speedup`), cached per CPU model and torch version."""
    cache = _probe_cache_file()
    key = f"{cpu_model()}|torch {torch.__version__}|{os.environ.get('ONEDNN_MAX_CPU_ISA', '')}"
    known = {}
    try:
        known = json.loads(cache.read_text())
    except (OSError, ValueError):
        pass
    if key not in known:
        known[key] = measure_bf16_speedup()
        try:
            from .storage import write_json

            write_json(cache, known)
        except OSError:
            pass  # a read-only home only costs a probe per process
    return known[key] > 1.2


def bf16_is_fast(device: torch.device, flags: set[str] | None = None) -> bool:
    """Whether ``device`` computes bfloat16 natively (never an emulated format).

    CUDA: compute capability 8.0 or later (``torch.cuda.is_bf16_supported`` without
    emulation). CPU: the feature flags (:func:`cpu_native_bf16`); where they cannot be
    read, a measured probe cached per machine. oneDNN's own "bf16 supported" answer
    is not used: it says yes on every AVX-512 CPU, including those that emulate it.
    """
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=False)
    if device.type == "cpu":
        native = cpu_native_bf16(flags)
        return probed_bf16_is_fast() if native is None else native
    return False


PRECISIONS = ("auto", "float32", "float32-channels-last", "bfloat16")


@dataclass(frozen=True)
class Precision:
    """How a network runs: autocast dtype (``None`` for float32) and memory layout."""

    device: torch.device
    autocast_dtype: torch.dtype | None
    channels_last: bool

    @property
    def name(self) -> str:
        if self.autocast_dtype is not None:
            return "bfloat16-autocast"
        return "float32-channels-last" if self.channels_last else "float32"

    def autocast(self):
        """Context that runs the enclosed network code in the reduced precision."""
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def prepare(self, tensor_or_module):
        """Move a tensor or module to the device (and channels-last layout if chosen)."""
        moved = tensor_or_module.to(self.device)
        if self.channels_last and (isinstance(moved, torch.nn.Module) or moved.ndim == 4):
            moved = moved.to(memory_format=torch.channels_last)
        return moved


def select_precision(
    device: torch.device | None = None, precision: str = "auto", *, flags: set[str] | None = None
) -> Precision:
    """One of :data:`PRECISIONS`; ``$DEBLUR_PRECISION`` overrides ``'auto'``.

    ``'auto'`` picks bfloat16 autocast with channels-last tensors where the hardware
    computes bf16 natively (:func:`bf16_is_fast`), else float32, with channels-last
    tensors on a CPU where they are faster than NCHW (:func:`cpu_channels_last_is_fast`:
    AVX-512) and plain float32 elsewhere. ``flags`` stands in for the CPU's feature flags (tests).

    Examples
    --------
    >>> cpu = torch.device("cpu")
    >>> select_precision(cpu, flags={"avx512f", "avx512bw"}).name
    'float32-channels-last'
    >>> select_precision(cpu, flags={"avx2", "fma"}).name
    'float32'
    >>> select_precision(cpu, flags={"avx512f", "avx512_bf16"}).name
    'bfloat16-autocast'
    """
    device = device or select_device()
    if device.type == "cpu":
        retain_freed_memory()
    if precision == "auto":
        precision = os.environ.get(PRECISION_ENV, "auto")
    if precision == "auto":
        if bf16_is_fast(device, flags):
            precision = "bfloat16"
        else:
            channels_last = device.type == "cpu" and cpu_channels_last_is_fast(flags)
            precision = "float32-channels-last" if channels_last else "float32"
    if precision == "float32":
        return Precision(device, None, channels_last=False)
    if precision == "float32-channels-last":
        return Precision(device, None, channels_last=True)
    if precision == "bfloat16":
        return Precision(device, torch.bfloat16, channels_last=device.type != "mps")
    raise ValueError(f"unknown precision {precision!r}; use one of {', '.join(map(repr, PRECISIONS))}")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy's global generator and torch; return a torch generator seeded the same way.

    The package draws from explicit ``np.random.default_rng`` generators; the legacy global
    seed is set for readers' own notebook code that still calls ``np.random.*``.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
