"""``python -m deblur_core``: the methods on a reader's own images.

    python -m deblur_core selfdeblur BLURRY.png --kernel-size 31 [--iterations N]
        [--mode joint|alternating] [--profile quick] [--out DIR] [--seed S]
    python -m deblur_core evaluate ESTIMATE.png SHARP.png
    python -m deblur_core reproduce [--profile quick]

Errors in the input (unreadable file, even or too-large kernel, image smaller
than the kernel, ...) end the program with a one-line message and exit status 2.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__, storage
from .data.io import read_image, to_grey
from .deconv import deconvolve_hyper_laplacian
from .kernels import check_kernel_size
from .metrics import compare_up_to_shift
from .profiles import PROFILES, profile_settings
from .selfdeblur import MODES, SelfDeblurConfig, run_selfdeblur


class InputError(Exception):
    """A problem with what the user gave us: reported in one line, exit status 2."""


def _kernel_view(kernel: np.ndarray) -> np.ndarray:
    return kernel / kernel.max()


def command_selfdeblur(args) -> str:
    blurry = read_image(args.blurry)
    grey = to_grey(blurry)
    size = args.kernel_size
    check_kernel_size(size)
    largest = min(grey.shape) // 2
    if size > largest:
        raise InputError(f"kernel size {size} is too large for a {grey.shape[1]}x{grey.shape[0]} image; "
                         f"use at most {largest - (largest % 2 == 0)} (half the shorter side)")
    settings = profile_settings("selfdeblur", args.profile)
    iterations = args.iterations or settings["iterations"]
    config = SelfDeblurConfig(kernel_size=(size, size), iterations=iterations, mode=args.mode, seed=args.seed,
                              channels=settings["channels"])
    out = Path(args.out) if args.out else Path("selfdeblur_out") / Path(args.blurry).stem
    started = time.perf_counter()
    result = run_selfdeblur(grey, config, cache_dir=out / ".cache", description=f"SelfDeblur {Path(args.blurry).name}")
    if blurry.ndim == 3:
        # colour: the kernel comes from the luminance; each channel is then deconvolved
        # with it (the SelfDeblur-Delta route), which keeps colours consistent
        latent = np.stack([deconvolve_hyper_laplacian(blurry[..., c], result.kernel) for c in range(3)], axis=-1)
    else:
        latent = result.latent
    storage.save_image(out / "latent.png", latent)
    storage.save_image(out / "kernel.png", _kernel_view(result.kernel))
    with storage.atomic_path(out / "kernel.npy") as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, result.kernel)
    storage.write_text(out / "history.csv", result.history.to_csv(index=False))
    seconds = time.perf_counter() - started
    cached = " (loaded from cache)" if result.from_cache else ""
    return (f"SelfDeblur-{args.mode[0].upper()} {Path(args.blurry).name}: {iterations} iterations, "
            f"{size}x{size} kernel, final loss {result.history['loss'].iloc[-1]:.3g}, "
            f"{seconds:.1f} s{cached} -> {out}/latent.png, kernel.png, kernel.npy, history.csv")


def command_evaluate(args) -> str:
    estimate, sharp = read_image(args.estimate), read_image(args.sharp)
    if estimate.ndim != sharp.ndim:
        estimate, sharp = to_grey(estimate), to_grey(sharp)
    if estimate.shape != sharp.shape:
        raise InputError(f"{Path(args.estimate).name} is {estimate.shape[1]}x{estimate.shape[0]} but "
                         f"{Path(args.sharp).name} is {sharp.shape[1]}x{sharp.shape[0]}; compare images of one size")
    result = compare_up_to_shift(estimate, sharp)
    return (f"PSNR {result.psnr:.2f} dB, SSIM {result.ssim:.4f} "
            f"(best shift {result.shift[0]:+.2f}, {result.shift[1]:+.2f} px, 15 px border ignored)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deblur_core", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"deblur_core {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    sd = commands.add_parser("selfdeblur", help="blind deconvolution of one image with SelfDeblur")
    sd.add_argument("blurry", help="blurry image (PNG/JPEG/TIFF; grey, RGB or RGBA; 8 or 16 bit)")
    sd.add_argument("--kernel-size", type=int, required=True, help="odd side length of the kernel to estimate")
    sd.add_argument("--iterations", type=int, default=None, help="default: the profile's budget")
    sd.add_argument("--mode", choices=MODES, default="joint")
    sd.add_argument("--profile", choices=PROFILES, default="quick")
    sd.add_argument("--out", default=None, help="output folder (default selfdeblur_out/<image name>)")
    sd.add_argument("--seed", type=int, default=0)
    sd.set_defaults(handler=command_selfdeblur)

    ev = commands.add_parser("evaluate", help="PSNR and SSIM of an estimate, up to a sub-pixel shift")
    ev.add_argument("estimate")
    ev.add_argument("sharp")
    ev.set_defaults(handler=command_evaluate)

    rp = commands.add_parser("reproduce", help="run every notebook with papermill (what `make reproduce` does)")
    rp.add_argument("--profile", choices=PROFILES, default="quick")
    rp.set_defaults(handler=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "reproduce":
        from .reproduce import main as reproduce

        return reproduce(args.profile)
    if getattr(args, "iterations", None) is not None and args.iterations < 1:
        print(f"error: --iterations must be positive, got {args.iterations}", file=sys.stderr)
        return 2
    try:
        print(args.handler(args))
    except (InputError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
