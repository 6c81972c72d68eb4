"""The committed executed notebooks: one per source notebook, with outputs, from the profile their folder names."""

import json

import pytest

from deblur_core.profiles import PROFILES
from deblur_core.reproduce import EXECUTED_DIR, absolute_paths, notebooks

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


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_every_source_cell_has_its_own_id(path):
    # nbformat 4.5 requires cell ids (nbformat warns that a missing one will become an error)
    notebook = json.loads(path.read_text())
    ids = [cell.get("id") for cell in notebook["cells"]]
    assert (notebook["nbformat"], notebook["nbformat_minor"]) >= (4, 5)
    assert all(ids) and len(set(ids)) == len(ids), f"{path.name}: a cell has no id or shares one"


def test_committed_results_stay_light():
    """figures/ and executed/ together under 20 MB at HEAD: PNGs at screen resolution, PDFs made on demand."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    listed = subprocess.run(
        ["git", "ls-files", "-z", "figures", "executed"], cwd=root, capture_output=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the committed files cannot be listed")
    files = [root / name for name in listed.stdout.decode().split("\0") if name]
    assert not [f for f in files if f.suffix == ".pdf"], "PDFs are made by `make figures-pdf`, not committed"
    total = sum(f.stat().st_size for f in files if f.exists())
    assert total < 20 * 2**20, f"figures/ and executed/ weigh {total / 2**20:.1f} MB; keep them under 20 MB"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_executed_copy_prints_no_absolute_path(path):
    notebook = json.loads(path.read_text())
    found = []
    for index, cell in enumerate(notebook["cells"]):
        texts = ["".join(cell["source"])] if cell["cell_type"] == "markdown" else []
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            texts += [
                "".join(output.get("data", {}).get(kind, "")) for kind in ("text/plain", "text/markdown", "text/html")
            ]
        found += [f"cell {index}: {hit}" for text in texts for hit in absolute_paths(text)]
    assert not found, (
        f"{path.name} prints paths of the machine that ran it (print them relative to the repository): {found[:5]}"
    )
