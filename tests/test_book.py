"""The companion site builds from the executed notebooks without running them, and links nothing external."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
import assemble  # noqa: E402

pytestmark = pytest.mark.slow  # builds the whole site with Sphinx


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    source, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("html")
    pages = assemble.assemble(source / "book")
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(source / "book"), str(out)],
        check=True,
        capture_output=True,
    )
    return pages, out


def test_every_executed_notebook_becomes_a_page(site):
    pages, out = site
    assert pages == [f"notebooks/{p.stem}" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    guide = [p.stem for p in (ROOT / "docs" / "pages").glob("*.md")]
    for page in pages + ["index", "readme", *guide]:
        html = (out / f"{page}.html").read_text()
        assert "<img" in html or page not in (*pages, "results"), f"{page} shows no figure"


def test_pages_load_no_script_or_style_from_the_network(site):
    _, out = site
    for html in out.rglob("*.html"):
        external = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html.read_text())
        assert external == [], f"{html.name} loads {external}"


def test_images_on_the_pages_exist(site):
    _, out = site
    for html in out.rglob("*.html"):
        for image in re.findall(r'<img[^>]+src="([^"]+)"', html.read_text()):
            if not image.startswith("data:"):
                assert (html.parent / image).resolve().is_file(), f"{html.name}: missing {image}"
