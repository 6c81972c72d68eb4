"""JDRL: joint deblurring and reblurring learning with misaligned pairs (Li, Ren, Shu & Zuo; notebook 02).

Modules: :mod:`.data` (synthetic misaligned defocus pairs and loaders for SDD- and
DPDD-style folders), :mod:`.flow` (DIS optical flow, backward warping, calibration
masks), :mod:`.losses` (Charbonnier deblurring and reblurring losses, Eq. 1, 5, 10)
and :mod:`.reblurring` (isotropic per-pixel kernels from seeds and the reblurring
module, with a fast ring-sum implementation and the per-tap reference).
"""
