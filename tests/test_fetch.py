"""The Levin fetcher against a local HTTP server serving the shared copy (CI has no network)."""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import threading
from pathlib import Path

import pytest

from deblur_core.cli import main
from deblur_core.data.fetch import LEVIN_DIR_ENV, FetchError, fetch_levin, levin_folder, missing_files
from deblur_core.data.registry import LEVIN_REGISTRY

TRUNCATED = "im2_kernel3_img.png"


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; counts requests; can cut one file short half-way (an interrupted download)."""

    requests: list[str]
    cut_short: set[str]

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.requests.append(self.path)
        name = self.path.rsplit("/", 1)[-1]
        if name in self.cut_short:
            body = (Path(self.directory) / self.path.lstrip("/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def serve(tmp_path, shared_levin):
    """Start a server on a free loopback port over a copy of the shared folder; yields (url, copy, handler)."""
    servers = []

    def start(cut_short=()):
        copy = tmp_path / "served"
        if not copy.exists():
            shutil.copytree(shared_levin, copy)
        handler = type("Handler", (_Handler,), {"requests": [], "cut_short": set(cut_short)})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(copy)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/", copy, handler

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _no_temporary_files(folder: Path) -> bool:
    registered = {str(Path(name)) for name in LEVIN_REGISTRY}
    return all(str(p.relative_to(folder)) in registered for p in folder.rglob("*") if p.is_file())


def test_registry_lists_every_file_of_the_shared_copy(shared_levin):
    shared = {str(p.relative_to(shared_levin)) for p in shared_levin.rglob("*.png")}
    assert shared == set(LEVIN_REGISTRY)
    assert len(LEVIN_REGISTRY) == 44
    assert missing_files(shared_levin, LEVIN_REGISTRY) == []


def test_clean_fetch_then_a_second_fetch_downloads_nothing(serve, tmp_path):
    url, _, handler = serve()
    target = tmp_path / "levin"
    assert fetch_levin(target, url=url, progress=False) == target
    assert missing_files(target, LEVIN_REGISTRY) == []
    assert len(handler.requests) == len(LEVIN_REGISTRY)
    fetch_levin(target, url=url, progress=False)
    assert len(handler.requests) == len(LEVIN_REGISTRY)


def test_interrupted_download_leaves_nothing_half_written(serve, tmp_path):
    url, _, _ = serve(cut_short={TRUNCATED})
    target = tmp_path / "levin"
    with pytest.raises(FetchError, match=TRUNCATED) as error:
        fetch_levin(target, url=url, progress=False)
    assert "\n" not in str(error.value) and "LEVIN_DIR" in str(error.value)
    assert not (target / TRUNCATED).exists()
    assert _no_temporary_files(target)
    kept = [name for name in LEVIN_REGISTRY if (target / name).exists()]
    assert kept and missing_files(target, {name: LEVIN_REGISTRY[name] for name in kept}) == []


def test_corrupted_file_on_the_server_is_refused(serve, tmp_path):
    url, copy, _ = serve()
    corrupted = copy / "gt" / "kernel6.png"
    corrupted.write_bytes(corrupted.read_bytes()[:-1] + b"\x00")
    target = tmp_path / "levin"
    with pytest.raises(FetchError, match="kernel6.png") as error:
        fetch_levin(target, url=url, progress=False)
    assert "SHA256" in str(error.value).upper() and "folder=" in str(error.value)
    assert not (target / "gt" / "kernel6.png").exists()
    assert _no_temporary_files(target)


def test_a_corrupted_local_file_is_downloaded_again(serve, tmp_path):
    url, _, handler = serve()
    target = tmp_path / "levin"
    fetch_levin(target, url=url, progress=False)
    (target / "im1_kernel1_img.png").write_bytes(b"not a png")
    fetch_levin(target, url=url, progress=False)
    assert missing_files(target, LEVIN_REGISTRY) == []
    assert handler.requests[-1].endswith("im1_kernel1_img.png")


def test_no_server_gives_one_line_naming_the_folder_option(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError) as error:
        fetch_levin(tmp_path / "levin", url=f"http://127.0.0.1:{port}/", progress=False)
    message = str(error.value)
    assert "\n" not in message and "folder=" in message and LEVIN_DIR_ENV in message
    assert not any(p.is_file() for p in (tmp_path / "levin").rglob("*"))


def test_folder_argument_then_environment_then_user_cache(tmp_path, monkeypatch):
    monkeypatch.delenv(LEVIN_DIR_ENV, raising=False)
    assert levin_folder().parts[-2:] == ("deblur-companion", "levin")
    monkeypatch.setenv(LEVIN_DIR_ENV, str(tmp_path / "env"))
    assert levin_folder() == tmp_path / "env"
    assert levin_folder(tmp_path / "arg") == tmp_path / "arg"


def test_command_line_fetch(serve, tmp_path, capsys):
    url, _, _ = serve()
    assert main(["fetch", "levin", "--folder", str(tmp_path / "levin"), "--url", url]) == 0
    assert "44 files" in capsys.readouterr().out
    assert missing_files(tmp_path / "levin", LEVIN_REGISTRY) == []
