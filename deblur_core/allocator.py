"""The C allocator, tuned for CPU training loops: freed memory kept for the next step.

PyTorch has no caching allocator on the CPU, and glibc serves every block above its mmap threshold with a fresh
``mmap`` that it returns to the kernel on ``free``, so each step of a loop faults in and zeroes the same activations
again. :func:`retain_freed_memory` raises glibc's thresholds once per process;
:func:`deblur_core.device.select_device` calls it when it chooses the CPU.
"""

from __future__ import annotations

import ctypes
import os
import platform

ALLOCATOR_ENV = "DEBLUR_CPU_ALLOCATOR"

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
# PyTorch has no caching allocator on the CPU: every activation is malloc'ed and freed each step
MMAP_AND_TRIM_THRESHOLD = 1 << 30
# the largest mmap threshold that glibc releases before 2.35 accept (half their 64 MiB heap size)
_OLD_GLIBC_MMAP_LIMIT = 32 << 20
_allocator_state: str | None = None


def retain_freed_memory() -> str:
    """Make glibc keep freed blocks of up to 1 GiB for reuse (once per process); return what it does now.

    glibc serves every block above its mmap threshold (128 KiB to 32 MiB, adapting) with a
    fresh ``mmap`` and returns it to the kernel on ``free``. A network's activations are that
    big, so every step of a CPU training loop faults in, and zeroes, the same gigabyte again:
    on a 2-core machine that took half of a SelfDeblur iteration
    (``benchmarks/selfdeblur_speed.py`` and ``benchmarks/cpu_allocator.py`` measure it). Raising the
    mmap and trim thresholds makes freed blocks stay in the heap for the next step, so the
    process's memory no longer shrinks after a peak (and heap fragmentation can raise the peak a
    little; +10 % was measured for SelfDeblur). Numerical results are unchanged. The setting is
    process-wide: it also applies to any other code running in the same process.

    Linux with glibc only (elsewhere a no-op); ``DEBLUR_CPU_ALLOCATOR=system`` keeps glibc's
    behaviour. :func:`deblur_core.device.select_device` and :func:`~deblur_core.device.select_precision` call it
    when they choose the CPU.
    """
    global _allocator_state
    if _allocator_state is None:
        _allocator_state = configure_allocator(platform.libc_ver()[0], None, os.environ)
    return _allocator_state


def configure_allocator(libc: str, mallopt, environ) -> str:
    """The decision of :func:`retain_freed_memory` for C library ``libc`` (``platform.libc_ver()[0]``),
    applied through ``mallopt`` (``None``: the process's own) under environment ``environ``.

    Examples
    --------
    >>> calls = []
    >>> configure_allocator("glibc", lambda *a: calls.append(a) or 1, environ={})
    'glibc, freed blocks up to 1024 MiB retained'
    >>> calls == [(-1, 1 << 30), (-3, 1 << 30)]
    True
    >>> configure_allocator("", None, environ={})
    'system allocator (not glibc)'
    """
    choice = environ.get(ALLOCATOR_ENV, "retain")
    if choice not in ("retain", "system"):
        raise ValueError(f"${ALLOCATOR_ENV} must be 'retain' or 'system', got {choice!r}")
    if choice == "system":
        return f"system allocator (${ALLOCATOR_ENV}=system)"
    if libc != "glibc":
        return "system allocator (not glibc)"
    mallopt = mallopt or ctypes.CDLL(None).mallopt
    mallopt(_M_TRIM_THRESHOLD, MMAP_AND_TRIM_THRESHOLD)
    threshold = MMAP_AND_TRIM_THRESHOLD
    if not mallopt(_M_MMAP_THRESHOLD, threshold):
        threshold = _OLD_GLIBC_MMAP_LIMIT
        mallopt(_M_MMAP_THRESHOLD, threshold)
    limited = "" if threshold == MMAP_AND_TRIM_THRESHOLD else " (this glibc's limit: little gain)"
    return f"glibc, freed blocks up to {threshold >> 20} MiB retained{limited}"
