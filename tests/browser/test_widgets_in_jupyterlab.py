"""In JupyterLab 4, each notebook runs under ``smoke`` and moving one of its sliders redraws its figure."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_ALL_TIMEOUT_S = 600
REDRAW_TIMEOUT_S = 120
# the figure a slider drives: the first image of the first output widget after it in the page
SCREENSHOTS = ROOT / "build" / "browser-screenshots"
OUTPUT_AFTER = "following::div[contains(@class,'widget-output')][1]"
FIGURE_AFTER = f"{OUTPUT_AFTER}//img"


def write_setting(path: Path, values: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))


@pytest.fixture(scope="module")
def lab(tmp_path_factory, free_port):
    """A JupyterLab server on a free local port, on a copy of the notebooks (so that nothing the browser saves
    reaches the repository), under the smoke profile, with settings isolated from the user's."""
    home = tmp_path_factory.mktemp("lab")
    work = home / "work"
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    settings = home / "settings" / "@jupyterlab"
    # render every cell: with JupyterLab's default windowing, cells off screen have no prompt to wait on
    write_setting(settings / "notebook-extension" / "tracker.jupyterlab-settings", {"windowingMode": "none"})
    write_setting(settings / "docmanager-extension" / "plugin.jupyterlab-settings", {"autosave": False})
    port, token = free_port(), secrets.token_hex(16)
    # the kernels draw as a reader's would: inline figures, not the test suite's non-interactive backend
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    env |= {
        "DEBLUR_PROFILE": "smoke",
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
        "--LabApp.news_url=",
        # no queries to PyPI for extensions: the checks run offline
        "--LabApp.extension_manager=readonly",
    ]
    if os.geteuid() == 0:  # CI containers run as root, which Jupyter refuses unless told
        command.append("--allow-root")
    log = (home / "server.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start; its log: {(home / 'server.log').read_text()[-2000:]}")
            time.sleep(0.5)
    yield base, token
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


def wait_for_idle_kernel(lab, name: str, timeout_s: float = 120) -> None:
    base, token = lab
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=5) as response:
            sessions = json.load(response)
        states = [s["kernel"]["execution_state"] for s in sessions if s["path"].endswith(name)]
        if states == ["idle"]:
            return
        time.sleep(0.5)
    pytest.fail(f"{name}: no idle kernel after {timeout_s:.0f} s")


def shut_down_kernels(lab) -> None:
    """End every session, so that one notebook's kernel does not compete with the next one's for the cores."""
    base, token = lab
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=5) as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(f"{base}/api/sessions/{session['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def run_notebook_in_lab(page, lab, name: str) -> None:
    """Open ``notebooks/<name>`` in JupyterLab, run every cell from the Run menu, wait until all have run."""
    base, token = lab
    page.goto(f"{base}/lab/tree/notebooks/{name}?token={token}&reset", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-CodeCell", timeout=120_000)
    wait_for_idle_kernel(lab, name)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=RUN_ALL_TIMEOUT_S * 1000,
        polling=1000,
    )
    stderr = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    errors = page.locator(f"{stderr}:has-text('Traceback')")
    assert errors.count() == 0, f"{name}: a cell raised: {errors.first.inner_text()[:2000]}"


def move_slider_and_see_redraw(page, description: str):
    """Drag the slider labelled ``description`` to its far end; the first figure after it must change."""
    slider = page.locator(".widget-slider", has=page.locator(f".widget-label:text-is('{description}')")).first
    slider.scroll_into_view_if_needed()
    figure = slider.locator(f"xpath={FIGURE_AFTER}").first
    figure.wait_for(timeout=REDRAW_TIMEOUT_S * 1000)
    before = figure.get_attribute("src")
    track = slider.locator(".noUi-target").first.bounding_box()
    handle = slider.locator(".noUi-handle").first.bounding_box()
    handle_x, handle_y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    far_end = track["x"] + 1 if handle_x > track["x"] + track["width"] / 2 else track["x"] + track["width"] - 1
    page.mouse.move(handle_x, handle_y)
    page.mouse.down()
    page.mouse.move(far_end, handle_y, steps=8)
    page.mouse.up()
    # the output is cleared and drawn again, so the figure is looked up afresh on every poll;
    # a traceback in that output ends the wait at once
    outcome = page.wait_for_function(
        """([slider, output, figure, before]) => {
            const first = (xpath, node) =>
                document.evaluate(xpath, node, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
            const area = first(output, slider);
            const error = area && area.querySelector("[data-mime-type='application/vnd.jupyter.stderr']");
            if (error) return "error: " + error.textContent.slice(-1500);
            const img = first(figure, slider);
            return img !== null && img.getAttribute('src') !== before ? "redrawn" : null;
        }""",
        arg=[slider.element_handle(), OUTPUT_AFTER, FIGURE_AFTER, before],
        timeout=REDRAW_TIMEOUT_S * 1000,
        polling=500,
    ).json_value()
    assert outcome == "redrawn", f"moving '{description}' raised in the kernel: {outcome}"


@pytest.mark.parametrize(
    ("notebook", "slider"),
    [("03_selfdeblur.ipynb", "iteration"), ("01_region_selection.ipynb", "x"), ("02_jdrl_ablation.ipynb", "a0")],
)
def test_moving_a_slider_redraws_its_figure(browser, lab, notebook, slider):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        run_notebook_in_lab(page, lab, notebook)
        move_slider_and_see_redraw(page, slider)
    except Exception:
        # what the browser showed, for the reader of a red run
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{Path(notebook).stem}.png"), full_page=False)
        raise
    finally:
        page.close()
        shut_down_kernels(lab)
