"""Gather the companion site's sources into one folder for Sphinx (``make book``).

The site is built from the committed executed notebooks (the richest profile run for
each, see ``executed/``), the README's results and the figures; nothing is executed.
The copies of the notebooks are tagged on the way so that the pages read like a paper:
code inputs fold away behind a "show" toggle (outputs stay), and the parameter cells fold
away whole. The notebooks in ``notebooks/`` and ``executed/`` are not touched.

    python docs/assemble.py build/book-src
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILE_ORDER = ("paper", "long", "quick")  # richest first; smoke is never published
PAPERS = {
    "01_region_selection.ipynb": "Yang, Wu, Sun: Select Good Regions for Deblurring based on CNNs",
    "02_jdrl_ablation.ipynb": "Li, Ren, Shu, Zuo: Defocus Deblurring with Misaligned Training Pairs (JDRL)",
    "03_selfdeblur.ipynb": "Ren, Zhang, Wang, Hu, Zuo: Neural Blind Deconvolution Using Deep Priors (SelfDeblur)",
}
# one figure per paper on the landing page: (file in figures/<profile>/<notebook>/, caption); the richest
# profile that has the file is shown, and a paper whose figure is missing is shown without one
LANDING_FIGURES = {
    "01_region_selection.ipynb": (
        "fig8_error_ratio_curves.png",
        "The paper's Fig. 8 regenerated: share of test images whose error ratio stays below each threshold, "
        "per window selector, beside the references (chance, whole image, best similarity, best window).",
    ),
    "02_jdrl_ablation.ipynb": (
        "fig8_baseline_vs_final.png",
        "The paper's Fig. 8 regenerated: the ablation's baseline, trained on misaligned pairs with a plain loss, "
        "against the final JDRL model on a test pair, with the optical flow from the input to each output.",
    ),
    "03_selfdeblur.ipynb": (
        "fig3_snapshots.png",
        "The paper's Fig. 3 regenerated: the image and the kernel of SelfDeblur-J as the optimisation forms them, "
        "on a real image of Levin et al.'s benchmark.",
    ),
}
# the guide's pages in the site's navigation: these first, then the others by name
GUIDE_FIRST = ("results", "glossary")
# cell tags understood by MyST-NB: the code folds behind a toggle and its output stays; a parameter cell folds whole
HIDE_INPUT, HIDE_CELL = "hide-input", "hide-cell"
PARAMETER_TAGS = ("parameters", "injected-parameters")
HIDING_TAGS = ("hide-input", "hide-output", "hide-cell", "remove-input", "remove-output", "remove-cell")


def richest_executed(name: str) -> Path | None:
    for profile in PROFILE_ORDER:
        path = ROOT / "executed" / profile / name
        if path.exists():
            return path
    return None


def landing_figure(name: str) -> tuple[str, str] | None:
    """The landing page's figure for notebook ``name`` (site path, caption), or None when no profile has it."""
    if name not in LANDING_FIGURES:
        return None
    filename, caption = LANDING_FIGURES[name]
    for profile in PROFILE_ORDER:
        path = ROOT / "figures" / profile / Path(name).stem / filename
        if path.is_file():
            return path.relative_to(ROOT).as_posix(), caption
    return None


def site_links(markdown: str) -> str:
    """Links as the site needs them: the guide's pages by name, figures beside the pages, and any other file of the
    repository named rather than linked (it is not part of the site)."""
    markdown = markdown.replace("](docs/pages/", "](")
    return re.sub(
        r"(?<!!)\[([^\]]+)\]\((?!https://|#|figures/|[a-z-]+\.md\b)([^)]+)\)",
        r"\1 (`\2` in the repository)",
        markdown,
    )


INCLUDE = re.compile(r"^<!-- include: (\S+) -->$", re.MULTILINE)
INCLUDE_OUTPUT = re.compile(r"^<!-- include-output: (\S+) -->$", re.MULTILINE)


def include_results(markdown: str) -> str:
    """Each ``<!-- include: PATH -->`` line replaced by that committed file (a run's ``findings.md`` or a table),
    its headings one level deeper, and each ``<!-- include-output: PATH -->`` by a benchmark's saved output as
    printed, so that the site shows what the runs wrote instead of numbers typed by hand. A file not generated yet
    is said to be missing."""

    def insert(match: re.Match) -> str:
        path = ROOT / match.group(1)
        if not path.is_file():
            return f"*Not generated yet: `{match.group(1)}` is written by `make reproduce`.*"
        text = path.read_text(encoding="utf-8").strip()
        return re.sub(r"^(#+) ", r"#\1 ", text, flags=re.MULTILINE)

    def insert_output(match: re.Match) -> str:
        path = ROOT / match.group(1)
        if not path.is_file():
            return f"*Not measured yet: `{match.group(1)}` is written by `make benchmarks`.*"
        return "```text\n" + path.read_text(encoding="utf-8").strip() + "\n```"

    return INCLUDE_OUTPUT.sub(insert_output, INCLUDE.sub(insert, markdown))


def tag_for_reading(notebook: dict) -> dict:
    """The notebook with its code folded for reading: every code cell's input hidden behind a toggle (its output
    stays on the page), the parameter cells hidden whole. Cells that already say how to show themselves keep it."""
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if any(tag in HIDING_TAGS for tag in tags):
            continue
        tags.append(HIDE_CELL if any(tag in PARAMETER_TAGS for tag in tags) else HIDE_INPUT)
    return notebook


def copy_notebook_for_reading(source: Path, target: Path) -> None:
    notebook = json.loads(source.read_text(encoding="utf-8"))
    target.write_text(json.dumps(tag_for_reading(notebook), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def verdict_table() -> list[str]:
    """The README's verdict table (docs/verdicts.py, from the committed claim tables) with the site's links."""
    spec = importlib.util.spec_from_file_location("verdicts", ROOT / "docs" / "verdicts.py")
    verdicts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(verdicts)
    lines = verdicts.verdict_block().splitlines()
    rows = [line for line in lines if line not in (verdicts.START, verdicts.END)]
    return [site_links(row) for row in rows] if len(rows) > 2 else []


def landing_page(entries: list[tuple[str, str, Path | None]], guide: list[str], pages: list[str]) -> list[str]:
    """The site's index: what the companion is, the verdicts, one figure per paper, and the way in."""
    index = [
        "# deblur-companion",
        "",
        "A runnable companion to three image-deblurring papers. Each paper has a notebook that regenerates the",
        "paper's tables and figures beside the paper's own numbers and tests its headline claims; the pages below are",
        "those notebooks as executed by `make reproduce`, under the richest {term}`profile <profile tag>` run so far.",
        "The code behind every figure is folded away: open it with the toggle above each output.",
        "",
        "## What we found",
        "",
        "Each claim is a {term}`paired difference` over cases with a {term}`bootstrap 95 % CI <bootstrap 95 % CI>`:",
        "{term}`confirmed` when the interval lies above 0, {term}`contradicted` below, {term}`inconclusive`",
        "otherwise or with fewer than 6 independent units. [The results](results.md) give the numbers behind each",
        "verdict and why ours differ from the papers'; the [glossary](glossary.md) defines the terms.",
        "",
    ]
    table = verdict_table()
    if table:
        # the verdict-table class (docs/companion.css) widens it over the room of this page's missing contents column
        caption = "The papers' headline claims, tested (generated from the committed claim tables)"
        index += ["````{container} verdict-table", f"```{{table}} {caption}", *table, "```", "````"]
    else:
        index += ["No claim table is committed yet: run `make reproduce PROFILE=long`."]
    index += ["", "## The three papers", ""]
    for name, paper, source in entries:
        stem = Path(name).stem
        index += [f"### {paper}", ""]
        if source is None:
            index += ["Not executed yet: run `make reproduce`.", ""]
            continue
        # an empty link text: MyST puts the page's title there
        index += [f"The notebook: [](notebooks/{stem}), run under the `{source.parent.name}` profile.", ""]
        figure = landing_figure(name)
        if figure is not None:
            path, caption = figure
            index += [f"```{{figure}} {path}", f":alt: {caption}", ":width: 100%", "", caption, "```", ""]
    index += [
        "## More",
        "",
        "* [Results](results.md): every table and figure of the papers mapped to ours, with our numbers beside theirs",
        "* [Glossary](glossary.md): regret, error ratio, verdicts, the metrics and the methods' names",
        "* [The README](readme.md): how to run everything, the profiles, the layout of the repository",
        "",
        "```{toctree}",
        ":hidden:",
        ":caption: Notebooks",
        ":maxdepth: 1",
        "",
        *pages,
        "```",
        "",
        "```{toctree}",
        ":hidden:",
        ":caption: Guide",
        ":maxdepth: 1",
        "",
        *[page for page in guide if page in GUIDE_FIRST],
        "readme",
        *[page for page in guide if page not in GUIDE_FIRST],
        "```",
        "",
    ]
    return index


def assemble(target: Path) -> list[str]:
    if target.exists():
        shutil.rmtree(target)
    (target / "notebooks").mkdir(parents=True)
    (target / "_static").mkdir()
    shutil.copy(ROOT / "docs" / "conf.py", target / "conf.py")
    shutil.copy(ROOT / "docs" / "favicon.svg", target / "favicon.svg")
    shutil.copy(ROOT / "docs" / "companion.css", target / "_static" / "companion.css")
    shutil.copytree(ROOT / "figures", target / "figures", ignore=shutil.ignore_patterns("smoke", "*.pdf"))
    # committed benchmark results that the pages show (their figures and tables)
    shutil.copytree(ROOT / "benchmarks" / "results", target / "benchmarks" / "results")
    pages, entries = [], []
    for name, paper in PAPERS.items():
        source = richest_executed(name)
        entries.append((name, paper, source))
        if source is None:
            continue
        copy_notebook_for_reading(source, target / "notebooks" / name)
        pages.append(f"notebooks/{Path(name).stem}")
    # the README's title is the project's name, which the site's own title already is
    readme = (
        (ROOT / "README.md").read_text().replace("# deblur-companion\n", "# The README: running the companion\n", 1)
    )
    (target / "readme.md").write_text(site_links(readme))
    guide = []
    for page in sorted((ROOT / "docs" / "pages").glob("*.md")):
        # the pages sit two folders down in the repository and at the top of the site
        text = include_results(page.read_text())
        text = text.replace("](../../docs/pages/", "](").replace("](../../", "](")
        (target / page.name).write_text(site_links(text))
        guide.append(page.stem)
    (target / "index.md").write_text("\n".join(landing_page(entries, guide, pages)))
    return pages


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "book-src")
    built = assemble(out)
    print(f"assembled {len(built)} notebook pages in {out}")
