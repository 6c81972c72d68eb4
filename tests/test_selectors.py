import numpy as np
import pytest
from scipy import ndimage

from deblur_core.regions.selectors import (
    SELECTORS,
    BestSimilaritySelector,
    FergusSelector,
    GaborSelector,
    GradientSelector,
    RandomSelector,
    XuJiaSelector,
    gabor_feature_maps,
    gabor_features,
    make_selector,
    rank_windows,
    select_window,
    window_features,
    xujia_r_map,
)
from deblur_core.regions.windows import Window, extract_windows, window_grid

SHAPE, SIZE, STRIDE = (97, 101), 33, 16


def edges_and_stripes():
    """Left: a blurred bright rectangle (isolated step edges). Right: fine stripes, far more gradient energy."""
    image = np.full(SHAPE, 0.4)
    image[20:70, 10:40] = 0.8
    image = ndimage.gaussian_filter(image, 1.5)
    columns = np.arange(60, SHAPE[1])
    image[:, 60:] = 0.5 + 0.15 * (-1.0) ** columns
    return image


def gradient_energy(window_pixels):
    """Sum of forward-difference gradient magnitudes (the differences the selectors use)."""
    return np.hypot(np.diff(window_pixels, axis=0)[:, :-1], np.diff(window_pixels, axis=1)[:-1, :]).sum()


def test_rank_windows_best_first_and_ties_in_grid_order():
    assert rank_windows([0.1, 0.5, 0.3]).tolist() == [1, 2, 0]
    assert rank_windows([0.2, 0.7, 0.2, 0.7, 0.2]).tolist() == [1, 3, 0, 2, 4]
    with pytest.raises(ValueError, match="NaN"):
        rank_windows([0.1, np.nan])


def test_fergus_prefers_texture_and_penalises_saturation():
    rng = np.random.default_rng(0)
    image = np.full(SHAPE, 0.5)
    textured, saturated, flat = Window(0, 0, SIZE), Window(68, 0, SIZE), Window(0, 64, SIZE)
    image[textured.slices()] = rng.uniform(0.1, 0.9, (SIZE, SIZE))
    patch = rng.uniform(0.1, 0.9, (SIZE, SIZE))
    patch[rng.random((SIZE, SIZE)) < 0.6] = 1.0  # clipped highlights
    image[saturated.slices()] = patch
    scores = FergusSelector().score(image, [textured, saturated, flat])
    assert scores[2] < 1e-12 < scores[0]
    # the saturated window has the larger variance but must lose because of its clipped pixels
    assert image[saturated.slices()].var() > image[textured.slices()].var()
    assert scores[1] < scores[0]


def test_fergus_selects_the_textured_corner():
    image = np.full(SHAPE, 0.5)
    image[60:, 65:] = np.random.default_rng(1).random((37, 36))
    best, score, windows, scores = select_window(image, FergusSelector(), SIZE, STRIDE)
    assert best == Window(68, 64, SIZE) and score == scores.max() and len(scores) == len(windows)


def test_xujia_prefers_step_edges_to_stripes_of_higher_gradient_energy():
    image = edges_and_stripes()
    edges, stripes = Window(8, 16, SIZE), Window(64, 32, SIZE)
    assert gradient_energy(image[stripes.slices()]) > 5 * gradient_energy(image[edges.slices()])
    r = xujia_r_map(image)
    assert r[45, 10] > 0.6 and r[stripes.slices()].max() < 0.3
    scores = XuJiaSelector().score(image, [edges, stripes])
    assert scores[0] > 0 and scores[1] == 0
    best = select_window(image, XuJiaSelector(), SIZE, STRIDE)[0]
    assert best.x + SIZE <= 60  # not a window touching the stripes


def test_xujia_score_matches_the_documented_formula():
    image = edges_and_stripes()
    window = Window(16, 32, SIZE)
    gx = np.zeros(SHAPE)
    gy = np.zeros(SHAPE)
    gx[:, :-1], gy[:-1, :] = np.diff(image, axis=1), np.diff(image, axis=0)
    padded = [np.pad(g, 2) for g in (gx, gy, np.hypot(gx, gy))]
    row, col = 45, 30
    box = [p[row : row + 5, col : col + 5].sum() for p in padded]
    assert xujia_r_map(image)[row, col] == pytest.approx(np.hypot(box[0], box[1]) / (box[2] + 0.5))
    useful = xujia_r_map(image) > 0.3
    expected = (np.hypot(gx, gy) * useful)[window.slices()].mean()
    assert XuJiaSelector().score(image, [window])[0] == pytest.approx(expected)


def test_gradient_selector_scores_the_mean_gradient_magnitude_of_each_window():
    image = edges_and_stripes()
    windows = window_grid(image.shape, SIZE, STRIDE)
    pixels = extract_windows(image, windows)
    # by hand: forward differences of the whole image (zero on its last row and column), averaged per window
    rows = np.zeros_like(image)
    columns = np.zeros_like(image)
    rows[:-1] = np.diff(image, axis=0)
    columns[:, :-1] = np.diff(image, axis=1)
    magnitude = np.hypot(rows, columns)
    expected = [magnitude[w.y : w.y + w.size, w.x : w.x + w.size].mean() for w in windows]
    scores = GradientSelector().score(image, windows)
    np.testing.assert_allclose(scores, expected, rtol=1e-10, atol=1e-12)
    # unlike Xu & Jia's, it takes the stripes' gradient energy for useful edges
    energy = np.array([gradient_energy(p) for p in pixels])
    assert energy[np.argmax(scores)] == energy.max()
    assert (
        windows[np.argmax(scores)].x >= 60 - SIZE // 2
        and windows[np.argmax(XuJiaSelector().score(image, windows))].x < 40
    )


def test_gabor_features_shape_and_finiteness():
    rng = np.random.default_rng(2)
    stack = rng.random((5, SIZE, SIZE))
    features = gabor_features(stack)
    assert features.shape == (5, 26) and np.all(np.isfinite(features))
    image = rng.random(SHAPE)
    windows = window_grid(SHAPE, SIZE, STRIDE)
    pooled = window_features(gabor_feature_maps(image), windows)
    assert pooled.shape == (len(windows), 26) and np.all(np.isfinite(pooled))
    # a window that is the whole image sees no context, so both paths agree
    whole = image[:SIZE, :SIZE]
    assert np.allclose(gabor_features(whole[None]), window_features(gabor_feature_maps(whole), [Window(0, 0, SIZE)]))
    with pytest.raises(ValueError, match=r"\(N, S, S\)"):
        gabor_features(image)


def edge_image(seed):
    """Faint noise with a few strong blurred rectangles.

    Returns the image, its windows and 'has strong edges' labels.
    """
    rng = np.random.default_rng(seed)
    image = 0.5 + 0.02 * rng.standard_normal(SHAPE)
    for _ in range(2):
        y, x = rng.integers(0, SHAPE[0] - 30), rng.integers(0, SHAPE[1] - 30)
        image[y : y + 25, x : x + 25] += rng.choice([-0.35, 0.35])
    image = np.clip(ndimage.gaussian_filter(image, 1.0), 0, 1)
    windows = window_grid(SHAPE, SIZE, STRIDE)
    energy = np.array([gradient_energy(w) for w in extract_windows(image, windows)])
    return image, windows, energy, (energy > np.median(energy)).astype(float)


def test_gabor_selector_learns_to_find_strong_edges():
    data = [edge_image(seed) for seed in range(4)]
    selector = GaborSelector().fit([d[0] for d in data], [d[1] for d in data], [d[3] for d in data])
    image, windows, energy, _ = edge_image(10)
    scores = selector.score(image, windows)
    assert np.all((scores >= 0) & (scores <= 1))
    assert scores[energy.argmax()] > scores[energy.argmin()]
    restored = GaborSelector.from_state_dict(selector.state_dict())
    assert np.array_equal(restored.score(image, windows), scores)


def test_gabor_selector_errors():
    image, windows, _, labels = edge_image(0)
    with pytest.raises(ValueError, match="not fitted"):
        GaborSelector().score(image, windows)
    with pytest.raises(ValueError, match="only one class"):
        GaborSelector().fit([image], [windows], [np.ones(len(windows))])
    with pytest.raises(ValueError, match="one label per window"):
        GaborSelector().fit([image], [windows], [labels[:-1]])
    with pytest.raises(ValueError, match="missing"):
        GaborSelector.from_state_dict({"mean": np.zeros(26)})


def test_random_selector_is_deterministic_per_seed():
    image = np.random.default_rng(3).random(SHAPE)
    windows = window_grid(SHAPE, SIZE, STRIDE)
    first = RandomSelector(seed=1).score(image, windows)
    assert np.array_equal(first, RandomSelector(seed=1).score(image, windows))
    assert not np.array_equal(first, RandomSelector(seed=2).score(image, windows))


def test_random_selector_draws_independently_for_images_of_the_same_size():
    windows = window_grid(SHAPE, SIZE, STRIDE)
    rng = np.random.default_rng(7)
    picks = {int(np.argmax(RandomSelector(seed=0).score(rng.random(SHAPE), windows))) for _ in range(20)}
    assert len(picks) > 1  # the old generator, seeded by the window count only, picked one window every time


def test_best_similarity_selector_picks_the_most_similar_estimate():
    image = np.random.default_rng(4).random(SHAPE)
    windows = window_grid(SHAPE, SIZE, STRIDE)
    similarities = np.random.default_rng(5).random(len(windows))
    best, score, _, _ = select_window(image, BestSimilaritySelector(similarities), SIZE, STRIDE)
    assert best == windows[similarities.argmax()] and score == similarities.max()
    with pytest.raises(ValueError, match="one kernel similarity per window"):
        select_window(image, BestSimilaritySelector(similarities[:-1]), SIZE, STRIDE)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_image_rejected(bad):
    image = np.full(SHAPE, 0.5)
    image[3, 4] = bad
    with pytest.raises(ValueError, match="image contains NaN"):
        select_window(image, FergusSelector(), SIZE, STRIDE)


def test_colour_image_rejected():
    with pytest.raises(ValueError, match="2-D"):
        select_window(np.zeros(SHAPE + (3,)), XuJiaSelector(), SIZE, STRIDE)


@pytest.mark.parametrize("selector", [FergusSelector(), XuJiaSelector(), GradientSelector()], ids=lambda s: s.name)
@pytest.mark.parametrize("level", [0.0, 0.3, 1 / 3, 1.0])
def test_constant_image_scores_zero_and_falls_back_to_the_first_window(selector, level):
    with pytest.warns(UserWarning, match="constant image"):
        best, score, windows, scores = select_window(np.full(SHAPE, level), selector, SIZE, STRIDE)
    assert best == windows[0] and score == 0.0 and np.all(scores == 0)


@pytest.mark.parametrize(
    "selector",
    [
        RandomSelector(seed=0),
        GaborSelector.from_state_dict(
            {"mean": np.zeros(26), "scale": np.ones(26), "weights": np.ones(26), "bias": 0.0}
        ),
    ],
    ids=lambda s: s.name,
)
def test_constant_image_picks_the_first_window_for_any_selector(selector):
    with pytest.warns(UserWarning, match="constant image"):
        best, _, windows, scores = select_window(np.full(SHAPE, 0.7), selector, SIZE, STRIDE)
    assert best == windows[0] and np.all(np.isfinite(scores))


def test_make_selector_names_and_errors():
    assert set(SELECTORS) == {"cnn", "fergus", "xujia", "gabor", "gradient", "random", "best-similarity"}
    assert make_selector("xujia", threshold=0.4).threshold == 0.4
    assert make_selector("random", seed=3).seed == 3
    assert make_selector("best-similarity", similarities=[0.1, 0.2]).name == "best-similarity"
    with pytest.raises(ValueError, match="unknown selector 'cnnn'; choose one of cnn, fergus, xujia"):
        make_selector("cnnn")
    with pytest.raises(ValueError, match="takes no option"):
        make_selector("fergus", threshold=0.2)


def test_cnn_selector_scores_windows_with_the_classifier():
    import torch

    from deblur_core.models.region_classifier import RegionClassifier
    from deblur_core.regions.selectors import CNNSelector

    torch.manual_seed(0)
    model = RegionClassifier(input_size=33, width=2, blocks=(1, 1, 1, 1)).eval()
    image = np.random.default_rng(3).random((61, 67))
    windows = window_grid(image.shape, 33, 16)
    scores = CNNSelector(model).score(image, windows)
    assert scores.shape == (len(windows),) and np.all((scores > 0) & (scores < 1))
    assert len(np.unique(scores)) > 1  # the score depends on the window's content
