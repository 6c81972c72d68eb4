"""The committed executed notebooks: one per source notebook, with outputs, from the profile their folder names."""

import json

import pytest

from deblur_core.profiles import PROFILES
from deblur_core.reproduce import EXECUTED_DIR, notebooks

COMMITTED = sorted(p for p in EXECUTED_DIR.glob("*/*.ipynb") if p.parent.name != "smoke")


def test_every_notebook_has_an_executed_copy():
    executed = {p.name for p in COMMITTED}
    assert {n.name for n in notebooks()} <= executed, "run `make reproduce` (quick or long) and commit executed/"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_executed_copy_has_outputs_from_its_profile(path):
    profile = path.parent.name
    assert profile in PROFILES
    notebook = json.loads(path.read_text())
    assert notebook["metadata"]["papermill"]["parameters"]["PROFILE"] == profile
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code), "a code cell was not executed"
    printed = "".join(
        "".join(o.get("text", "")) for c in code for o in c.get("outputs", []) if o["output_type"] == "stream"
    )
    assert f"[{profile}]" in printed and not any(
        o["output_type"] == "error" for c in code for o in c.get("outputs", [])
    )
    assert any("image/png" in o.get("data", {}) for c in code for o in c.get("outputs", [])), "no figure"
