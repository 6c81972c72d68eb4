"""Window selectors: rank the windows of a blurry image by how well they suit blind kernel estimation.

*Select Good Regions for Deblurring* (Yang, Wu & Sun) compares its CNN selector with
three baselines, all implemented here, plus references:

* :class:`CNNSelector`: the paper's classifier (:mod:`deblur_core.models.region_classifier`).
* :class:`FergusSelector` (Fergus et al. 2006): high intensity variance, few saturated pixels.
* :class:`XuJiaSelector` (Xu & Jia 2010): many *useful* edges according to the r-map.
* :class:`GaborSelector` (Hu & Yang 2015): logistic regression on Gabor filter-bank features,
  trained on the same window labels as the CNN.
* :class:`GradientSelector`: the simplest cue, not in the paper: the window's mean gradient magnitude, a
  one-line baseline that any learned selector should beat before it is worth its training.
* :class:`RandomSelector`: random scores, drawn afresh for every image (one draw of chance;
  :mod:`deblur_core.regions.evaluation` also reports the *expected* chance level, the mean over windows).
* :class:`BestSimilaritySelector`: the true kernel similarity of each window's estimate. It knows the
  truth, yet it is not an upper bound on deblurring quality: similarity and error ratio can disagree
  (:mod:`deblur_core.regions.evaluation` computes the true upper bound, the lowest error ratio).

A selector has a ``name`` and a ``score(blurry, windows)`` method that returns one float per
window, higher meaning better; :func:`select_window` runs one over a window grid and
:func:`make_selector` builds one from its command-line name.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> image = np.full((97, 101), 0.5)
>>> image[50:95, 60:101] = rng.random((45, 41))   # texture in the lower right corner
>>> best, score, windows, scores = select_window(image, FergusSelector(), size=33, stride=16)
>>> best, len(windows), bool(rank_windows(scores)[0] == windows.index(best))
(Window(x=68, y=64, size=33), 30, True)
"""

from __future__ import annotations

import inspect
import warnings
import zlib
from functools import cache
from typing import Protocol

import numpy as np
from scipy import fft, ndimage, optimize, special
from skimage.filters import gabor_kernel

from ..data.io import checked_grey
from .windows import Window, window_grid

#: Frequencies (cycles per pixel) and orientations of the Gabor bank: 3 x 4 = 12 filters.
GABOR_FREQUENCIES = (0.1, 0.2, 0.4)
GABOR_ORIENTATIONS = 4
#: The constant Xu & Jia add to the denominator of the r-map.
XUJIA_OFFSET = 0.5
# windows filtered per FFT batch in gabor_features: keeps the response maps to about 30 MB
_FFT_BATCH = 32


class Selector(Protocol):
    """What :func:`select_window` needs: a name and one score per window (higher = better)."""

    name: str

    def score(self, blurry: np.ndarray, windows: list[Window]) -> np.ndarray: ...


def _window_arrays(windows: list[Window], shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns, rows and sides of ``windows`` as integer arrays, after checking that they fit."""
    if len(windows) == 0:
        raise ValueError("no windows given; build them with window_grid(image.shape, size, stride)")
    x, y, size = (np.array(column, dtype=np.int64) for column in zip(*windows))
    if np.any(size < 1) or np.any(x < 0) or np.any(y < 0) or np.any(y + size > shape[0]) or np.any(x + size > shape[1]):
        raise ValueError(
            f"some windows do not fit in an image of shape {shape}; "
            "build them with window_grid(image.shape, size, stride)"
        )
    return x, y, size


def _window_sums(field: np.ndarray, x: np.ndarray, y: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Sum of ``field`` (..., H, W) over each window, from one integral image: shape (..., N)."""
    integral = np.zeros(field.shape[:-2] + (field.shape[-2] + 1, field.shape[-1] + 1))
    integral[..., 1:, 1:] = field.cumsum(axis=-2).cumsum(axis=-1)
    return (
        integral[..., y + size, x + size]
        - integral[..., y, x + size]
        - integral[..., y + size, x]
        + integral[..., y, x]
    )


def _forward_gradients(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forward differences along columns and rows of (..., H, W); zero on the last column / row."""
    gx = np.zeros_like(image)
    gy = np.zeros_like(image)
    gx[..., :, :-1] = np.diff(image, axis=-1)
    gy[..., :-1, :] = np.diff(image, axis=-2)
    return gx, gy


def rank_windows(scores) -> np.ndarray:
    """Indices of the windows from best (highest score) to worst; equal scores keep grid order.

    Examples
    --------
    >>> rank_windows([0.2, 0.9, 0.2, 0.9])
    array([1, 3, 0, 2])
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1:
        raise ValueError(f"scores must be a 1-D array (one per window), got shape {scores.shape}")
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores contain NaN or infinite values; check the selector")
    return np.argsort(-scores, kind="stable")


def select_window(blurry, selector: Selector, size: int, stride: int) -> tuple[Window, float, list[Window], np.ndarray]:
    """Score every window of a grid and return the best one.

    A constant image has no edges and no variance: no window can be better than another.
    There :class:`FergusSelector` and :class:`XuJiaSelector` score every window 0 (never
    NaN), and whatever the selector, a warning is issued and the first window of the grid
    is returned. The same warning comes when a selector scores all windows equally.

    Parameters
    ----------
    blurry : (H, W) grey blurry image in [0, 1].
    selector : an object with ``name`` and ``score(blurry, windows)``.
    size, stride : side of the square windows and step of the grid, in pixels.

    Returns
    -------
    best : the highest-scoring window (the first in grid order on a tie).
    best_score : its score.
    windows : all windows of the grid, row by row.
    scores : one score per window.
    """
    image = checked_grey(blurry, task="window selection")
    windows = window_grid(image.shape, size, stride)
    scores = np.asarray(selector.score(image, windows), dtype=np.float64)
    if scores.shape != (len(windows),):
        raise ValueError(
            f"selector {selector.name!r} returned {scores.shape} scores for "
            f"{len(windows)} windows; it must return one score per window"
        )
    order = rank_windows(scores)
    # rounding noise would otherwise decide between the windows of a constant image
    constant = image.min() == image.max()
    if len(windows) > 1 and (constant or np.all(scores == scores[0])):
        warnings.warn(
            f"all {len(windows)} windows are equally good for selector {selector.name!r} "
            "(a constant image has no edges); choosing the first window",
            stacklevel=2,
        )
    best = 0 if constant else int(order[0])
    return windows[best], float(scores[best]), windows, scores


class FergusSelector:
    """Fergus et al. (2006): a window with large intensity variance and few saturated pixels.

    ``score = var(W) * (1 - s(W))``, where ``var(W)`` is the (population) variance of the
    intensities in the window and ``s(W)`` the fraction of its pixels at or above
    ``saturation`` (clipped highlights carry no blur information). On a constant image
    every window scores exactly 0.

    Parameters
    ----------
    saturation : float
        Intensity from which a pixel counts as saturated.
    """

    name = "fergus"

    def __init__(self, saturation: float = 0.98):
        if not 0 < saturation <= 1:
            raise ValueError(f"saturation must lie in (0, 1], got {saturation}")
        self.saturation = float(saturation)

    def score(self, blurry, windows: list[Window]) -> np.ndarray:
        image = checked_grey(blurry, task="window selection")
        x, y, size = _window_arrays(windows, image.shape)
        area = (size * size).astype(np.float64)
        # centring keeps E[I^2] - E[I]^2 from cancelling badly; the median is a pixel value,
        # so a constant image becomes exactly 0 and every window ties at 0
        centred = image - np.median(image)
        mean = _window_sums(centred, x, y, size) / area
        variance = np.clip(_window_sums(centred**2, x, y, size) / area - mean**2, 0.0, None)
        saturated = _window_sums((image >= self.saturation).astype(np.float64), x, y, size) / area
        return variance * (1.0 - saturated)


def _check_neighbourhood(neighbourhood: int) -> int:
    if int(neighbourhood) != neighbourhood or neighbourhood < 3 or neighbourhood % 2 == 0:
        raise ValueError(f"neighbourhood must be an odd integer >= 3 (a box centred on the pixel), got {neighbourhood}")
    return int(neighbourhood)


def xujia_r_map(blurry, neighbourhood: int = 5) -> np.ndarray:
    """The r-map of Xu & Jia (2010): how consistently the gradients around each pixel point one way.

    ``r(p) = || sum_N grad B || / (sum_N ||grad B|| + 0.5)``, with ``N`` the
    ``neighbourhood x neighbourhood`` box centred on ``p`` (cut at the image border) and
    ``grad B`` forward differences. A straight step edge gives a value near 1; fine
    texture, stripes and noise, whose gradients cancel, give a value near 0.

    Examples
    --------
    >>> step = np.zeros((9, 9)); step[:, 5:] = 1.0
    >>> r = xujia_r_map(step)
    >>> round(float(r[4, 4]), 3), float(r[4, 0])
    (0.909, 0.0)
    """
    image = checked_grey(blurry, task="window selection")
    neighbourhood = _check_neighbourhood(neighbourhood)
    gx, gy = _forward_gradients(image)
    area = float(neighbourhood) ** 2

    # zero padding: pixels beyond the border add nothing (reflecting would not negate the gradients)
    def box_sum(field):
        return ndimage.uniform_filter(field, size=neighbourhood, mode="constant") * area

    coherent = np.hypot(box_sum(gx), box_sum(gy))
    total = box_sum(np.hypot(gx, gy))
    return coherent / (total + XUJIA_OFFSET)


class XuJiaSelector:
    """Xu & Jia (2010): the window with the most useful edges.

    ``score = (1 / |W|) * sum_{p in W} ||grad B(p)|| * [r(p) > threshold]``: the mean
    gradient magnitude of the window, counting only pixels where the r-map
    (:func:`xujia_r_map`) says the edge is large enough to help kernel estimation.
    The r-map is computed once for the whole image and summed per window with an
    integral image. A flat window scores 0.

    Parameters
    ----------
    neighbourhood : int
        Odd side of the box over which the r-map sums gradients.
    threshold : float
        Smallest useful r. A sharp straight step of contrast ``c`` has
        ``r = 5c / (5c + 0.5)`` in a 5 x 5 box, so 0.3 keeps steps of contrast above about 0.04.
    """

    name = "xujia"

    def __init__(self, neighbourhood: int = 5, threshold: float = 0.3):
        if not 0 <= threshold < 1:
            raise ValueError(f"threshold must lie in [0, 1) (r lies there), got {threshold}")
        self.neighbourhood = _check_neighbourhood(neighbourhood)
        self.threshold = float(threshold)

    def score(self, blurry, windows: list[Window]) -> np.ndarray:
        image = checked_grey(blurry, task="window selection")
        x, y, size = _window_arrays(windows, image.shape)
        useful = xujia_r_map(image, self.neighbourhood) > self.threshold
        gx, gy = _forward_gradients(image)
        return _window_sums(np.hypot(gx, gy) * useful, x, y, size) / (size * size)


class GradientSelector:
    """The simplest selector: the window with the largest mean gradient magnitude (not in the paper).

    ``score = (1 / |W|) * sum_{p in W} ||grad B(p)||``, with forward differences, summed per
    window with an integral image: :class:`XuJiaSelector` without its r-map. It needs no
    training, so it is the row a learned selector must beat before its training is worth it.
    A flat window scores 0.

    Examples
    --------
    >>> image = np.zeros((40, 60)); image[:, 45:] = 1.0       # one vertical edge, in the right-hand part
    >>> GradientSelector().score(image, [Window(0, 0, 20), Window(30, 0, 20)]).round(3).tolist()
    [0.0, 0.05]
    """

    name = "gradient"

    def score(self, blurry, windows: list[Window]) -> np.ndarray:
        image = checked_grey(blurry, task="window selection")
        x, y, size = _window_arrays(windows, image.shape)
        gx, gy = _forward_gradients(image)
        return _window_sums(np.hypot(gx, gy), x, y, size) / (size * size)


@cache
def _gabor_bank() -> tuple[np.ndarray, int]:
    """The complex Gabor kernels, zero-padded to one odd side, stacked (K, 2R+1, 2R+1), and R."""
    kernels = [
        gabor_kernel(frequency, theta=np.pi * k / GABOR_ORIENTATIONS)
        for frequency in GABOR_FREQUENCIES
        for k in range(GABOR_ORIENTATIONS)
    ]
    radius = max(k.shape[0] for k in kernels) // 2
    bank = np.zeros((len(kernels), 2 * radius + 1, 2 * radius + 1), dtype=np.complex64)
    for i, kernel in enumerate(kernels):
        r0, c0 = radius - kernel.shape[0] // 2, radius - kernel.shape[1] // 2
        bank[i, r0 : r0 + kernel.shape[0], c0 : c0 + kernel.shape[1]] = kernel
    return bank, radius


def _response_maps(images: np.ndarray) -> np.ndarray:
    """Gabor response magnitudes and gradient magnitude of (B, H, W) images: (B, K + 1, H, W).

    Filtering is a product of FFTs of the images, padded by reflection with the bank's
    radius so that the circular convolution never wraps into the kept region.
    """
    bank, radius = _gabor_bank()
    height, width = images.shape[-2:]
    padded = np.pad(images.astype(np.float32), ((0, 0), (radius, radius), (radius, radius)), mode="reflect")
    shape = (fft.next_fast_len(height + 2 * radius), fft.next_fast_len(width + 2 * radius))
    spectrum = fft.fft2(padded, s=shape)
    maps = np.empty((len(images), len(bank) + 1, height, width), dtype=np.float32)
    for i, kernel_spectrum in enumerate(fft.fft2(bank, s=shape)):
        response = fft.ifft2(spectrum * kernel_spectrum)
        # the 'same'-size output of the padded image starts 2R in: R of padding, R for the kernel centre
        maps[:, i] = np.abs(response[:, 2 * radius : 2 * radius + height, 2 * radius : 2 * radius + width])
    gx, gy = _forward_gradients(images.astype(np.float32))
    maps[:, -1] = np.hypot(gx, gy)
    return maps


def _moments_to_features(sums: np.ndarray, squares: np.ndarray, area) -> np.ndarray:
    """(M, N) sums and sums of squares of M maps over N regions -> (N, 2M): means, then stds."""
    mean = sums / area
    std = np.sqrt(np.clip(squares / area - mean**2, 0.0, None))
    return np.concatenate([mean, std], axis=0).T


def gabor_feature_maps(blurry) -> np.ndarray:
    """Per-pixel maps behind the Gabor features of a whole image: (13, H, W).

    The magnitudes of the 12 complex Gabor responses (frequencies
    :data:`GABOR_FREQUENCIES` x :data:`GABOR_ORIENTATIONS` orientations, in that
    nesting) followed by the gradient magnitude. Pool them over windows with
    :func:`window_features`.
    """
    image = checked_grey(blurry, task="window selection")
    return _response_maps(image[None])[0].astype(np.float64)


def window_features(maps: np.ndarray, windows: list[Window]) -> np.ndarray:
    """Gabor features of windows from the image-level maps of :func:`gabor_feature_maps`: (N, 26).

    Columns are the window means of the 13 maps, then their standard deviations,
    computed from integral images (cost independent of the window size).
    """
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 3:
        raise ValueError(f"maps must have shape (maps, H, W), got {maps.shape}; use gabor_feature_maps(image)")
    x, y, size = _window_arrays(windows, maps.shape[1:])
    return _moments_to_features(
        _window_sums(maps, x, y, size), _window_sums(maps**2, x, y, size), (size * size).astype(np.float64)
    )


def gabor_features(window_stack) -> np.ndarray:
    """Gabor features of a stack of windows (N, S, S), each filtered on its own: (N, 26).

    Same columns as :func:`window_features`, but every window is padded by reflection
    instead of seeing the image around it. To score windows of one image prefer
    :func:`gabor_feature_maps` + :func:`window_features`, which filter the image once.

    Examples
    --------
    >>> stack = np.random.default_rng(0).random((3, 33, 33))
    >>> gabor_features(stack).shape
    (3, 26)
    """
    stack = np.asarray(window_stack, dtype=np.float64)
    if stack.ndim != 3:
        raise ValueError(f"expected a stack of windows (N, S, S), got shape {stack.shape}")
    if not np.all(np.isfinite(stack)):
        raise ValueError("window stack contains NaN or infinite values; replace them first")
    features = []
    for start in range(0, len(stack), _FFT_BATCH):
        maps = _response_maps(stack[start : start + _FFT_BATCH])
        sums = maps.sum(axis=(-2, -1), dtype=np.float64)
        squares = np.square(maps, dtype=np.float64).sum(axis=(-2, -1))
        features.append(_moments_to_features(sums.T, squares.T, float(stack.shape[1] * stack.shape[2])))
    return np.concatenate(features, axis=0)


class GaborSelector:
    """Hu & Yang (2015), simplified: logistic regression on standardised Gabor features.

    ``score = sigmoid(w . (f(W) - mu) / sigma + b)``, the predicted probability that the
    window is good, where ``f(W)`` are the 26 features of :func:`window_features` and
    ``mu``, ``sigma`` their mean and standard deviation over the training windows.
    (Hu & Yang add a CRF over neighbouring windows; the paper compares against the
    window classifier.) Fit with :meth:`fit` or restore with :meth:`from_state_dict`.

    Examples
    --------
    >>> GaborSelector().score(np.zeros((40, 40)), [Window(0, 0, 33)])
    Traceback (most recent call last):
    ...
    ValueError: GaborSelector is not fitted; call fit(...) or build it with GaborSelector.from_state_dict(...)
    """

    name = "gabor"

    def __init__(self):
        self.mean = self.scale = self.weights = None
        self.bias = 0.0

    @property
    def fitted(self) -> bool:
        return self.weights is not None

    def fit(
        self,
        blurry_images: list[np.ndarray],
        windows_per_image: list[list[Window]],
        labels_per_image: list[np.ndarray],
        l2: float = 1e-3,
    ) -> GaborSelector:
        """Train on labelled windows of blurry images (label 1 = good window, 0 = bad).

        Minimises the mean binary cross-entropy plus ``l2 / 2 * ||w||^2`` (the bias is
        not penalised) by L-BFGS from zero weights, so the result is deterministic.
        Labels may be soft, in [0, 1].
        """
        if not len(blurry_images) == len(windows_per_image) == len(labels_per_image) > 0:
            raise ValueError(
                f"got {len(blurry_images)} images, {len(windows_per_image)} window lists and "
                f"{len(labels_per_image)} label arrays; pass one of each per image"
            )
        if not l2 >= 0:
            raise ValueError(f"l2 must be non-negative, got {l2}")
        features, targets = [], []
        for image, windows, labels in zip(blurry_images, windows_per_image, labels_per_image):
            labels = np.asarray(labels, dtype=np.float64)
            if labels.shape != (len(windows),):
                raise ValueError(
                    f"got labels of shape {labels.shape} for {len(windows)} windows; pass one label per window"
                )
            if not np.all((labels >= 0) & (labels <= 1)):
                raise ValueError("labels must lie in [0, 1] (1 = good window)")
            features.append(window_features(gabor_feature_maps(image), windows))
            targets.append(labels)
        features, targets = np.concatenate(features), np.concatenate(targets)
        if not (np.any(targets >= 0.5) and np.any(targets < 0.5)):
            raise ValueError("labels contain only one class; training needs both good and bad windows")

        mean = features.mean(axis=0)
        scale = features.std(axis=0)
        scale[scale == 0] = 1.0  # a constant feature carries nothing; leave it at zero
        standardised = (features - mean) / scale

        def loss_and_gradient(theta):
            weights, bias = theta[:-1], theta[-1]
            logits = standardised @ weights + bias
            loss = np.mean(np.logaddexp(0.0, logits) - targets * logits) + 0.5 * l2 * weights @ weights
            residual = (special.expit(logits) - targets) / len(targets)
            return loss, np.append(standardised.T @ residual + l2 * weights, residual.sum())

        result = optimize.minimize(
            loss_and_gradient, np.zeros(features.shape[1] + 1), jac=True, method="L-BFGS-B", options={"maxiter": 1000}
        )
        self.mean, self.scale = mean, scale
        self.weights, self.bias = result.x[:-1], float(result.x[-1])
        return self

    def score(self, blurry, windows: list[Window]) -> np.ndarray:
        if not self.fitted:
            raise ValueError(
                "GaborSelector is not fitted; call fit(...) or build it with GaborSelector.from_state_dict(...)"
            )
        features = window_features(gabor_feature_maps(blurry), windows)
        return special.expit(((features - self.mean) / self.scale) @ self.weights + self.bias)

    def state_dict(self) -> dict[str, np.ndarray]:
        """The fitted parameters as plain arrays: ``mean``, ``scale``, ``weights``, ``bias``."""
        if not self.fitted:
            raise ValueError("GaborSelector is not fitted; there is no state to save")
        return {
            "mean": self.mean.copy(),
            "scale": self.scale.copy(),
            "weights": self.weights.copy(),
            "bias": np.array(self.bias),
        }

    @classmethod
    def from_state_dict(cls, state: dict) -> GaborSelector:
        """A fitted selector from the arrays of :meth:`state_dict`."""
        missing = {"mean", "scale", "weights", "bias"} - set(state)
        if missing:
            raise ValueError(f"state is missing {sorted(missing)}; pass the dict from GaborSelector.state_dict()")
        selector = cls()
        arrays = [np.asarray(state[key], dtype=np.float64) for key in ("mean", "scale", "weights")]
        n_features = 2 * (len(GABOR_FREQUENCIES) * GABOR_ORIENTATIONS + 1)
        if any(a.shape != (n_features,) for a in arrays) or np.size(state["bias"]) != 1:
            raise ValueError(f"state does not match the {n_features} Gabor features of this version; refit")
        selector.mean, selector.scale, selector.weights = arrays
        selector.bias = float(np.asarray(state["bias"]))
        return selector


class RandomSelector:
    """One draw of chance: uniform random scores, drawn independently for every image.

    The generator is seeded by ``seed`` and a checksum of the image's pixels, so a
    run is reproducible while two different images (even of the same size) get
    independent draws.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> first, second = rng.random((2, 40, 40))
    >>> windows = window_grid(first.shape, 20, 10)
    >>> chance = RandomSelector(seed=0)
    >>> bool(np.array_equal(chance.score(first, windows), chance.score(first, windows)))
    True
    >>> bool(np.array_equal(chance.score(first, windows), chance.score(second, windows)))
    False
    """

    name = "random"

    def __init__(self, seed: int = 0):
        if int(seed) != seed or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        self.seed = int(seed)

    def score(self, blurry, windows: list[Window]) -> np.ndarray:
        image = checked_grey(blurry, task="window selection")
        _window_arrays(windows, image.shape)
        content = zlib.crc32(np.ascontiguousarray(image, dtype=np.float64).tobytes())
        return np.random.default_rng([self.seed, content, len(windows)]).random(len(windows))


class BestSimilaritySelector:
    """The window whose estimate is most similar to the true kernel (it needs the truth).

    This is what the paper's labels reward, but not an upper bound on the deblurred
    result: a kernel can be similar in shape yet shifted or slightly too wide, and the
    deconvolution's error ratio then prefers another window.

    Parameters
    ----------
    similarities : one kernel similarity per window of the grid, in grid order.

    Examples
    --------
    >>> image = np.random.default_rng(0).random((33, 41))
    >>> select_window(image, BestSimilaritySelector([0.4, 0.9, 0.7]), size=33, stride=4)[:2]
    (Window(x=4, y=0, size=33), 0.9)
    """

    name = "best-similarity"

    def __init__(self, similarities):
        similarities = np.asarray(similarities, dtype=np.float64)
        if similarities.ndim != 1 or not np.all(np.isfinite(similarities)):
            raise ValueError("similarities must be a finite 1-D array, one per window")
        self.similarities = similarities

    def score(self, blurry, windows: list[Window]) -> np.ndarray:
        image = checked_grey(blurry, task="window selection")
        _window_arrays(windows, image.shape)
        if len(windows) != len(self.similarities):
            raise ValueError(
                f"got {len(self.similarities)} similarities for {len(windows)} windows; "
                "pass one kernel similarity per window of the same grid"
            )
        return self.similarities.copy()


class CNNSelector:
    """The paper's selector: the trained classifier's probability that a window gives a good kernel.

    Parameters
    ----------
    model : a trained :class:`~deblur_core.models.region_classifier.RegionClassifier`
        (windows are downscaled to its input size when they are larger).
    """

    name = "cnn"

    def __init__(self, model):
        self.model = model

    def score(self, blurry, windows: list[Window]) -> np.ndarray:
        from .training import predict_scores  # torch is imported only when a CNN is used
        from .windows import extract_windows

        image = checked_grey(blurry, task="window selection")
        _window_arrays(windows, image.shape)
        return predict_scores(self.model, extract_windows(image, windows))


def paper_selectors(model, gabor: GaborSelector, seed: int = 0) -> dict[str, Selector]:
    """The selectors of the paper's comparison (Fig. 8) by display name, plus one random draw per image.

    ``model`` is the trained classifier, ``gabor`` a fitted :class:`GaborSelector` and ``seed``
    the random selector's.
    """
    return {
        "CNN": CNNSelector(model),
        "Fergus et al.": FergusSelector(),
        "Xu & Jia": XuJiaSelector(),
        "Hu & Yang-style (Gabor)": gabor,
        "random": RandomSelector(seed),
    }


#: display names of the two selectors the companion adds to the paper's comparison
MEAN_GRADIENT = "mean gradient"
PER_IMAGE_CNN = "CNN (per-image labels)"


def compared_selectors(model, gabor: GaborSelector, seed: int = 0, per_image_model=None) -> dict[str, Selector]:
    """:func:`paper_selectors` plus the simplest cue (:class:`GradientSelector`, as :data:`MEAN_GRADIENT`) and,
    when ``per_image_model`` is given, the same network trained on per-image labels (:data:`PER_IMAGE_CNN`;
    :meth:`~deblur_core.regions.labels.LabelledExample.per_image_labels`)."""
    selectors = {**paper_selectors(model, gabor, seed), MEAN_GRADIENT: GradientSelector()}
    if per_image_model is not None:
        selectors[PER_IMAGE_CNN] = CNNSelector(per_image_model)
    return selectors


#: Selector classes by command-line name.
SELECTORS = {
    cls.name: cls
    for cls in (
        CNNSelector,
        FergusSelector,
        XuJiaSelector,
        GaborSelector,
        GradientSelector,
        RandomSelector,
        BestSimilaritySelector,
    )
}


def make_selector(name: str, **options) -> Selector:
    """Build a selector from its command-line name and constructor options.

    Examples
    --------
    >>> make_selector("fergus", saturation=0.95).saturation
    0.95
    >>> make_selector("sharpest")
    Traceback (most recent call last):
    ...
    ValueError: unknown selector 'sharpest'; choose one of cnn, fergus, xujia, gabor, gradient, random, best-similarity
    """
    if name not in SELECTORS:
        raise ValueError(f"unknown selector {name!r}; choose one of {', '.join(SELECTORS)}")
    cls = SELECTORS[name]
    accepted = list(inspect.signature(cls).parameters)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(
            f"selector {name!r} takes no option {', '.join(unknown)}; it accepts {', '.join(accepted) or 'no options'}"
        )
    return cls(**options)
