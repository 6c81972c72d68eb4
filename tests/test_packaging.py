"""Packaging: environment.yml and pyproject.toml agree; the shipped weights ship and load."""

import re
from pathlib import Path

import numpy as np
import tomllib

import deblur_core

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from the PyPI names
CONDA_TO_PYPI = {"pytorch-cpu": "torch", "pytorch": "torch", "py-opencv": "opencv-python-headless"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


# the extras `make` installs (browser comes with `make test-browser`, outside conda)
MAKE_EXTRAS = ("notebooks", "test", "docs", "distributed")
# what the library may not need: every package of the extras, by import name
EXTRA_MODULES = ("ipywidgets", "jupyterlab", "jupyter_client", "IPython", "nbformat", "papermill", "pytest", "nbval")
EXTRA_MODULES += ("sphinx", "myst_nb", "sphinx_book_theme", "distributed", "dask", "playwright")
BARE_IMPORT = """
import importlib, importlib.abc, pkgutil, sys
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} belongs to an extra")
sys.meta_path.insert(0, Blocked())
import deblur_core
for module in pkgutil.walk_packages(deblur_core.__path__, "deblur_core."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
"""


def pyproject_dependencies(extras=MAKE_EXTRAS) -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = data["dependencies"] + [r for extra in extras for r in data["optional-dependencies"][extra]]
    return {_name(r) for r in requirements}


def environment_dependencies() -> set[str]:
    names = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        # conda packages, and the pip section's packages that conda-forge lacks
        match = re.match(r"^\s{2}- ([A-Za-z0-9_.-]+)", line) or re.match(r"^\s{6}- ([A-Za-z0-9_][A-Za-z0-9_.-]*)", line)
        if match and match.group(1) not in ("python", "pip"):
            name = _name(match.group(1))
            names.add(CONDA_TO_PYPI.get(name, name))
    return names


def test_environment_and_pyproject_agree():
    assert environment_dependencies() == pyproject_dependencies()


def test_the_library_imports_without_any_extra():
    import subprocess
    import sys

    script = f"BLOCKED = {set(EXTRA_MODULES)!r}\n" + BARE_IMPORT
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    # and the check can fail: a module that imports an extra at the top is caught
    failing = "BLOCKED = {'pandas'}\n" + BARE_IMPORT
    assert subprocess.run([sys.executable, "-c", failing], capture_output=True, cwd=ROOT).returncode != 0


def test_the_dependencies_hold_no_tool_of_an_extra():
    assert not pyproject_dependencies(extras=()) & {"pytest", "ruff", "sphinx", "papermill", "jupyterlab"}


def test_the_console_command_is_the_cli():
    from deblur_core import cli

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, function = scripts["deblur-companion"].split(":")
    assert module == "deblur_core.cli" and getattr(cli, function) is cli.run


def test_version_in_one_place():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in data["project"]["dynamic"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", deblur_core.__version__)


def test_makefile_pins_torch():
    assert "torch==2.13.0" in (ROOT / "Makefile").read_text()


def test_shipped_weights_are_small_load_on_cpu_and_are_package_data():
    from deblur_core import weights
    from deblur_core.models.region_classifier import load_classifier
    from deblur_core.models.unet import load_unet
    from deblur_core.regions.selectors import GaborSelector

    shipped = weights.manifest()
    assert set(shipped) == {"region_classifier.pt", "gabor_selector.npz", "jdrl_unet.pt"}
    for name, info in shipped.items():
        assert info["profile"] in weights.SHIPPING_PROFILES
        # the long classifier is 5.4 MB, the long JDRL UNet (16 wide) 8.7 MB
        assert weights.shipped_path(name).stat().st_size < 10_000_000
    model = load_classifier(weights.shipped_path("region_classifier.pt"), device="cpu")
    assert next(model.parameters()).device.type == "cpu"
    unet = load_unet(weights.shipped_path("jdrl_unet.pt"), device="cpu")
    assert unet.output == "residual" and next(unet.parameters()).device.type == "cpu"
    with np.load(weights.shipped_path("gabor_selector.npz")) as state:
        assert GaborSelector.from_state_dict(dict(state)).fitted
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert {"*.pt", "*.npz", "manifest.json"} <= set(package_data["deblur_core.weights"])
