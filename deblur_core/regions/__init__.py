"""Good-region selection for blind kernel estimation (Yang, Wu & Sun; notebook 01).

Modules: :mod:`.windows` (the window grid), :mod:`.dataset` (blurry training images),
:mod:`.labels` (windows labelled by the quality of their kernel estimate),
:mod:`.selectors` (ways to rank windows), :mod:`.training` (the CNN classifier's
training loop), :mod:`.evaluation` (error-ratio comparison of selectors) and
:mod:`.crossval` (the same comparison with every scene held out once).
"""
