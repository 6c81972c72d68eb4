"""Prose from settings and results: the committed `long` notebooks say what their profile ran.

Three checks, each able to fail on a stale copy:

* the first printed line of each executed `long` notebook and its table of what each profile runs are rendered
  again from today's profiles, and must match the copy (a profile changed since the run fails here);
* the copy's Markdown cells are the source notebook's (links made relative to the copy), so prose fixed in a source
  but not re-executed fails here;
* no Markdown cell or code comment of a source notebook types a count or size next to a profile's name: those come
  from the profile (``report.settings_text``, ``report.scope_markdown``) or from the run's results.
"""

import json
import re

import pytest

from deblur_core.jdrl import report as jdrl_report
from deblur_core.profiles import profile_settings
from deblur_core.regions import report as regions_report
from deblur_core.reproduce import EXECUTED_DIR, NOTEBOOK_DIR, relink
from deblur_core.selfdeblur import report as selfdeblur_report

COMPARED = ("quick", "long", "paper")


def _regions(profile):
    settings = profile_settings("regions", profile)
    scope = regions_report.scope_markdown({p: profile_settings("regions", p) for p in COMPARED})
    return regions_report.settings_text(settings), scope


def _jdrl(profile):
    settings = profile_settings("jdrl", profile)
    scope = jdrl_report.scope_markdown({p: profile_settings("jdrl", p) for p in COMPARED})
    return jdrl_report.settings_text(settings, settings.seeds), scope


def _selfdeblur(profile):
    settings = profile_settings("selfdeblur", profile)
    scope = selfdeblur_report.scope_markdown({p: profile_settings("selfdeblur", p) for p in COMPARED})
    return selfdeblur_report.settings_text(settings, settings.seeds), scope


RENDERERS = {
    "01_region_selection": _regions,
    "02_jdrl_ablation": _jdrl,
    "03_selfdeblur": _selfdeblur,
}
EXECUTED_LONG = sorted((EXECUTED_DIR / "long").glob("*.ipynb"))


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _printed(cell) -> str:
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o["output_type"] == "stream")


def _markdown_outputs(cell) -> list[str]:
    return [
        "".join(o["data"]["text/markdown"])
        for o in cell.get("outputs", [])
        if o["output_type"] in ("display_data", "execute_result") and "text/markdown" in o.get("data", {})
    ]


def test_every_source_notebook_has_a_renderer():
    assert {p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")} == set(RENDERERS)


@pytest.mark.parametrize("path", EXECUTED_LONG, ids=lambda p: p.stem)
def test_the_executed_long_copy_says_what_the_profile_runs_today(path):
    notebook = json.loads(path.read_text())
    parameters = notebook["metadata"]["papermill"]["parameters"]
    assert parameters == {"PROFILE": "long"}, f"{path.name} ran with {parameters}: re-render it from those instead"
    settings_text, scope = RENDERERS[path.stem]("long")
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    first_line = next(line for c in code for line in _printed(c).splitlines() if line.startswith("[long] "))
    assert first_line.startswith(f"[long] {settings_text};"), (
        f"{path.name}'s first line no longer matches the long profile: re-run "
        "`python -m deblur_core reproduce --profile long --only " + path.stem[:2] + "`"
    )
    scope_outputs = [text for c in code if "scope_markdown(" in "".join(c["source"]) for text in _markdown_outputs(c)]
    assert scope_outputs == [scope], f"{path.name}'s table of profiles is stale: re-run it under long"


@pytest.mark.parametrize("path", EXECUTED_LONG, ids=lambda p: p.stem)
def test_the_executed_long_copy_has_the_source_prose(path):
    source = [c for c in _cells(NOTEBOOK_DIR / path.name) if c["cell_type"] == "markdown"]
    executed = [c for c in _cells(path) if c["cell_type"] == "markdown"]
    expected = [relink("".join(c["source"]), path.parent) for c in source]
    found = ["".join(c["source"]) for c in executed]
    stale = [i for i, (a, b) in enumerate(zip(expected, found)) if a != b]
    assert len(expected) == len(found) and not stale, (
        f"{path.name}: Markdown cell(s) {stale or 'count'} differ from notebooks/{path.name}; re-run it under long"
    )


# a count or size with its unit, in a sentence that names a CPU profile: such a number belongs to the profile
_UNITS = (
    r"px|epochs?|iterations?|steps?|seeds?|folds?|cases?|scenes?|images?|photographs?|kernels?|windows?|pairs?"
    r"|runs|variants?|channels?|min|minutes?|hours?|dB"
)
_COUNT = re.compile(rf"\b\d[\d,.]*(?:\s*[–-]\s*\d[\d,.]*)?\s*(?:{_UNITS})\b")
_PROFILE = re.compile(r"`(?:quick|long|smoke)`|\b(?:quick|long)'s\b|\[(?:quick|long)\]")


def typed_profile_counts(text: str) -> list[str]:
    """The sentences of ``text`` that name a CPU profile and type a count with its unit.

    >>> typed_profile_counts("`long` trains 8 epochs. The paper trains 20 epochs. `quick` runs fast.")
    ['`long` trains 8 epochs.']
    """
    sentences = re.split(r"(?<=[.;:])\s+|\n\s*\n|\n\s*[*-] ", text)
    return [s.strip() for s in sentences if _PROFILE.search(s) and _COUNT.search(s)]


@pytest.mark.parametrize("notebook", sorted(NOTEBOOK_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_no_source_prose_types_a_profiles_count(notebook):
    found = []
    for index, cell in enumerate(_cells(notebook)):
        text = "".join(cell["source"])
        if cell["cell_type"] == "code":
            text = "\n".join(line.split("#", 1)[1] for line in text.splitlines() if "#" in line)
        found += [f"cell {index}: {sentence[:120]}" for sentence in typed_profile_counts(text)]
    assert not found, "render these from the profile or the results instead:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("kind", "report", "change", "shown"),
    [
        ("regions", regions_report, {"epochs": 9}, "9 epochs of batches of 32"),
        ("jdrl", jdrl_report, {"max_radius": 5}, "discs up to 5 px"),
        ("selfdeblur", selfdeblur_report, {"iterations": 1234}, "1,234 iterations"),
    ],
)
def test_the_table_of_profiles_follows_the_profiles(kind, report, change, shown):
    profiles = {p: profile_settings(kind, p) for p in COMPARED}
    assert shown not in report.scope_markdown(profiles)
    profiles["long"] = profile_settings(kind, "long", **change)
    table = report.scope_markdown(profiles)
    assert shown in table and "| | `quick` | `long` | `paper` |" in table
    with pytest.raises(ValueError, match="paper"):
        report.scope_markdown({"long": profiles["long"]})


def test_selfdeblur_profiles_name_the_tables_their_variants_fill():
    assert selfdeblur_report.tables_run(profile_settings("selfdeblur", "paper").variants) == [
        "Table 1",
        "Table 2",
        "Table 3",
    ]
    assert selfdeblur_report.tables_run(("SelfDeblur-J", "SelfDeblur k−")) == ["Table 3"]
