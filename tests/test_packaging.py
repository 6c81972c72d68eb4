"""environment.yml and pyproject.toml must list the same dependencies."""

import re
from pathlib import Path

import tomllib

import deblur_core

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from the PyPI names
CONDA_TO_PYPI = {"pytorch-cpu": "torch", "pytorch": "torch", "py-opencv": "opencv-python-headless"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def pyproject_dependencies() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {_name(r) for r in data["project"]["dependencies"]}


def environment_dependencies() -> set[str]:
    names = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        match = re.match(r"^\s{2}- ([A-Za-z0-9_.-]+)", line)
        if match and match.group(1) not in ("python", "pip"):
            name = _name(match.group(1))
            names.add(CONDA_TO_PYPI.get(name, name))
    return names


def test_environment_and_pyproject_agree():
    assert environment_dependencies() == pyproject_dependencies()


def test_version_in_one_place():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in data["project"]["dynamic"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", deblur_core.__version__)


def test_makefile_pins_torch():
    assert "torch==2.13.0" in (ROOT / "Makefile").read_text()
