"""Test settings for every test path (tests, doctests, notebooks run directly too): smoke profile, quiet progress."""

import os

os.environ.setdefault("DEBLUR_PROFILE", "smoke")
os.environ.setdefault("DEBLUR_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    """Every notebook cell nbval runs counts as slow (``make test-fast`` leaves them out); tests mark their own."""
    import pytest

    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
