"""Gather the companion site's sources into one folder for Sphinx (``make book``).

The site is built from the committed executed notebooks (the richest profile run for
each, see ``executed/``), the README's results and the figures; nothing is executed.

    python docs/assemble.py build/book-src
"""

from __future__ import annotations

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


def richest_executed(name: str) -> Path | None:
    for profile in PROFILE_ORDER:
        path = ROOT / "executed" / profile / name
        if path.exists():
            return path
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


def assemble(target: Path) -> list[str]:
    if target.exists():
        shutil.rmtree(target)
    (target / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "conf.py", target / "conf.py")
    shutil.copy(ROOT / "docs" / "favicon.svg", target / "favicon.svg")
    shutil.copytree(ROOT / "figures", target / "figures", ignore=shutil.ignore_patterns("smoke", "*.pdf"))
    pages, rows = [], []
    for name, paper in PAPERS.items():
        source = richest_executed(name)
        if source is None:
            rows.append(f"| {paper} | not executed yet: run `make reproduce` |")
            continue
        shutil.copy(source, target / "notebooks" / name)
        pages.append(f"notebooks/{Path(name).stem}")
        rows.append(f"| {paper} | [{Path(name).stem}](notebooks/{Path(name).stem}) ({source.parent.name} profile) |")
    (target / "readme.md").write_text(site_links((ROOT / "README.md").read_text()))
    guide = []
    for page in sorted((ROOT / "docs" / "pages").glob("*.md")):
        # the pages sit two folders down in the repository and at the top of the site
        text = page.read_text().replace("](../../docs/pages/", "](").replace("](../../", "](")
        (target / page.name).write_text(site_links(text))
        guide.append(page.stem)
    index = [
        "# deblur-companion",
        "",
        "A runnable companion to three image-deblurring papers. Each page below is a notebook executed by",
        "`make reproduce` under the richest profile run so far; its title and printed numbers say which.",
        "",
        "| paper | notebook |",
        "|---|---|",
        *rows,
        "",
        "The [README](readme.md) states every verdict; [the results](results.md) map every table and figure of the",
        "papers to ours.",
        "",
        "```{toctree}",
        ":maxdepth: 1",
        "",
        *pages,
        "readme",
        *guide,
        "```",
        "",
    ]
    (target / "index.md").write_text("\n".join(index))
    return pages


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "book-src")
    built = assemble(out)
    print(f"assembled {len(built)} notebook pages in {out}")
