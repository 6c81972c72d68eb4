"""Test settings for every test path (tests, doctests, notebooks run directly too): smoke profile, quiet progress."""

import os

os.environ.setdefault("DEBLUR_PROFILE", "smoke")
os.environ.setdefault("DEBLUR_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
