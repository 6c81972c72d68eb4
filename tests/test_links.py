"""Links in the notebooks and the README stay inside the repository or go to https addresses."""

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the executed copies too: their links must work from their own folder (deblur_core.reproduce.relink)
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "executed").glob("*/*.ipynb"))
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
QUOTED_PATH = re.compile(r"`(\.\./[^`]+)`")


def markdown_texts():
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                yield path, "".join(cell["source"])
    yield ROOT / "README.md", (ROOT / "README.md").read_text()
    for page in sorted((ROOT / "docs" / "pages").glob("*.md")):
        yield page, page.read_text()


def bad_links(source: Path, text: str) -> list[str]:
    bad = []
    for target in MARKDOWN_LINK.findall(text) + QUOTED_PATH.findall(text):
        if target.startswith("#") or target.startswith("https://"):
            continue
        if "://" in target or target.startswith("mailto:"):
            bad.append(f"{target} (not https)")
            continue
        resolved = (source.parent / target.split("#")[0]).resolve()
        if not resolved.is_relative_to(ROOT):
            bad.append(f"{target} (outside the repository)")
        elif not resolved.exists():
            bad.append(f"{target} (missing)")
    return bad


@pytest.mark.parametrize("source, text", list(markdown_texts()), ids=lambda v: v.name if isinstance(v, Path) else "")
def test_links_stay_in_the_repository_or_use_https(source, text):
    assert bad_links(source, text) == []


def test_the_readme_verdict_table_is_the_generated_one():
    sys.path.insert(0, str(ROOT / "docs"))
    import verdicts

    readme = (ROOT / "README.md").read_text()
    assert verdicts.verdict_block() in readme, "run `python docs/verdicts.py --write`"
    assert len(verdicts.verdict_rows()) >= 10
    assert verdicts.readme_with_block(readme.replace("**confirmed**", "**typed**", 1)) == readme


def test_the_check_catches_private_and_plain_http_links():
    text = "see `../../shared/papers/a.txt`, [x](http://example.org) and [y](https://doi.org/10.1/x)"
    assert bad_links(ROOT / "notebooks" / "n.ipynb", text) == [
        "http://example.org (not https)",
        "../../shared/papers/a.txt (outside the repository)",
    ]
