"""Test settings for every test path (tests, doctests, notebooks run directly too): smoke profile, quiet progress."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DEBLUR_PROFILE", "smoke")
os.environ.setdefault("DEBLUR_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    """Every notebook cell nbval runs counts as slow (``make test-fast`` leaves them out); tests mark their own."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


# the public copy of Levin et al.'s benchmark kept beside the checkout for development machines without network
# access (never committed); CI has none, and the tests that need it skip there
SHARED_LEVIN = Path(__file__).resolve().parents[1] / "shared" / "datasets" / "levin"


@pytest.fixture(scope="session")
def shared_levin() -> Path:
    """The development copy of the Levin benchmark; skips the test where it is absent."""
    if not SHARED_LEVIN.is_dir():
        pytest.skip(f"no development copy of the Levin benchmark at {SHARED_LEVIN}")
    return SHARED_LEVIN
