"""deblur-companion: runnable companion to three image-deblurring papers.

Subpackages and modules (each docstring names the paper section it implements; ``tests/test_layout.py`` checks that
this list and the README's layout name every one):

Physics, models and algorithms

- ``physics``: the forward blur model and its single convolution convention (``physics.blur``), defocus in linear
  light with scene depth (``physics.defocus``), misalignment of a sharp frame (``physics.misalignment``)
- ``kernels``: kernel utilities, random camera shake, kernel similarity
- ``kernel_estimation``: the batched L0 + dark-channel blind kernel estimator (the classical baseline)
- ``deconv``: non-blind hyper-Laplacian deconvolution
- ``models``: networks (DIP skip network, kernel generators, non-local blocks, region classifier, UNet, checkpoints)
- ``losses``: TV and SSIM losses
- ``metrics``: PSNR, SSIM, MAE, Levin's shift-tolerant comparison, error ratio

The three papers

- ``regions``: CNN good-region selection for kernel estimation (windows, labels, selectors, training, evaluation,
  report)
- ``jdrl``: JDRL defocus deblurring with misaligned pairs (data, flow, reblurring, losses, training, experiment,
  report)
- ``selfdeblur``: SelfDeblur, joint and alternating optimisation (optimisation, experiment, report)
- ``evaluation``: scoring a blind result against the truth (known-kernel reference, error ratio)

Data, statistics and reporting

- ``data``: image I/O, the bundled corpus, dead-leaves images, the Levin benchmark (synthetic and real) and its
  fetcher, real defocus pairs (``data.paired``)
- ``stats``: paired bootstrap confidence intervals and verdicts; ``tables``: rounding and formatting of tables
- ``plotting``: the figures shared by the notebooks
- ``weights``: the shipped trained weights and their manifest

Running

- ``profiles``: the smoke / quick / long / paper settings
- ``reproduce``: running every notebook with papermill; ``cli``: ``python -m deblur_core``
- ``tasks``: independent runs here or on a Dask cluster; ``ddp``: data-parallel training with torchrun
- ``cache``: the one cache (keys over version, settings and arrays; memoised arrays; tensors-only checkpoints);
  ``training_loop``: the resumable epoch loop both trainers run; ``schedules``: learning-rate schedules
- ``device``, ``allocator``, ``storage``, ``progress``: device and precision, the C allocator kept for reuse, atomic
  saving, progress bars
"""

__version__ = "0.1.0"
