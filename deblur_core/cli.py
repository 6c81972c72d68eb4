"""``python -m deblur_core``: the methods on a reader's own images.

    python -m deblur_core selfdeblur BLURRY.png --kernel-size 31 [--iterations N]
        [--mode joint|alternating] [--profile quick] [--out DIR] [--seed S]
    python -m deblur_core estimate-kernel BLURRY.png --kernel-size 27 [--window X,Y,W,H] [--out kernel.png]
    python -m deblur_core select-region BLURRY.png --selector cnn|fergus|xujia|gabor|random --size 228
        [--stride 20] [--checkpoint PATH]
    python -m deblur_core jdrl-deblur BLURRY.png [--checkpoint PATH] [--out OUT.png]
    python -m deblur_core evaluate ESTIMATE.png SHARP.png
    python -m deblur_core reproduce [--profile quick]
    python -m deblur_core fetch levin [--folder DIR]
    python -m deblur_core levin-selectors [--profile long] [--folder DIR] [--out DIR]

Errors in the input (unreadable file, even or too-large kernel, image smaller
than the kernel, ...) end the program with a one-line message and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__, storage, weights
from .data.fetch import LEVIN_DIR_ENV, FetchError, fetch_levin
from .data.io import read_colour, read_image, to_grey
from .data.registry import LEVIN_REGISTRY, LEVIN_URL
from .deconv import deconvolve_hyper_laplacian
from .device import PRECISIONS, select_precision
from .kernels import check_kernel_size
from .metrics import compare_up_to_shift
from .profiles import DEFAULT_PROFILE, PROFILES, profile_settings
from .regions.selectors import SELECTORS
from .selfdeblur import MODES, RECIPES, SelfDeblurConfig, run_selfdeblur


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
        raise InputError(
            f"kernel size {size} is too large for a {grey.shape[1]}x{grey.shape[0]} image; "
            f"use at most {largest - (largest % 2 == 0)} (half the shorter side)"
        )
    settings = profile_settings("selfdeblur", args.profile)
    iterations = args.iterations or settings.iterations
    config = SelfDeblurConfig(
        kernel_size=(size, size),
        iterations=iterations,
        mode=args.mode,
        seed=args.seed,
        channels=settings.channels,
        precision=args.precision,
        **RECIPES[args.recipe],
    )
    out = Path(args.out) if args.out else Path("selfdeblur_out") / Path(args.blurry).stem
    started = time.perf_counter()
    result = run_selfdeblur(
        grey,
        config,
        cache_dir=out / ".cache",
        description=f"SelfDeblur {Path(args.blurry).name}",
    )
    if blurry.ndim == 3:
        # colour: the kernel comes from the luminance; each channel is then deconvolved
        # with it (the SelfDeblur-Delta route), which keeps colours consistent
        latent = np.stack([deconvolve_hyper_laplacian(blurry[..., c], result.kernel) for c in range(3)], axis=-1)
    else:
        latent = result.latent
    storage.save_image(out / "latent.png", latent)
    storage.save_image(out / "kernel.png", _kernel_view(result.kernel))
    storage.save_npy(out / "kernel.npy", result.kernel)
    storage.write_text(out / "history.csv", result.history.to_csv(index=False))
    seconds = time.perf_counter() - started
    cached = " (loaded from cache)" if result.from_cache else ""
    per_iteration = result.seconds / iterations
    return (
        f"SelfDeblur-{args.mode[0].upper()} {Path(args.blurry).name}: {args.recipe} recipe, {iterations} iterations, "
        f"{size}x{size} kernel, final loss {result.history['loss'].iloc[-1]:.3g}, "
        f"{seconds:.1f} s{cached} ({per_iteration:.3f} s/iteration optimising, "
        f"{select_precision(precision=args.precision).name}) -> {out}/latent.png, kernel.png, kernel.npy, history.csv"
    )


def _parse_window(text: str, shape) -> tuple[int, int, int, int]:
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--window must be four integers X,Y,W,H (e.g. 10,20,228,228), got {text!r}") from None
    height, width = shape[:2]
    if x < 0 or y < 0 or w < 1 or h < 1 or x + w > width or y + h > height:
        raise InputError(
            f"window {x},{y},{w},{h} does not fit in the {width}x{height} image; "
            "X+W must not exceed the width and Y+H the height"
        )
    return x, y, w, h


def command_estimate_kernel(args) -> str:
    from .kernel_estimation import estimate_kernel

    grey = to_grey(read_image(args.blurry))
    region = grey
    where = "whole image"
    if args.window:
        x, y, w, h = _parse_window(args.window, grey.shape)
        region = grey[y : y + h, x : x + w]
        where = f"window {x},{y},{w},{h}"
    check_kernel_size(args.kernel_size, region.shape)
    started = time.perf_counter()
    kernel = estimate_kernel(region, args.kernel_size)
    seconds = time.perf_counter() - started
    out = Path(args.out)
    storage.save_image(out, _kernel_view(kernel))
    storage.save_npy(out.with_suffix(".npy"), kernel)
    return (
        f"{args.kernel_size}x{args.kernel_size} kernel from the {where} of {Path(args.blurry).name} "
        f"in {seconds:.2f} s -> {out}, {out.with_suffix('.npy')}"
    )


def _weights_for(checkpoint: str | None, shipped_name: str) -> tuple[Path, str]:
    """``--checkpoint`` if given, else the shipped weights ``shipped_name``; and a line saying which."""
    if checkpoint:
        return Path(checkpoint), f"weights {checkpoint}"
    try:
        path = weights.shipped_path(shipped_name)
    except FileNotFoundError as error:
        raise InputError(str(error)) from None
    return path, weights.describe_shipped(shipped_name)


def _selector_for(args):
    """The selector asked for, and where its weights came from (``None`` for selectors without weights)."""
    from .regions.selectors import CNNSelector, GaborSelector, make_selector

    if args.selector in ("cnn", "gabor"):
        name = "region_classifier.pt" if args.selector == "cnn" else "gabor_selector.npz"
        path, source = _weights_for(args.checkpoint, name)
        if args.selector == "cnn":
            from .models.region_classifier import load_classifier

            return CNNSelector(load_classifier(path)), source
        with np.load(path) as state:
            return GaborSelector.from_state_dict(dict(state)), source
    if args.checkpoint:
        raise InputError(f"the {args.selector} selector takes no --checkpoint")
    return make_selector(args.selector), None


def command_select_region(args) -> str:
    from .regions.selectors import select_window

    grey = to_grey(read_image(args.blurry))
    selector, source = _selector_for(args)
    best, score, windows, _ = select_window(grey, selector, args.size, args.stride)
    header = f"using {source}\n" if source else ""
    return header + (
        f"{args.selector}: best of {len(windows)} windows in {Path(args.blurry).name} is X,Y,W,H = "
        f"{best.x},{best.y},{best.size},{best.size} (score {score:.4g}); "
        f"next: estimate-kernel {args.blurry} --window {best.x},{best.y},{best.size},{best.size}"
    )


def command_jdrl_deblur(args) -> str:
    from .jdrl.evaluation import deblur_images
    from .models.unet import load_unet

    image = read_colour(args.blurry)
    path, source = _weights_for(args.checkpoint, "jdrl_unet.pt")
    model = load_unet(path)
    if model.channels != image.shape[-1]:
        raise InputError(
            f"the network takes {model.channels} channels but {Path(args.blurry).name} has {image.shape[-1]}"
        )
    started = time.perf_counter()
    restored = deblur_images(model, image[None])[0]
    out = Path(args.out)
    storage.save_image(out, restored)
    return (
        f"using {source}\ndeblurred {Path(args.blurry).name} ({image.shape[1]}x{image.shape[0]}) "
        f"in {time.perf_counter() - started:.2f} s -> {out}"
    )


def _train_as_rank(train, save, describe) -> str | None:
    """``train()`` in this process's DDP group (a group of one unless started by torchrun); rank 0 saves the result
    with ``save(result)`` and returns ``describe(result, seconds, world size)``; the other ranks return None and
    stay silent."""
    from .ddp import finish, process_group

    group = process_group()
    started = time.perf_counter()
    result = train()
    seconds = time.perf_counter() - started
    if group.is_main:
        save(result)
    finish()
    return describe(result, seconds, group.world_size) if group.is_main else None


def command_train_region_classifier(args) -> str | None:
    from .models.region_classifier import save_classifier
    from .regions.training import ClassifierTrainingConfig, load_training_set, train_classifier

    data = load_training_set(args.data)
    blocks = tuple(int(b) for b in args.blocks.split(","))
    config = ClassifierTrainingConfig(
        input_size=args.input_size or data["train_windows"].shape[-1],
        width=args.width,
        blocks=blocks,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        seed=args.seed,
    )

    def describe(result, seconds, world_size):
        last = result.history.iloc[-1]
        return (
            f"trained {config.epochs} epochs on {len(data['train_labels'])} windows in {seconds:.1f} s with "
            f"{world_size} process(es); last epoch: training loss {last['train_loss']:.4f}, validation AUC "
            f"{last['val_auc']:.3f}; rank 0 wrote {args.out}"
        )

    return _train_as_rank(
        lambda: train_classifier(
            data["train_windows"],
            data["train_labels"],
            data["val_windows"],
            data["val_labels"],
            config,
            cache_dir=args.cache_dir,
        ),
        lambda result: save_classifier(args.out, result.model),
        describe,
    )


def command_train_jdrl(args) -> str | None:
    from .jdrl.experiment import FINAL, synthetic_splits
    from .jdrl.training import VARIANTS, train_jdrl
    from .models.unet import save_unet

    if args.variant not in VARIANTS:
        raise InputError(f"unknown variant {args.variant!r}; use one of: {', '.join(VARIANTS)}")
    if args.ship and (args.variant != FINAL or args.profile not in weights.SHIPPING_PROFILES):
        raise InputError(
            f"--ship ships the final variant of a {' or '.join(weights.SHIPPING_PROFILES)} run; "
            f"drop --ship or use --variant final --profile long"
        )
    if args.epochs is not None and args.epochs < 1:
        raise InputError(f"--epochs must be a positive number of epochs, got {args.epochs}")
    if args.pairs_per_scene is not None and args.pairs_per_scene < 1:
        raise InputError(f"--pairs-per-scene must be a positive number of pairs, got {args.pairs_per_scene}")
    settings = profile_settings("jdrl", args.profile, epochs=args.epochs, pairs_per_scene=args.pairs_per_scene)
    train, test = synthetic_splits(settings, cache_dir=args.cache_dir)
    blurry = np.stack([pair.blurry for pair in train])
    sharp = np.stack([pair.sharp for pair in train])
    card = {}

    def save(result):
        save_unet(args.out, result.model)
        if args.ship:
            card.update(_ship_jdrl(args, settings, train, test, result))

    def describe(result, seconds, world_size):
        last = result.history.iloc[-1]
        shipped = ""
        if card:
            low, high = card["held_out_gain_ci_db"]
            shipped = (
                f"; shipped as jdrl_unet.pt: {card['held_out_gain_db']:+.2f} dB [{low:+.2f}, {high:+.2f}] over the "
                f"blurry input on {len(card['held_out_scenes'])} held-out scenes"
            )
        return (
            f"trained {args.variant} ({args.profile}, {len(result.history)} epochs, seed {args.seed}) on "
            f"{len(blurry)} pairs in {seconds:.1f} s with {world_size} process(es); last epoch loss "
            f"{last['loss']:.4f}; rank 0 wrote {args.out}{shipped}"
        )

    return _train_as_rank(
        lambda: train_jdrl(
            blurry,
            sharp,
            VARIANTS[args.variant],
            settings.training_config(args.seed),
            # runs/ beside the pairs, as notebook 02 keeps them: a run either trained is found by the other
            cache_dir=Path(args.cache_dir) / "runs" if args.cache_dir else None,
            description=f"{args.variant}, seed {args.seed}",
        ),
        save,
        describe,
    )


def _ship_jdrl(args, settings, train, test, result) -> dict:
    """Score the trained final UNet on the profile's held-out pairs and ship it with its model card."""
    import pandas as pd

    from .jdrl import report
    from .jdrl.evaluation import deblur_images, evaluate_outputs
    from .jdrl.experiment import FINAL

    names = [pair.name for pair in test]
    blurry = np.stack([pair.blurry for pair in test])
    sharp = np.stack([pair.sharp for pair in test])
    aligned = np.stack([pair.aligned_sharp for pair in test])
    outputs = evaluate_outputs(deblur_images(result.model, blurry), sharp, aligned, names)
    claims = report.table4_claims(
        outputs.assign(variant=FINAL, seed=args.seed),
        evaluate_outputs(blurry, sharp, aligned, names),
        profile=args.profile,
    )
    timing = pd.DataFrame([{"variant": FINAL, "seed": args.seed, "training seconds": result.history["seconds"].sum()}])
    psnr = round(float(outputs["PSNR (deformed GT)"].mean()), 2)
    _, card = report.ship_final_unet(
        args.out, settings, train, test, claims, timing, seed=args.seed, psnr_deformed_gt=psnr
    )
    return card


def command_evaluate(args) -> str:
    estimate, sharp = read_image(args.estimate), read_image(args.sharp)
    if estimate.ndim != sharp.ndim:
        estimate, sharp = to_grey(estimate), to_grey(sharp)
    if estimate.shape != sharp.shape:
        raise InputError(
            f"{Path(args.estimate).name} is {estimate.shape[1]}x{estimate.shape[0]} but "
            f"{Path(args.sharp).name} is {sharp.shape[1]}x{sharp.shape[0]}; compare images of one size"
        )
    result = compare_up_to_shift(estimate, sharp)
    return (
        f"PSNR {result.psnr:.2f} dB, SSIM {result.ssim:.4f} "
        f"(best shift {result.shift[0]:+.2f}, {result.shift[1]:+.2f} px, 15 px border ignored)"
    )


def command_fetch(args) -> str:
    folder = fetch_levin(args.folder, url=args.url)
    return (
        f"Levin et al. (CVPR 2009) benchmark: {len(LEVIN_REGISTRY)} files checked in {folder} "
        "(the data is Levin et al.'s; cite their paper when you use it)"
    )


def command_levin_selectors(args) -> str:
    """Every paper selector, with the shipped CNN and Gabor weights, scored on Levin et al.'s real images."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .models.region_classifier import load_classifier
    from .regions.real_levin import report_real_levin, score_selectors_on_levin
    from .regions.selectors import GaborSelector, paper_selectors

    settings = profile_settings("regions", args.profile, stride=args.stride)
    classifier, classifier_source = _weights_for(None, "region_classifier.pt")
    gabor_path, _ = _weights_for(None, "gabor_selector.npz")
    with np.load(gabor_path) as state:
        gabor = GaborSelector.from_state_dict(dict(state))
    selectors = paper_selectors(load_classifier(classifier), gabor, seed=0)
    out = Path(args.out) if args.out else Path("figures") / settings.profile / "01_region_selection"
    images = [int(i) for i in args.images.split(",")] if args.images else None
    real = score_selectors_on_levin(
        selectors,
        settings,
        folder=args.folder,
        images=images,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
    )
    fig, lines = report_real_levin(real, out, f"[{settings.profile}]")
    plt.close(fig)
    lines.insert(0, f"using {classifier_source}; {real.source}, {real.evaluation['example'].nunique()} images")
    return "\n".join(lines + [f"tables and figure -> {out}"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deblur_core", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"deblur_core {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    sd = commands.add_parser("selfdeblur", help="blind deconvolution of one image with SelfDeblur")
    sd.add_argument("blurry", help="blurry image (PNG/JPEG/TIFF; grey, RGB or RGBA; 8 or 16 bit)")
    sd.add_argument("--kernel-size", type=int, required=True, help="odd side length of the kernel to estimate")
    sd.add_argument("--iterations", type=int, default=None, help="default: the profile's budget")
    sd.add_argument("--mode", choices=MODES, default="joint")
    sd.add_argument(
        "--recipe",
        choices=list(RECIPES),
        default="authors",
        help="authors (default): MSE then 1 - SSIM after 1,000 iterations, learning rate halved at 2,000/3,000/4,000, "
        "non-local blocks in G_x, as in the authors' released code and measured better; "
        "paper: Eq. 6 (MSE + TV) with the milestones scaled "
        "to the budget, as the notebooks' tables use",
    )
    sd.add_argument("--profile", choices=PROFILES, default="quick")
    sd.add_argument("--out", default=None, help="output folder (default selfdeblur_out/<image name>)")
    sd.add_argument("--seed", type=int, default=0)
    sd.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="auto: bf16 only where the hardware computes it natively (see deblur_core.device)",
    )
    sd.set_defaults(handler=command_selfdeblur)

    ek = commands.add_parser("estimate-kernel", help="blind kernel estimate (L0 + dark channel) of an image or window")
    ek.add_argument("blurry", help="blurry image (colour is converted to grey)")
    ek.add_argument("--kernel-size", type=int, required=True, help="odd side length of the kernel")
    ek.add_argument("--window", default=None, help="X,Y,W,H of the region to use (default: the whole image)")
    ek.add_argument("--out", default="kernel.png", help="kernel picture; the taps go to the same name with .npy")
    ek.set_defaults(handler=command_estimate_kernel)

    sr = commands.add_parser("select-region", help="the best window for kernel estimation, by a selector")
    sr.add_argument("blurry")
    # the oracle needs the true kernel, so it is not offered on a reader's own image
    sr.add_argument("--selector", choices=[name for name in SELECTORS if name != "best-similarity"], default="fergus")
    sr.add_argument("--size", type=int, default=228, help="window side in pixels (the paper's 228)")
    sr.add_argument("--stride", type=int, default=20, help="step between windows (the paper's 20)")
    sr.add_argument(
        "--checkpoint",
        default=None,
        help="trained classifier (cnn) or fitted Gabor weights (gabor) saved by notebook 01; "
        "default: the weights shipped in deblur_core/weights",
    )
    sr.set_defaults(handler=command_select_region)

    trained_for = weights.model_card("jdrl_unet.pt").get("trained_for")
    jd = commands.add_parser(
        "jdrl-deblur",
        help="defocus deblurring with a UNet trained by notebook 02"
        + (f"; the shipped one was trained for {trained_for}" if trained_for else ""),
        description="Defocus deblurring with the JDRL UNet. "
        + (
            f"The shipped network was trained for {trained_for}; blur beyond that range is not removed."
            if trained_for
            else "No shipped network has a model card: pass --checkpoint."
        ),
    )
    jd.add_argument("blurry", help="blurry image (RGB, or grey repeated to RGB)")
    jd.add_argument(
        "--checkpoint",
        default=None,
        help="UNet checkpoint saved by notebook 02 (runs/<profile>/jdrl_final_unet.pt); "
        "default: the long profile's final UNet shipped in deblur_core/weights",
    )
    jd.add_argument("--out", default="deblurred.png")
    jd.set_defaults(handler=command_jdrl_deblur)

    ev = commands.add_parser("evaluate", help="PSNR and SSIM of an estimate, up to a sub-pixel shift")
    ev.add_argument("estimate")
    ev.add_argument("sharp")
    ev.set_defaults(handler=command_evaluate)

    tc = commands.add_parser(
        "train-region-classifier",
        help="train the region classifier on saved labelled windows; under torchrun --nproc_per_node N with DDP",
    )
    # the defaults are the default profile's, read from it rather than typed again
    region_defaults = profile_settings("regions", DEFAULT_PROFILE)
    tc.add_argument("data", help="labelled windows (.npz from save_training_set; notebook 01 writes one to runs/)")
    tc.add_argument("--out", required=True, help="checkpoint to write (rank 0 only)")
    tc.add_argument("--epochs", type=int, default=region_defaults.epochs)
    tc.add_argument("--width", type=int, default=region_defaults.width, help="base width (the paper's ResNet-34: 64)")
    tc.add_argument(
        "--blocks",
        default=",".join(map(str, region_defaults.blocks)),
        help="BasicBlocks per stage (ResNet-34: 3,4,6,3)",
    )
    tc.add_argument("--input-size", type=int, default=None, help="default: the windows' own size")
    tc.add_argument("--batch-size", type=int, default=region_defaults.batch_size, help="over all processes together")
    tc.add_argument("--learning-rate", type=float, default=region_defaults.learning_rate)
    tc.add_argument("--seed", type=int, default=0)
    tc.add_argument("--cache-dir", default=None, help="resumable checkpoints (default: none)")
    tc.set_defaults(handler=command_train_region_classifier)

    tj = commands.add_parser(
        "train-jdrl",
        help="train one JDRL variant on the profile's synthetic pairs; under torchrun --nproc_per_node N with DDP",
    )
    tj.add_argument("--profile", choices=PROFILES, default="quick")
    tj.add_argument("--variant", default="final", help="final, #1 baseline, ... (deblur_core.jdrl.training.VARIANTS)")
    tj.add_argument("--seed", type=int, default=0)
    tj.add_argument("--out", required=True, help="UNet checkpoint to write (rank 0 only)")
    tj.add_argument(
        "--cache-dir",
        default=None,
        help="pairs, and resumable runs under its runs/ (notebook 02's is data/cache/jdrl; default: none)",
    )
    tj.add_argument("--epochs", type=int, default=None, help="train this many epochs instead of the profile's")
    tj.add_argument(
        "--pairs-per-scene",
        type=int,
        default=None,
        help="training pairs drawn from each training scene instead of the profile's (the held-out pairs stay)",
    )
    tj.add_argument(
        "--ship",
        action="store_true",
        help="score the final UNet on the profile's held-out scenes and ship it (with its model card) as the network "
        "jdrl-deblur loads; long or paper profile only",
    )
    tj.set_defaults(handler=command_train_jdrl)

    fe = commands.add_parser("fetch", help="download a public benchmark into the cache folder (checksums checked)")
    fe.add_argument("dataset", choices=["levin"], help="levin: Levin et al. 2009, 32 blurry images, 1.1 MB")
    fe.add_argument("--folder", default=None, help=f"where to put it (default: ${LEVIN_DIR_ENV}, else a user cache)")
    fe.add_argument("--url", default=LEVIN_URL, help="base address of a copy (default: the pinned public copy)")
    fe.set_defaults(handler=command_fetch)

    ls = commands.add_parser(
        "levin-selectors", help="score every region selector (shipped weights) on Levin et al.'s 32 real images"
    )
    ls.add_argument("--profile", choices=PROFILES, default="long", help="window geometry (the weights are long's)")
    ls.add_argument("--folder", default=None, help=f"where the benchmark is or goes (default: ${LEVIN_DIR_ENV})")
    ls.add_argument("--out", default=None, help="tables and figure (default figures/<profile>/01_region_selection)")
    ls.add_argument("--cache-dir", default="data/cache/regions", help="window labels and scores, as notebook 01's")
    ls.add_argument("--images", default=None, help="only these sharp images, e.g. 1,3 (default: all four)")
    ls.add_argument("--stride", type=int, default=None, help="step between windows (default: the profile's)")
    ls.set_defaults(handler=command_levin_selectors)

    rp = commands.add_parser("reproduce", help="run every notebook with papermill (what `make reproduce` does)")
    rp.add_argument("--profile", choices=PROFILES, default="quick")
    rp.add_argument("--only", default=None, help="run only the notebooks whose file name contains this (e.g. 03)")
    rp.add_argument(
        "--scheduler",
        default=None,
        help="spread the SelfDeblur runs and the window labelling over Dask: local:N or a scheduler address",
    )
    rp.set_defaults(handler=None)
    return parser


def run() -> None:
    """The ``deblur-companion`` console command: :func:`main` with its exit status."""
    sys.exit(main())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "reproduce":
        from .reproduce import main as reproduce

        return reproduce(args.profile, only=args.only, scheduler=args.scheduler)
    if getattr(args, "iterations", None) is not None and args.iterations < 1:
        print(f"error: --iterations must be positive, got {args.iterations}", file=sys.stderr)
        return 2
    try:
        message = args.handler(args)
        if message is not None:  # ranks other than 0 of a torchrun job stay silent
            print(message)
    except (InputError, ValueError, FileNotFoundError, FetchError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
