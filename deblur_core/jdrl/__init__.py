"""JDRL: joint deblurring and reblurring learning with misaligned pairs (Li, Ren, Shu & Zuo; notebook 02).

Modules: :mod:`.reblurring` (isotropic per-pixel kernels from seeds and the reblurring
module, with a fast ring-sum implementation and the per-tap reference).
"""
