"""The SelfDeblur settings the quick profile had to choose, measured.

1. Width of G_x at equal time: the quick profile's 64 channels for its iterations,
   or the paper's 128 channels for 0.4 times as many (one 128-channel iteration
   costs about 2.5 64-channel ones on a CPU).
2. The learning rate of the kernel generator G_k: the paper states 0.01 for both
   networks; the authors' released code uses 1e-4 for G_k.
3. The image: the half-scale benchmark's whole image, or a 127 px centre crop of the
   full-scale image (same pixel count, twice the kernel-to-image ratio).

Seeds 0 and 1 show how much a single run can be trusted. SelfDeblur-J on the quick
profile's case; runs go through the notebooks' run cache, so the default run is shared
with ``notebooks/03_selfdeblur.ipynb`` and a second call of this script takes seconds.

    python benchmarks/selfdeblur_choices.py

Ends with one JSON line: PSNR (dB) and kernel similarity per variant, and the
blurry inputs' PSNR.
"""

from __future__ import annotations

import json
from pathlib import Path

from deblur_core.data.levin import crop_case, levin_like_benchmark, levin_like_sizes
from deblur_core.evaluation import known_kernel_reference, score
from deblur_core.kernels import kernel_similarity
from deblur_core.profiles import profile_settings
from deblur_core.selfdeblur import SelfDeblurConfig, run_selfdeblur_on_case

ROOT = Path(__file__).resolve().parents[1]
QUICK = profile_settings("selfdeblur", "quick")
SHORT = int(round(0.4 * QUICK.iterations))
VARIANTS = {  # name: (image source, SelfDeblurConfig overrides)
    "quick default, seed 0": ("half scale", dict(seed=0)),
    "quick default, seed 1": ("half scale", dict(seed=1)),
    f"128 ch x {SHORT} it. (equal time), seed 0": ("half scale", dict(channels=128, iterations=SHORT, seed=0)),
    f"128 ch x {SHORT} it. (equal time), seed 1": ("half scale", dict(channels=128, iterations=SHORT, seed=1)),
    "G_k lr 1e-2 (paper's single rate), seed 0": ("half scale", dict(lr_kernel=1e-2, seed=0)),
    "127 px crop of full scale, seed 0": ("crop", dict(seed=0)),
    "127 px crop of full scale, seed 1": ("crop", dict(seed=1)),
}


def quick_case(source: str):
    ((image_id, kernel_id),) = QUICK.cases
    if source == "half scale":
        cases = levin_like_benchmark(ROOT / "data" / "cache", scale=QUICK.scale)
        size = None
    else:
        cases = levin_like_benchmark(ROOT / "data" / "cache", scale=1.0)
        size = levin_like_sizes(QUICK.scale)[0]
    case = next(c for c in cases if (c.image_id, c.kernel_id) == (image_id, kernel_id))
    return crop_case(case, size)


def main() -> None:
    figures, blurry_scores = {}, {}
    print(f"SelfDeblur-J, quick defaults: G_x {QUICK.channels} ch, {QUICK.iterations} iterations, G_k lr 1e-4")
    print(f"{'variant':<44} {'image':<11} {'blurry':>7} {'PSNR':>7} {'k sim.':>7} {'s / it.':>8}")
    for name, (source, overrides) in VARIANTS.items():
        case = quick_case(source)
        _, reference_sse = known_kernel_reference(case.blurry, case.sharp, case.kernel)
        blurry_psnr = score(case.blurry, case.sharp, reference_sse).psnr
        blurry_scores[source] = round(blurry_psnr, 3)
        settings = {"iterations": QUICK.iterations, "channels": QUICK.channels, **overrides}
        config = SelfDeblurConfig(
            kernel_size=(case.estimation_size,) * 2,
            snapshot_count=QUICK.snapshot_count,
            eval_every=QUICK.eval_every,
            **settings,
        )
        result = run_selfdeblur_on_case(
            case,
            config,
            cache_dir=ROOT / "data" / "cache" / "selfdeblur",
            description=name,
        )
        psnr = score(result.latent, case.sharp, reference_sse).psnr
        similarity = kernel_similarity(case.kernel, result.kernel)
        per_iteration = result.seconds / config.iterations
        figures[name] = {
            "image": source,
            "iterations": config.iterations,
            "channels": config.channels,
            "psnr_db": round(psnr, 3),
            "kernel_similarity": round(similarity, 4),
            "s_per_iteration": round(per_iteration, 4),
        }
        print(f"{name:<44} {source:<11} {blurry_psnr:>7.2f} {psnr:>7.2f} {similarity:>7.3f} {per_iteration:>8.3f}")
    print(
        json.dumps(
            {"case": "im{}_kernel{}".format(*QUICK.cases[0]), "blurry_psnr_db": blurry_scores, "variants": figures}
        )
    )


if __name__ == "__main__":
    main()
