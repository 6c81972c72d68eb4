"""Sharp images that ship inside scikit-image: the companion's download-free corpus.

Only files bundled in the scikit-image wheel are used (nothing fetched at run time).
By category, as the region-selection paper's training set (Sec. 4.1) mixes them:

=========  ====================================================================
natural    ``chelsea`` (cat fur), ``grass``, ``gravel``, ``moon``, ``hubble_deep_field``
man-made   ``camera`` (cameraman), ``brick``, ``coffee``, ``rocket``, ``coins``,
           ``motorcycle`` (left view of the stereo pair)
text       ``text``, ``page``
face       ``astronaut`` (head and shoulders crop)
=========  ====================================================================

``clock`` is left out because it is motion-blurred already, ``horse`` and
``checkerboard`` because they are synthetic binary pictures. Dead-leaves scenes
(``"dead-leaves-N"``, :mod:`deblur_core.data.dead_leaves`) have the category
``"synthetic"``; they are made at the size asked for, so only training data uses them.

Examples
--------
>>> names = [item.name for item in sharp_corpus(category="text")]
>>> names
['text', 'page']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dead_leaves import is_scene_name
from .io import to_grey, to_unit_range

CATEGORIES = ("natural", "man-made", "text", "face")
SYNTHETIC = "synthetic"  # the category of dead-leaves scenes, which are in no photograph category

_CATALOGUE = {
    "chelsea": "natural",
    "grass": "natural",
    "gravel": "natural",
    "moon": "natural",
    "hubble_deep_field": "natural",
    "camera": "man-made",
    "brick": "man-made",
    "coffee": "man-made",
    "rocket": "man-made",
    "coins": "man-made",
    "motorcycle": "man-made",
    "text": "text",
    "page": "text",
    "astronaut": "face",
}


@dataclass(frozen=True)
class CorpusImage:
    name: str
    category: str
    image: np.ndarray  # grey, float64 in [0, 1]


def image_category(name: str) -> str:
    """Category of a corpus image (``'natural'``, ``'man-made'``, ``'text'`` or ``'face'``), or ``'synthetic'``
    for a dead-leaves scene."""
    if is_scene_name(name):
        return SYNTHETIC
    if name not in _CATALOGUE:
        raise ValueError(
            f"{name!r} is not in the corpus; choose from {', '.join(_CATALOGUE)}, or dead-leaves-N (a synthetic scene)"
        )
    return _CATALOGUE[name]


def load_bundled(name: str) -> np.ndarray:
    """One bundled scikit-image picture as a grey float image in [0, 1]."""
    from skimage import data

    if image_category(name) == SYNTHETIC:
        raise ValueError(f"{name!r} is synthetic and has no bundled file; make it with data.dead_leaves.dead_leaves")
    if name == "motorcycle":
        raw = data.stereo_motorcycle()[0]
    else:
        raw = getattr(data, name)()
    image = to_grey(to_unit_range(raw, source=name))
    if name == "astronaut":
        image = image[:300, 100:400]  # the face and shoulders, not the flag and helmet
    return image


def sharp_corpus(category: str | None = None) -> list[CorpusImage]:
    """All corpus images (or those of one category), grey, in a fixed order."""
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}")
    return [
        CorpusImage(name, cat, load_bundled(name))
        for name, cat in _CATALOGUE.items()
        if category is None or cat == category
    ]
