"""SelfDeblur (Ren, Zhang, Wang, Hu and Zuo, *Neural Blind Deconvolution Using Deep Priors*, CVPR 2020).

The same rooms as the other papers' subpackages (:mod:`deblur_core.regions`, :mod:`deblur_core.jdrl`):

* :mod:`.optimisation`: the model (Eq. 6) and Algorithms 1-2, one blurry image at a time, cached and resumable;
* :mod:`.experiment`: Tables 1-3 as a sweep, every variant on every case and seed, scored, with paired claims;
* :mod:`.report`: the paper's numbers beside ours, and the claims in words.

The optimisation's names are importable from here too.
"""

from .optimisation import (
    ALGORITHM_VERSION,
    LOSSES,
    MODES,
    RECIPES,
    SCHEDULES,
    SelfDeblurConfig,
    SelfDeblurOptimiser,
    SelfDeblurResult,
    estimate_noise_level,
    run_key,
    run_selfdeblur,
    run_selfdeblur_on_case,
    selfdeblur_is_cached,
    tv_weight_for_noise,
)

__all__ = [
    "ALGORITHM_VERSION",
    "LOSSES",
    "MODES",
    "RECIPES",
    "SCHEDULES",
    "SelfDeblurConfig",
    "SelfDeblurOptimiser",
    "SelfDeblurResult",
    "estimate_noise_level",
    "run_key",
    "run_selfdeblur",
    "run_selfdeblur_on_case",
    "selfdeblur_is_cached",
    "tv_weight_for_noise",
]
