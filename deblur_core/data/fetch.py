"""Fetch public benchmarks into a cache folder, the way :mod:`skimage.data` does.

The only data set fetched so far is Levin et al.'s blind-deconvolution benchmark
(*Understanding and evaluating blind deconvolution algorithms*, CVPR 2009): 4 sharp
images, 8 recorded camera-shake kernels and the 32 blurry images they make, 1.1 MB in
all. The data is Levin et al.'s; the copy fetched is the one the SelfDeblur authors
publish with their code, pinned to one commit (:data:`~deblur_core.data.registry.LEVIN_URL`),
and every file is checked against its SHA-256 (:data:`~deblur_core.data.registry.LEVIN_REGISTRY`).

Where the files go, first match wins:

1. the ``folder`` argument (``--folder`` on the command line, ``LEVIN_DIR`` in the notebooks);
2. the environment variable ``DEBLUR_LEVIN_DIR``;
3. the user's cache folder, ``pooch.os_cache("deblur-companion") / "levin"``
   (``~/.cache/deblur-companion/levin`` on Linux).

A file already there with the right checksum is never downloaded again, so a fetched
folder works offline. Each file is downloaded to a temporary name beside its target and
moved into place only once its checksum matches: an interrupted or corrupted download
leaves nothing half-written behind.

From a shell: ``python -m deblur_core fetch levin [--folder DIR]``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..progress import progress_bar
from .registry import LEVIN_REGISTRY, LEVIN_URL

LEVIN_DIR_ENV = "DEBLUR_LEVIN_DIR"
CACHE_APP_NAME = "deblur-companion"


class FetchError(RuntimeError):
    """A data set could not be fetched (no network, a server error or a checksum that does not match)."""


def levin_folder(folder: str | Path | None = None) -> Path:
    """The folder that holds (or will hold) the Levin benchmark: ``folder``, else ``$DEBLUR_LEVIN_DIR``, else the
    user's cache folder."""
    if folder is not None:
        return Path(folder).expanduser()
    if os.environ.get(LEVIN_DIR_ENV):
        return Path(os.environ[LEVIN_DIR_ENV]).expanduser()
    import pooch

    return Path(pooch.os_cache(CACHE_APP_NAME)) / "levin"


def missing_files(folder: Path, registry: dict[str, str]) -> list[str]:
    """Names in ``registry`` that are absent from ``folder`` or whose SHA-256 differs."""
    return [
        name
        for name, digest in registry.items()
        if not (folder / name).is_file() or hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest
    ]


def _one_line(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 160 else text[:157] + "..."


def fetch_levin(folder: str | Path | None = None, url: str = LEVIN_URL, progress: bool = True) -> Path:
    """Download the Levin et al. benchmark where it is missing and return its folder.

    Parameters
    ----------
    folder : str or Path, optional
        Where the files go (see the module docstring for the default and ``$DEBLUR_LEVIN_DIR``).
        A folder that already holds a checked copy is returned without any network access.
    url : str
        Base address of the copy; the registry's file names are appended to it. Tests point it at a
        local server.
    progress : bool
        Show a progress bar over the files (off in CI, see :mod:`deblur_core.progress`).

    Returns
    -------
    Path
        The folder, laid out as SelfDeblur's copy: ``imN_kernelM_img.png`` and ``gt/``; read it with
        :func:`deblur_core.data.levin.load_levin`.

    Raises
    ------
    FetchError
        When a file cannot be downloaded or does not match its checksum. Files already checked stay;
        the failing one is not written.
    """
    target = levin_folder(folder)
    wanted = missing_files(target, LEVIN_REGISTRY) if target.is_dir() else list(LEVIN_REGISTRY)
    if not wanted:
        return target
    import pooch  # only a download needs it: a checked copy reads without it

    downloader = pooch.HTTPDownloader(progressbar=False, timeout=30)
    base = url if url.endswith("/") else url + "/"
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # the progress bar says what is downloading, pooch's log would repeat it per file
    try:
        _download(wanted, base, target, downloader, progress)
    finally:
        logger.setLevel(level)
    return target


def _download(names: list[str], base: str, target: Path, downloader, progress: bool) -> None:
    import pooch
    import requests

    bar = progress_bar(names, desc=f"Levin et al. 2009 -> {target}", unit="file", enabled=progress)
    for done, name in enumerate(bar):
        try:
            pooch.retrieve(
                base + name,
                known_hash=f"sha256:{LEVIN_REGISTRY[name]}",
                fname=Path(name).name,
                path=target / Path(name).parent,
                downloader=downloader,
                progressbar=False,
            )
        except (requests.exceptions.RequestException, ValueError, OSError) as error:
            raise FetchError(
                f"could not fetch {name} of the Levin et al. benchmark from {base} ({_one_line(error)}); "
                f"{len(LEVIN_REGISTRY) - len(names) + done} of {len(LEVIN_REGISTRY)} checked files are in {target}. "
                "Put a copy of the benchmark in a folder and pass it as folder= (--folder, the notebooks' LEVIN_DIR) "
                f"or set ${LEVIN_DIR_ENV}"
            ) from None
