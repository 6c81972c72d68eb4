"""The package docstring and the README's layout section name every module of the package."""

import re
from pathlib import Path

import deblur_core

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "deblur_core"


def top_level_names() -> set[str]:
    modules = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("__")}
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    return modules | packages


def submodule_names() -> set[str]:
    return {
        p.stem
        for package in PACKAGE.iterdir()
        if (package / "__init__.py").is_file()
        for p in package.glob("*.py")
        if not p.stem.startswith("__")
    }


def readme_layout() -> str:
    text = (ROOT / "README.md").read_text()
    return text[text.index("## Layout") :].split("\n## ", 1)[0]


def missing(names: set[str], text: str) -> list[str]:
    return sorted(name for name in names if not re.search(rf"\b{re.escape(name)}\b", text))


def test_the_package_docstring_names_every_module_and_subpackage():
    assert missing(top_level_names(), deblur_core.__doc__) == []


def test_the_readme_layout_names_every_module_and_submodule():
    assert missing(top_level_names() | submodule_names(), readme_layout()) == []


def test_the_check_notices_a_missing_name():
    assert missing({"kernels", "nowhere_module"}, "``kernels``: kernel utilities") == ["nowhere_module"]


def test_the_readme_stays_short():
    """What this is, the verdicts, the two commands, profiles in brief, data, citing: the rest is on the site."""
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; move detail to a page under docs/pages/"
