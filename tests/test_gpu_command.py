"""The prepared GPU command (``benchmarks/gpu_paper_budget.sh``) as a dry run on the CPU: a command that waits for a
lent GPU must not rot in between."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def test_the_paper_budget_command_runs_j_then_a_and_a_second_call_only_reads_the_cache(tmp_path, shared_levin):
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "ITERATIONS": "4",
        "SCALE": "0.5",
        "CASES": "1",
        "WORKERS": "1",
        "FOLDER": str(shared_levin),
        "CACHE": str(tmp_path / "cache"),
        "OUT": str(tmp_path / "out"),
    }
    command = ["bash", str(ROOT / "benchmarks" / "gpu_paper_budget.sh")]
    subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=600)
    out = tmp_path / "out" / "selfdeblur_paper_4"
    assert {"log_SelfDeblur-J.txt", "log_SelfDeblur-J_SelfDeblur-A.txt"} <= {p.name for p in out.iterdir()}
    rows = pd.read_csv(out / "table3_levin_rows.csv").set_index("method")
    assert rows.loc["SelfDeblur-J", "iterations (ours)"] == rows.loc["SelfDeblur-A", "iterations (ours)"] == 4
    claims = pd.read_csv(out / "claims_verdicts.csv")
    assert "SelfDeblur-J > SelfDeblur-A" in set(claims["claim"])

    def cache_state():
        return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in (tmp_path / "cache").rglob("*") if p.is_file()}

    before, first = cache_state(), claims.to_csv(index=False)
    # resumable: the second call reads every run from the cache (no file of it rewritten) and gives the same claims
    subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=600)
    assert before and cache_state() == before
    assert pd.read_csv(out / "claims_verdicts.csv").to_csv(index=False) == first
