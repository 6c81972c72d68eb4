import numpy as np
import pytest
import torch

from deblur_core.models.region_classifier import (
    RegionClassifier,
    classifier_config,
    load_classifier,
    prepare_windows,
    save_classifier,
)
from deblur_core.regions.training import ClassifierTrainingConfig, predict_scores, roc_auc, run_key, train_classifier

TINY = dict(input_size=33, width=4, blocks=(1, 1, 1, 1))
TINY_TRAINING = dict(TINY, batch_size=8, learning_rate=0.01, precision="float32")


def edges_and_flats(count: int, size: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Windows with a strong straight edge (label 1) or flat grey (label 0), both with mild noise."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:size, :size] - (size - 1) / 2
    windows, labels = [], []
    for i in range(count):
        if i % 2:
            angle, offset = rng.uniform(0, np.pi), rng.uniform(-size / 4, size / 4)
            step = (np.cos(angle) * cols + np.sin(angle) * rows > offset).astype(float)
            window = 0.2 + 0.6 * step
        else:
            window = np.full((size, size), rng.uniform(0.3, 0.7))
        windows.append(np.clip(window + rng.normal(0, 0.03, window.shape), 0, 1))
        labels.append(i % 2)
    return np.stack(windows), np.array(labels)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These networks are too small to gain from threads, which only contend with other work on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def toy_data():
    train = edges_and_flats(32, seed=0)
    val = edges_and_flats(16, seed=1)
    return (*train, *val)


def test_output_shape_and_input_size_check():
    torch.manual_seed(0)
    net = RegionClassifier(**TINY)
    assert net(torch.rand(3, 1, 33, 33)).shape == (3,)
    with pytest.raises(ValueError, match=r"expected windows of shape \(N, 1, 33, 33\)"):
        net(torch.rand(3, 1, 32, 32))
    with pytest.raises(ValueError, match="blocks must be four"):
        RegionClassifier(blocks=(3, 4, 6))


def test_paper_size_gives_an_eight_by_eight_map():
    net = RegionClassifier(input_size=228, width=2, blocks=(1, 1, 1, 1))
    assert net.feature_size == 8 and net.head.kernel_size == (8, 8)


def test_head_covers_the_final_map_and_depends_on_position():
    torch.manual_seed(0)
    net = RegionClassifier(**TINY).eval()
    features = net.stages(net.stem(torch.rand(1, 1, 33, 33)))
    assert features.shape[-2:] == (net.feature_size,) * 2 == net.head.kernel_size
    blob = torch.full((2, 1, 33, 33), 0.5)
    blob[0, 0, 4:10, 4:10] = 1.0
    blob[1, 0, 20:26, 20:26] = 1.0  # the same blob shifted
    with torch.no_grad():
        logits = net(blob)
    assert abs(float(logits[0] - logits[1])) > 1e-3


def test_prepare_windows_shrinks_by_area_and_checks():
    windows = np.zeros((1, 4, 4))
    windows[0, :2, :2] = 1.0
    np.testing.assert_allclose(prepare_windows(windows, 2)[0, 0].numpy(), [[1.0, 0.0], [0.0, 0.0]])
    assert prepare_windows(np.ones((2, 33, 33)), 33).shape == (2, 1, 33, 33)
    with pytest.raises(ValueError, match="smaller than the classifier"):
        prepare_windows(np.ones((1, 20, 20)), 33)
    with pytest.raises(ValueError, match="divide 8-bit images by 255"):
        prepare_windows(np.full((1, 40, 40), 255.0), 33)


def test_save_load_round_trip(tmp_path):
    torch.manual_seed(0)
    net = RegionClassifier(**TINY).eval()
    x = torch.rand(2, 1, 33, 33)
    save_classifier(tmp_path / "net.pt", net)
    loaded = load_classifier(tmp_path / "net.pt", "cpu")
    assert classifier_config(loaded) == classifier_config(net) and not loaded.training
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net(x), rtol=0, atol=0)

    torch.save(net.state_dict(), tmp_path / "bare.pt")  # a user's own weights
    bare = load_classifier(tmp_path / "bare.pt", "cpu", config=TINY)
    with torch.no_grad():
        torch.testing.assert_close(bare(x), net(x), rtol=0, atol=0)


def test_loading_another_architecture_fails(tmp_path):
    torch.save(RegionClassifier(input_size=33, width=8, blocks=(1, 1, 1, 1)).state_dict(), tmp_path / "wide.pt")
    with pytest.raises(ValueError, match="does not fit RegionClassifier.*keys of other shapes"):
        load_classifier(tmp_path / "wide.pt", "cpu", config=TINY)
    resnet_like = {"conv1.weight": torch.zeros(64, 3, 7, 7), "fc.weight": torch.zeros(1000, 512)}
    torch.save(resnet_like, tmp_path / "resnet34.pt")
    with pytest.raises(ValueError, match="missing.*unexpected"):
        load_classifier(tmp_path / "resnet34.pt", "cpu", config=TINY)
    with pytest.raises(ValueError, match="pass config="):
        load_classifier(tmp_path / "resnet34.pt", "cpu")
    torch.save({"architecture": "resnet34", "state_dict": resnet_like}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="expected one of RegionClassifier"):
        load_classifier(tmp_path / "other.pt", "cpu")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a torch checkpoint"):
        load_classifier(tmp_path / "junk.pt", "cpu")
    save_classifier(tmp_path / "net.pt", RegionClassifier(**TINY))
    with pytest.raises(ValueError, match="leave out config"):
        load_classifier(tmp_path / "net.pt", "cpu", config=dict(TINY, width=8))


def test_sgd_lowers_the_loss_and_learns_edges(toy_data):
    config = ClassifierTrainingConfig(epochs=6, **TINY_TRAINING)
    result = train_classifier(*toy_data, config, progress=False)
    losses = result.history["train_loss"].to_numpy()
    assert losses[-1] < 0.7 * losses[0]
    assert result.history["val_auc"].iloc[-1] > 0.9
    assert not result.model.training and 1 <= result.best_epoch <= 6
    scores = predict_scores(result.model, toy_data[2], batch_size=5)
    assert scores.shape == (16,) and roc_auc(scores, toy_data[3]) == result.history["val_auc"].iloc[-1]


def test_roc_auc_known_values():
    labels = [0, 0, 1, 1]
    assert roc_auc([0.1, 0.2, 0.8, 0.9], labels) == 1.0
    assert roc_auc([0.9, 0.8, 0.2, 0.1], labels) == 0.0
    assert roc_auc([0.5, 0.5, 0.5, 0.5], labels) == 0.5
    assert roc_auc([0.1, 0.5, 0.5, 0.9], labels) == pytest.approx(0.875)  # one tie between classes
    with pytest.raises(ValueError, match="needs both classes"):
        roc_auc([0.1, 0.2], [1, 1])


def test_same_seed_same_history(toy_data):
    config = ClassifierTrainingConfig(epochs=2, **TINY_TRAINING)
    first = train_classifier(*toy_data, config, progress=False)
    second = train_classifier(*toy_data, config, progress=False)
    other = train_classifier(*toy_data, ClassifierTrainingConfig(epochs=2, seed=1, **TINY_TRAINING), progress=False)
    assert first.history.equals(second.history)
    assert not first.history.equals(other.history)


def test_cache_resumes_and_continues_a_shorter_run(toy_data, tmp_path):
    short = ClassifierTrainingConfig(epochs=2, **TINY_TRAINING)
    longer = ClassifierTrainingConfig(epochs=4, **TINY_TRAINING)
    reference = train_classifier(*toy_data, longer, progress=False)

    first = train_classifier(*toy_data, short, cache_dir=tmp_path, progress=False)
    assert not first.from_cache and run_key(*toy_data, short) == run_key(*toy_data, longer)
    state = torch.load(tmp_path / run_key(*toy_data, short) / "checkpoint.pt", weights_only=True)
    assert state["epoch"] == 2

    continued = train_classifier(*toy_data, longer, cache_dir=tmp_path, progress=False)
    assert not continued.from_cache
    assert continued.history.equals(reference.history)
    windows = toy_data[2]
    np.testing.assert_array_equal(predict_scores(continued.model, windows), predict_scores(reference.model, windows))

    cached = train_classifier(*toy_data, longer, cache_dir=tmp_path, progress=False)
    assert cached.from_cache and cached.history.equals(reference.history)
    np.testing.assert_array_equal(predict_scores(cached.model, windows), predict_scores(reference.model, windows))
    with pytest.raises(ValueError, match="has 4 epochs, more than the 2 asked for"):
        train_classifier(*toy_data, short, cache_dir=tmp_path, progress=False)


def test_initial_state_is_used_and_part_of_the_key(toy_data):
    config = ClassifierTrainingConfig(epochs=1, **TINY_TRAINING)
    torch.manual_seed(5)
    start = RegionClassifier(**TINY).state_dict()
    assert run_key(*toy_data, config, start) != run_key(*toy_data, config)
    from_start = train_classifier(*toy_data, config, initial_state=start, progress=False)
    from_scratch = train_classifier(*toy_data, config, progress=False)
    assert not from_start.history.equals(from_scratch.history)
    wide = RegionClassifier(input_size=33, width=8, blocks=(1, 1, 1, 1)).state_dict()
    with pytest.raises(ValueError, match="does not fit"):
        train_classifier(*toy_data, config, initial_state=wide, progress=False)


def test_bad_training_inputs(toy_data):
    windows, labels, val_windows, val_labels = toy_data
    config = ClassifierTrainingConfig(epochs=1, **TINY_TRAINING)
    with pytest.raises(ValueError, match="must be 0 .* or 1"):
        train_classifier(windows, labels * 2, val_windows, val_labels, config, progress=False)
    with pytest.raises(ValueError, match="one label per window"):
        train_classifier(windows, labels[:-1], val_windows, val_labels, config, progress=False)
    nan_windows = windows.copy()
    nan_windows[3, 5, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        train_classifier(nan_windows, labels, val_windows, val_labels, config, progress=False)
    with pytest.raises(ValueError, match="empty"):
        train_classifier(windows[:0], labels[:0], val_windows, val_labels, config, progress=False)
    with pytest.warns(UserWarning, match="one class only"):
        one_class = train_classifier(windows, labels, val_windows, np.ones_like(val_labels), config, progress=False)
    assert one_class.history["val_auc"].isna().all()
    with pytest.raises(ValueError, match="batch_size"):
        ClassifierTrainingConfig(batch_size=1, **TINY)
