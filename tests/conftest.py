"""Test settings: notebooks run under the smoke profile, progress bars stay quiet."""

import os

os.environ.setdefault("DEBLUR_PROFILE", "smoke")
os.environ.setdefault("DEBLUR_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
