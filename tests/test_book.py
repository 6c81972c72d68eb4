"""The companion site builds from the executed notebooks without running them, links nothing external, and reads like
a paper: typeset formulas, code folded away, a landing page with the verdicts and a figure per paper, a glossary."""

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
import assemble  # noqa: E402
import verdicts  # noqa: E402

pytestmark = pytest.mark.slow  # builds the whole site with Sphinx

# what a page may load, in its HTML: scripts, stylesheets, fonts and icons (by src= or href=), and CSS url(...)
LOADED = re.compile(r'<(?:script|link|img|source|iframe)\b[^>]*?\b(?:src|href)="([^"]+)"', re.I)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)""", re.I)
FORMULA = re.compile(r'<(span|div) class="math[^"]*">(.*?)</\1>', re.S)


def _fingerprints() -> dict[Path, str]:
    return {
        path: hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in ("notebooks", "executed")
        for path in sorted((ROOT / folder).rglob("*.ipynb"))
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    source, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("html")
    before = _fingerprints()
    pages = assemble.assemble(source / "book")
    assert _fingerprints() == before, "assembling the site changed a notebook of the repository"
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(source / "book"), str(out)],
        check=True,
        capture_output=True,
    )
    return pages, out


def _pages(out: Path):
    """The built pages (not the theme's template fragments under _static/)."""
    return [html for html in out.rglob("*.html") if "_static" not in html.relative_to(out).parts]


def test_every_executed_notebook_becomes_a_page(site):
    pages, out = site
    assert pages == [f"notebooks/{p.stem}" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    guide = [p.stem for p in (ROOT / "docs" / "pages").glob("*.md")]
    for page in pages + ["index", "readme", *guide]:
        html = (out / f"{page}.html").read_text()
        assert "<img" in html or page not in (*pages, "results"), f"{page} shows no figure"


def test_pages_load_no_script_style_or_font_from_the_network(site):
    _, out = site
    for html in _pages(out):
        text = html.read_text()
        # links to papers (<a href="https://...">) are fine; what the page itself loads must come from the site
        external = [url for url in LOADED.findall(text) if re.match(r"(?:https?:)?//", url)]
        assert external == [], f"{html.name} loads {external}"
        styles = " ".join(re.findall(r"<style\b[^>]*>(.*?)</style>", text, re.S | re.I))
        remote = [url for url in CSS_URL.findall(styles) if re.match(r"(?:https?:)?//", url)]
        assert remote == [], f"{html.name}: inline styles load {remote}"
    for css in (out / "_static").rglob("*.css"):
        remote = [url for url in CSS_URL.findall(css.read_text(errors="replace")) if re.match(r"(?:https?:)?//", url)]
        assert remote == [], f"{css.name} loads {remote} (a font or an image from the network)"


def test_mathjax_comes_from_the_site_itself(site):
    _, out = site
    page = (out / "notebooks" / "03_selfdeblur.html").read_text()
    sources = re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', page, re.I)
    assert sources == ["../_static/mathjax/tex-chtml.js"]
    assert (out / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert list((out / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff")), "MathJax's fonts"


def test_formulas_are_mathjax_markup_with_no_emphasis_inside(site):
    _, out = site
    page = (out / "notebooks" / "03_selfdeblur.html").read_text()
    formulas = [body for _, body in FORMULA.findall(page)]
    assert len(formulas) >= 10, "notebook 03's formulas should be MathJax markup"
    assert any(body.strip().startswith(r"\[") and r"\min_{\theta_x,\theta_k}" in body for body in formulas), (
        "Eq. 6 of §1 should be a display formula"
    )
    assert all(r"\(" in body or r"\[" in body for body in formulas)
    assert not [body for body in formulas if "<em>" in body or "</em>" in body]
    # the Markdown parser must not have turned the subscripts into emphasis anywhere on the page
    assert "</em>{\\theta" not in page and "$$" not in re.sub(r"<pre.*?</pre>", "", page, flags=re.S)


def test_findings_outputs_are_rendered_markdown_not_raw_text(site):
    """Each notebook's "What we found" cell displays Markdown: its table and formulas must render, not show as text."""
    pages, out = site
    for page in pages:
        html = re.sub(r"<pre.*?</pre>", "", (out / f"{page}.html").read_text(), flags=re.S)
        found = html.find('<p class="rubric" id="what-we-found')
        assert found >= 0, f"{page}: no rendered 'What we found' heading"
        assert "<table" in html[found:], f"{page}: the findings' table is not a table"
        text = re.sub(r"<[^>]+>", "", FORMULA.sub("", html))  # text outside the typeset formulas
        assert "|---|" not in text and "\\mathcal" not in text, f"{page}: raw Markdown or TeX"


def test_code_is_folded_and_outputs_stay(site):
    pages, out = site
    for page in pages:
        html = (out / f"{page}.html").read_text()
        inputs = html.count('<div class="cell_input')
        folded = len(re.findall(r'<details class="[^"]*\bhide\b[^"]*above-input', html))
        assert inputs > 0 and folded == inputs, f"{page}: {folded} of {inputs} code inputs folded"
        assert re.search(r'<div class="cell tag_parameters[^"]*tag_hide-cell', html), f"{page}: parameters shown"
        assert html.count('<div class="cell_output') > 0 and "<img" in html


def test_the_landing_page_shows_the_verdicts_and_a_figure_per_paper(site):
    _, out = site
    index = (out / "index.html").read_text()
    assert "ours: mean paired difference [95 % CI]" in index
    rows = verdicts.verdict_rows()
    table = index[index.index("ours: mean paired difference") :]  # after the header row
    table = table[: table.index("</table>")]
    assert table.count("<tr") == len(rows) >= 10, "the verdict table has one row per committed claim"
    for verdict in ("confirmed", "contradicted", "inconclusive"):
        assert f"<strong>{verdict}</strong>" in table or verdict not in "".join(rows)
    images = re.findall(r'<img[^>]+src="([^"]+)"', index)
    for name in assemble.PAPERS:
        figure = assemble.landing_figure(name)
        assert figure is not None, f"no figure for {name} in any profile"
        assert any(Path(src).stem.startswith(Path(figure[0]).stem) for src in images), f"{name}'s figure is missing"
        stem = Path(name).stem
        assert f'href="notebooks/{stem}.html"' in index, f"the landing page does not link {stem}"
    assert 'href="results.html"' in index and 'href="glossary.html"' in index


def test_a_missing_landing_figure_is_left_out(monkeypatch):
    monkeypatch.setitem(assemble.LANDING_FIGURES, "03_selfdeblur.ipynb", ("no_such_figure.png", "nothing"))
    assert assemble.landing_figure("03_selfdeblur.ipynb") is None
    entries = [("03_selfdeblur.ipynb", "SelfDeblur", ROOT / "executed" / "long" / "03_selfdeblur.ipynb")]
    page = "\n".join(assemble.landing_page(entries, guide=["results", "glossary"], pages=["notebooks/03_selfdeblur"]))
    assert "no_such_figure" not in page and "{figure}" not in page
    assert "notebooks/03_selfdeblur" in page


def test_results_page_shows_what_the_runs_wrote_not_numbers_typed_by_hand(site):
    _, out = site
    results = (out / "results.html").read_text()
    findings = (ROOT / "figures" / "long" / "02_jdrl_ablation" / "findings.md").read_text()
    first_claim = next(line for line in findings.splitlines() if line.startswith("| final > #2"))
    assert first_claim.split(" | ")[2] in results, "the JDRL findings are not on the results page"
    assert "&lt;!-- include:" not in results and "<!-- include:" not in results


def test_an_include_marker_becomes_the_file_or_says_it_is_missing():
    text = assemble.include_results(
        "a\n<!-- include: figures/long/02_jdrl_ablation/findings.md -->\nb\n<!-- include: figures/none.md -->"
    )
    assert "#### What we found (`long`" in text and text.startswith("a\n") and "\nb\n" in text
    assert "*Not generated yet: `figures/none.md` is written by `make reproduce`.*" in text


def test_the_glossary_defines_the_notebooks_terms(site):
    _, out = site
    glossary = (out / "glossary.html").read_text()
    for term in ("regret", "error-ratio", "PSNR", "SSIM", "ROC-AUC", "JDRL", "confirmed", "verdict-by-image"):
        assert f'id="term-{term}"' in glossary, f"the glossary does not define {term}"
    index = (out / "index.html").read_text()
    assert 'href="glossary.html#term-paired-difference"' in index, "the landing page links the glossary's terms"


def test_search_has_its_page_and_index(site):
    _, out = site
    assert (out / "search.html").is_file()
    index = (out / "searchindex.js").read_text()
    assert "glossary" in index and "regret" in index


def test_images_on_the_pages_exist(site):
    _, out = site
    for html in _pages(out):
        for image in re.findall(r'<img[^>]+src="([^"]+)"', html.read_text()):
            if not image.startswith("data:"):
                assert (html.parent / image).resolve().is_file(), f"{html.name}: missing {image}"
