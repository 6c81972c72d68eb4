"""deblur-companion: runnable companion to three image-deblurring papers.

Subpackages and modules (each docstring names the paper section it implements):

- ``physics.blur``: the forward model and its single convolution convention
- ``kernels``: kernel utilities, random camera shake, kernel similarity
- ``metrics``: PSNR, SSIM, MAE, Levin's shift-tolerant comparison, error ratio
- ``deconv``: non-blind hyper-Laplacian deconvolution
- ``models``: generator networks (DIP skip network, kernel generators)
- ``losses``: TV and SSIM losses
- ``selfdeblur``: SelfDeblur optimisation (joint and alternating)
- ``data``: image I/O, the bundled corpus, the Levin benchmark (synthetic and real) and its fetcher (``data.fetch``)
- ``profiles``: the smoke / quick / paper settings
- ``device``, ``storage``, ``progress``: device and precision, atomic saving, progress bars
"""

__version__ = "0.1.0"
