"""Run every notebook with papermill under one profile (``make reproduce``).

Executed copies go to ``outputs/<profile>/``; the notebooks themselves write their
figures and tables into ``figures/<profile>/``. A notebook that fails does not stop the others;
the run ends with a summary of where everything went and how long each took.
"""
from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
FIGURE_DIR = ROOT / "figures"


def notebooks() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def run_all(profile: str, output_dir: Path | None = None) -> list[tuple[str, float, str]]:
    """Execute each notebook; return (name, seconds, 'ok' or the error) per notebook."""
    import papermill

    output_dir = output_dir or ROOT / "outputs" / profile
    output_dir.mkdir(parents=True, exist_ok=True)
    report = []
    for notebook in notebooks():
        print(f"running {notebook.name} under the {profile!r} profile ...", flush=True)
        started = time.perf_counter()
        status = "ok"
        try:
            papermill.execute_notebook(str(notebook), str(output_dir / notebook.name), parameters={"PROFILE": profile},
                                       cwd=str(NOTEBOOK_DIR), progress_bar=False, kernel_name="python3")
        except Exception as error:  # report and go on with the other notebooks
            status = f"FAILED: {type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
        report.append((notebook.name, time.perf_counter() - started, status))
    return report


def summary(report, profile: str, output_dir: Path) -> str:
    lines = [f"\nprofile {profile!r}:"]
    for name, seconds, status in report:
        lines.append(f"  {name:<28} {seconds / 60:6.1f} min  {status}")
    lines.append(f"executed notebooks: {output_dir}")
    folder = FIGURE_DIR / profile
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    tables = [p.relative_to(ROOT) for p in files if p.suffix == ".md"]
    lines.append(f"figures and tables: {folder} ({len(files)} files)")
    lines.extend(f"  table: {t}" for t in tables)
    return "\n".join(lines)


def main(profile: str) -> int:
    output_dir = ROOT / "outputs" / profile
    report = run_all(profile, output_dir)
    print(summary(report, profile, output_dir))
    return 0 if all(status == "ok" for _, _, status in report) else 1
