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
    # the pages; the themes also copy template fragments (Jinja, not HTML pages) into _static/, which nothing links
    pages = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*.html") if not p.relative_to(out).parts[0] == "_static"
    )
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


def _watch(page, base: str) -> list[str]:
    """Console errors, script errors, failed requests and any request that leaves the site, as they happen."""
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed request: {request.url}"))
    page.on(
        "request",
        lambda request: request.url.startswith((base, "data:")) or problems.append(f"off the site: {request.url}"),
    )
    return problems


def _typeset(page) -> None:
    """Wait until MathJax has typeset the page (its startup promise resolves after the first pass)."""
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")


def test_notebook_03_shows_typeset_formulas_and_no_raw_tex(browser, site_url):
    base, _ = site_url
    page = browser.new_page()
    problems = _watch(page, base)
    page.goto(f"{base}/notebooks/03_selfdeblur.html", wait_until="load")
    page.wait_for_load_state("networkidle")
    _typeset(page)
    formulas = page.eval_on_selector_all("article mjx-container", "nodes => nodes.length")
    displayed = page.eval_on_selector_all('article mjx-container[display="true"]', "nodes => nodes.length")
    text = page.inner_text("article")
    assert formulas >= 10 and displayed >= 2, f"{formulas} formulas typeset, {displayed} displayed"
    leftovers = [tex for tex in ("$$", "\\min", "\\theta", "\\mathcal", "\\big", "\\(", "\\[") if tex in text]
    assert not leftovers, f"raw TeX left in the visible text: {leftovers}"
    assert not problems, problems
    page.close()


def test_no_inline_formula_scrolls(browser, site_url):
    # an inline formula whose box scrolls shows a scroll bar under it (every one did, issue 35); display formulas may
    # scroll when wider than the column, so only inline ones are checked, on every page that has any
    base, pages = site_url
    page = browser.new_page()
    checked = 0
    for name in pages:
        page.goto(f"{base}/{name}", wait_until="load")
        if not page.eval_on_selector_all("article .math", "nodes => nodes.length"):
            continue
        _typeset(page)
        inline = 'article span.math, article mjx-container:not([display="true"])'
        checked += page.eval_on_selector_all(inline, "nodes => nodes.length")
        scrolling = page.eval_on_selector_all(
            inline,
            "nodes => nodes.filter(n => n.scrollWidth > n.clientWidth + 1"
            " && getComputedStyle(n).overflowX !== 'visible').map(n => n.textContent.slice(0, 40))",
        )
        assert not scrolling, f"{name}: inline formulas with a scroll bar: {scrolling[:5]}"
    assert checked >= 20, f"only {checked} inline formulas on the whole site"
    page.close()


def test_no_page_shows_a_path_of_the_machine_that_built_it(browser, site_url):
    # the executed notebooks once printed their figures folder as /home/...; a reader's copy must print none
    from deblur_core.reproduce import absolute_paths

    base, pages = site_url
    page = browser.new_page()
    found = {}
    for name in pages:
        page.goto(f"{base}/{name}", wait_until="load")
        paths = absolute_paths(page.inner_text("body"))
        if paths:
            found[name] = paths[:3]
    assert not found, f"absolute paths on the site: {found}"
    page.close()


def test_the_landing_page_and_the_glossary_load_cleanly(browser, site_url):
    base, pages = site_url
    assert "glossary.html" in pages
    page = browser.new_page()
    problems = _watch(page, base)
    page.goto(f"{base}/index.html", wait_until="load")
    page.wait_for_load_state("networkidle")
    figures = page.eval_on_selector_all(
        "article img", "images => images.filter(i => i.complete && i.naturalWidth > 0).length"
    )
    assert figures >= 3, "one figure per paper"
    assert "ours: mean paired difference" in page.inner_text("article table")
    # the glossary, reached from the landing page's link; its formulas typeset too
    page.click("article a[href='glossary.html']")
    page.wait_for_load_state("networkidle")
    _typeset(page)
    assert page.locator("dt#term-regret").is_visible()
    assert "\\frac" not in page.inner_text("article") and "$" not in page.inner_text("article")
    assert not problems, problems
    page.close()


def test_search_finds_the_glossary(browser, site_url):
    base, _ = site_url
    page = browser.new_page()
    problems = _watch(page, base)
    page.goto(f"{base}/search.html?q=regret", wait_until="load")
    page.wait_for_selector("#search-results li a", timeout=20_000)
    results = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.getAttribute('href'))")
    assert any(href.startswith("glossary.html") for href in results), results
    assert not problems, problems
    page.close()
