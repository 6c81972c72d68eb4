"""Every page of the built companion site loads in Chromium with no console error, and every image shows."""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs"))
import assemble  # noqa: E402


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory, free_port):
    source, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("html")
    assemble.assemble(source / "book")
    subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(source / "book"), str(out)], check=True)
    handler = functools.partial(QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()


def test_every_page_loads_without_console_errors_and_shows_its_images(browser, site_url):
    base, pages = site_url
    assert "index.html" in pages and len(pages) >= 5
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed request: {request.url}"))
    checked_images = 0
    for name in pages:
        problems.clear()
        response = page.goto(f"{base}/{name}", wait_until="load")
        assert response is not None and response.ok, f"{name}: HTTP {response.status if response else 'none'}"
        page.wait_for_load_state("networkidle")
        broken = page.eval_on_selector_all(
            "img", "images => images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
        )
        checked_images += page.eval_on_selector_all("img", "images => images.length")
        assert not problems, f"{name}: {problems}"
        assert not broken, f"{name}: images that do not show: {broken}"
    assert checked_images >= 10, "the site should show the figures"
    page.close()
