"""Fixtures shared by the test files."""

from pathlib import Path

import pytest

# the public copy of Levin et al.'s benchmark kept beside the checkout for development machines without network
# access (never committed); CI has none, and the tests that need it skip there
SHARED_LEVIN = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "levin"


@pytest.fixture(scope="session")
def shared_levin() -> Path:
    """The development copy of the Levin benchmark; skips the test where it is absent."""
    if not SHARED_LEVIN.is_dir():
        pytest.skip(f"no development copy of the Levin benchmark at {SHARED_LEVIN}")
    return SHARED_LEVIN
