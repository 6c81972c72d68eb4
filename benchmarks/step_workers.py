"""Timing workers for the benchmarks: each timed path in its own process.

Settings such as glibc's allocator thresholds (:func:`deblur_core.allocator.retain_freed_memory`) are
process-wide, so paths that differ in them cannot share a process. A benchmark starts one
:class:`Worker` per path (a copy of itself run with ``--worker NAME``), whose process calls
:func:`serve` with a function that runs one step; the parent then asks each worker in turn for
the seconds per step over a few steps, so that machine noise hits every path alike.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def serve(step, description: dict, warm_up: int = 4) -> None:
    """Worker side: warm up, print ``description`` as JSON, then answer each line ``N`` on stdin with
    the seconds per call of ``step`` over N calls."""
    for _ in range(warm_up):  # allocator, oneDNN primitive caches
        step()
    print(json.dumps(description), flush=True)
    for line in sys.stdin:
        steps = int(line)
        started = time.perf_counter()
        for _ in range(steps):
            step()
        print((time.perf_counter() - started) / steps, flush=True)


class Worker:
    """Parent side: a worker process started as ``python SCRIPT --worker ARGS...`` with extra environment."""

    def __init__(self, script: str, arguments: list[str], environment: dict[str, str]):
        self.process = subprocess.Popen(
            [sys.executable, script, "--worker", *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **environment},
        )
        self.description = json.loads(self._answer())

    def _answer(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker stopped (exit code {self.process.wait()}); see its error above")
        return line

    def seconds_per_step(self, steps: int) -> float:
        self.process.stdin.write(f"{steps}\n")
        self.process.stdin.flush()
        return float(self._answer())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def time_alternating(workers: dict[str, Worker], rounds: int, steps: int) -> dict[str, list[float]]:
    """Seconds per step of every worker, ``rounds`` times in turn; the workers are closed afterwards."""
    try:
        times = {name: [] for name in workers}
        for _ in range(rounds):
            for name, worker in workers.items():
                times[name].append(worker.seconds_per_step(steps))
        return times
    finally:
        for worker in workers.values():
            worker.close()
