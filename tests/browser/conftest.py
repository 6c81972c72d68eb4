"""Browser checks (``make test-browser``): Debian's headless Chromium driven by Playwright from pip.

They run when ``DEBLUR_BROWSER_TESTS=1`` (set by ``make test-browser``, which also installs the browser);
a plain ``pytest`` skips them and says how to run them. Once asked for, a missing browser is an error.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("DEBLUR_BROWSER_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="browser check: run `make test-browser` (installs Debian's chromium)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


def chromium_path() -> str:
    for candidate in (os.environ.get("DEBLUR_CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    raise pytest.UsageError(
        "no Chromium found: install Debian's `chromium` (make test-browser does) or set DEBLUR_CHROMIUM"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def free_port():
    """A function returning a local TCP port nobody listens on."""
    return _free_port


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start
        launched = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()
