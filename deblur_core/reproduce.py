"""Run every notebook with papermill under one profile (``make reproduce``).

Executed copies go to ``executed/<profile>/`` (committed for ``long`` and ``paper``); the notebooks themselves write
their figures and tables into ``figures/<profile>/``. Each notebook shows a bar of cells done
(with the elapsed time), the notebook's own printed results and, every 30 s, the
progress of its slow cells. A notebook that fails does not stop the others; the run
ends with each notebook's time against its profile's budget and where everything went.

A notebook whose section does not define the profile yet is skipped, and says so.

The kernels talk to papermill over local Unix sockets in a private folder (IPC
transport) rather than TCP on localhost, so nothing is listening on a port, and
ipykernel's "running over TCP without encryption" warning does not apply.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from .profiles import BUDGET_MINUTES, sections_with

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
FIGURE_DIR = ROOT / "figures"
# executed copies; long's and paper's are committed so that readers see every output without running anything
EXECUTED_DIR = ROOT / "executed"
# notebook file -> profile section it reads (its profile_settings call)
NOTEBOOK_SECTIONS = {
    "01_region_selection.ipynb": "regions",
    "02_jdrl_ablation.ipynb": "jdrl",
    "03_selfdeblur.ipynb": "selfdeblur",
}


def notebooks() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def kernel_manager_class():
    """An nbclient kernel manager on IPC transport in a fresh private folder (POSIX only)."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = str(Path(tempfile.mkdtemp(prefix="deblur-kernel-")) / "kernel")

    return IPCKernelManager


# a cell that only builds widgets finishes in seconds; an interactive display cell has hung (kernel idle,
# no reply) about once in a few runs, so such cells get a time limit and the notebook one retry
WIDGET_CELL_TIMEOUT_S = 300


# a Markdown link or image target: ](target) or ](target#anchor)
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")


# a path that only exists on the machine that ran a notebook; web addresses (https://...) are not matched
_ABSOLUTE_PATH = re.compile(r"(?<![\w:/.~-])/(?:home|work|tmp|root|Users|mnt|opt|srv|var|private|scratch)/[\w./-]+")


def absolute_paths(text: str) -> list[str]:
    """The machine-specific absolute paths in ``text`` (an executed copy or a site page must print none).

    >>> absolute_paths("figures -> /work/main/figures/long; see https://example.org/work/x and figures/long")
    ['/work/main/figures/long']
    """
    return _ABSOLUTE_PATH.findall(text)


def readable_warnings() -> None:
    """Print warnings as ``Category: message``, without the source file's path and line.

    The notebooks call it in their set-up cell: the path is the machine's own (``/home/...``), means nothing to a
    reader of the executed copy, and must not be published with it.

    >>> import warnings
    >>> before = warnings.formatwarning
    >>> readable_warnings()
    >>> warnings.formatwarning("kernel flipped", UserWarning, "/home/me/x.py", 3).strip()
    'UserWarning: kernel flipped'
    >>> warnings.formatwarning = before
    """
    import warnings

    warnings.formatwarning = lambda message, category, *_, **__: f"{category.__name__}: {message}\n"


def relink(text: str, written_to: Path, source_dir: Path = NOTEBOOK_DIR) -> str:
    """``text``'s relative Markdown links, written for a notebook in ``source_dir``, made relative to the folder
    ``written_to`` instead (an executed copy); anchors, absolute and web links are left as they are.

    >>> relink("[copy](../executed/long/a.ipynb), [p](#top), [d](https://doi.org/1)", EXECUTED_DIR / "long")
    '[copy](a.ipynb), [p](#top), [d](https://doi.org/1)'
    >>> relink("![f](../figures/long/x.png)", EXECUTED_DIR / "quick")
    '![f](../../figures/long/x.png)'
    """

    def moved(match: re.Match) -> str:
        target = match.group(1)
        if target.startswith(("#", "/")) or ":" in target.split("#")[0]:
            return match.group(0)
        path, hash_sign, anchor = target.partition("#")
        relative = os.path.relpath(os.path.normpath(source_dir / path), written_to).replace(os.sep, "/")
        return f"]({relative}{hash_sign}{anchor})"

    return _LINK_TARGET.sub(moved, text)


def relink_executed_copy(path: Path) -> None:
    """Make the Markdown links of the executed copy at ``path`` work from its own folder (they are written for
    ``notebooks/``, so "../executed/long/x.ipynb" inside ``executed/long/`` pointed nowhere)."""
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            cell["source"] = relink(text, path.parent).splitlines(keepends=True)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


def cell_timeout(cell) -> int | None:
    """nbclient's per-cell time limit: :data:`WIDGET_CELL_TIMEOUT_S` for widget cells (those that build widgets
    or show a report's explorer), none for the others.

    >>> from types import SimpleNamespace as Cell
    >>> [cell_timeout(Cell(source=s)) for s in ("display(report.explorer(x))", "widgets.IntSlider()", "train(x)")]
    [300, 300, None]
    """
    widgets = "widgets." in cell.source or "explorer(" in cell.source
    return WIDGET_CELL_TIMEOUT_S if widgets else None


def code_cell_count(notebook: Path) -> int:
    return sum(cell["cell_type"] == "code" for cell in json.loads(notebook.read_text())["cells"])


def run_all(
    profile: str, output_dir: Path | None = None, only: str | None = None, scheduler: str | None = None
) -> list[tuple[str, float, str]]:
    """Execute each notebook (those whose name contains ``only``, if given); return (name, seconds,
    'ok', 'skipped: ...' or the error) per notebook. A notebook whose widget cell times out is run once more
    (its results are cached by then, so the retry is quick). ``scheduler`` (a Dask address or ``local:N``)
    goes to the notebooks that take a ``SCHEDULER`` parameter."""
    import papermill

    output_dir = output_dir or EXECUTED_DIR / profile
    output_dir.mkdir(parents=True, exist_ok=True)
    # the notebooks' own printed lines reach the terminal through papermill's logger
    logging.basicConfig(level=logging.INFO, format="    %(message)s", stream=sys.stdout)
    logging.getLogger("papermill").setLevel(logging.INFO)
    os.environ.setdefault("DEBLUR_PROGRESS", "text")
    extra = {"kernel_manager_class": kernel_manager_class()} if os.name == "posix" else {}
    defined = sections_with(profile)
    report = []
    for notebook in notebooks():
        if only and only not in notebook.name:
            continue
        section = NOTEBOOK_SECTIONS.get(notebook.name)
        if section is not None and section not in defined:
            report.append((notebook.name, 0.0, f"skipped: profile {profile!r} is not defined for {section} yet"))
            print(f"skipping {notebook.name}: profile {profile!r} is not defined for {section} yet", flush=True)
            continue
        print(f"\n{notebook.name} under the {profile!r} profile ({code_cell_count(notebook)} code cells)", flush=True)
        started = time.perf_counter()
        for attempt in (1, 2):
            status = "ok"
            try:
                papermill.execute_notebook(
                    str(notebook),
                    str(output_dir / notebook.name),
                    parameters=notebook_parameters(notebook, profile, scheduler),
                    cwd=str(NOTEBOOK_DIR),
                    progress_bar=True,
                    log_output=True,
                    kernel_name="python3",
                    timeout_func=cell_timeout,
                    **extra,
                )
            except Exception as error:  # report and go on with the other notebooks
                status = f"FAILED: {type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
                if attempt == 1 and "timed out" in str(error).lower():
                    print(f"{notebook.name}: a widget cell timed out; running the notebook once more", flush=True)
                    continue
            break
        if status == "ok":
            relink_executed_copy(output_dir / notebook.name)
        report.append((notebook.name, time.perf_counter() - started, status))
    return report


def summary(report, profile: str, output_dir: Path) -> str:
    budget = BUDGET_MINUTES.get(profile)
    lines = [f"\nprofile {profile!r} (budget {f'{budget} min per notebook on 2 CPU cores' if budget else 'none'}):"]
    for name, seconds, status in report:
        over = " OVER BUDGET" if budget and seconds > 60 * budget else ""
        against = f" of {budget} min" if budget else ""
        lines.append(f"  {name:<28} {seconds / 60:6.1f} min{against}  {status}{over}")
    lines.append(f"executed notebooks: {output_dir}")
    folder = FIGURE_DIR / profile
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    tables = [p.relative_to(ROOT) for p in files if p.suffix == ".md"]
    lines.append(f"figures and tables: {folder} ({len(files)} files)")
    lines.extend(f"  table: {t}" for t in tables)
    return "\n".join(lines)


def notebook_parameters(notebook: Path, profile: str, scheduler: str | None) -> dict:
    """Papermill parameters: the profile, and the Dask scheduler where the notebook takes one."""
    parameters = {"PROFILE": profile}
    if scheduler is not None and "SCHEDULER = " in notebook.read_text():
        parameters["SCHEDULER"] = scheduler
    return parameters


def main(profile: str, only: str | None = None, scheduler: str | None = None) -> int:
    output_dir = EXECUTED_DIR / profile
    report = run_all(profile, output_dir, only, scheduler)
    print(summary(report, profile, output_dir))
    return 0 if all(status == "ok" or status.startswith("skipped") for _, _, status in report) else 1
