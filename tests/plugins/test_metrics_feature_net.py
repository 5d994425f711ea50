"""The feature network: accuracy on held-out real digits, determinism, the cache."""

from __future__ import annotations

import os

import pytest
import torch

from ganbench_plugins.metrics import feature_net

try:
    from test_metrics_data import digits, mnist, shared_cache
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import digits, mnist, shared_cache


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return shared_cache(tmp_path_factory)


def test_digits_classifier_is_at_least_97_percent_right_on_held_out_digits(cache):
    trained = feature_net.load_or_train(digits(), cache)
    print(
        f"digits: held-out accuracy {trained.heldout_accuracy:.4f} on {trained.heldout_n}, "
        f"trained on {trained.train_n} in {trained.seconds:.1f} s"
    )
    assert trained.heldout_n >= 300 and trained.train_n + trained.heldout_n == 1797
    assert trained.heldout_accuracy >= 0.97


def test_held_out_digits_are_never_trained_on():
    train, heldout = feature_net.split(1797, seed=0)
    assert len(set(train.tolist()) & set(heldout.tolist())) == 0
    assert len(train) + len(heldout) == 1797


def test_the_cache_returns_the_same_network_and_loads_with_weights_only(cache):
    data = digits()
    first = feature_net.load_or_train(data, cache)
    again = feature_net.load_or_train(data, cache)
    assert again.cached and again.seconds == 0.0
    assert again.heldout_accuracy == first.heldout_accuracy
    path = os.path.join(cache, "feature-nets", feature_net.cache_key(data) + ".pt")
    saved = torch.load(path, weights_only=True)  # plain tensors and numbers, nothing pickled
    assert saved["arch_version"] == feature_net.ARCH_VERSION
    x = data.x[:64]
    assert torch.equal(first.net.eval()(x).argmax(1), again.net(x).argmax(1))


def test_the_cache_key_follows_the_data_and_the_architecture():
    data = digits()
    changed = digits()
    changed.labels = changed.labels.roll(1)
    assert feature_net.cache_key(data) != feature_net.cache_key(changed)
    assert data.fingerprint() in feature_net.cache_key(data)
    assert f"v{feature_net.ARCH_VERSION}" in feature_net.cache_key(data)


def test_training_is_deterministic_given_the_seed():
    data = digits()
    a = feature_net.train(data, seed=3, steps=15)
    b = feature_net.train(data, seed=3, steps=15)
    c = feature_net.train(data, seed=4, steps=15)
    for (name, wa), wb in zip(a.net.state_dict().items(), b.net.state_dict().values()):
        assert torch.equal(wa, wb), name
    assert not torch.equal(a.net.embed.weight, c.net.embed.weight)


def test_training_leaves_the_global_random_stream_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    feature_net.train(digits(), seed=0, steps=2)
    assert torch.equal(torch.rand(3), expected)


def test_any_image_side_is_resized_to_the_working_size():
    net = feature_net.FeatureNet(1, 10).eval()
    for side in (8, 16, 28, 32, 64):
        features, logits = net.features_and_logits(torch.zeros(2, 1, side, side))
        assert features.shape == (2, feature_net.FEATURE_DIM) and logits.shape == (2, 10)


def test_unlabelled_data_has_no_feature_network(tmp_path):
    from ganbench.types import Dataset

    with pytest.raises(ValueError, match="labelled with two or more classes"):
        feature_net.load_or_train(Dataset("x", torch.zeros(4, 1, 8, 8)), str(tmp_path))
    one_class = Dataset("x", torch.zeros(4, 1, 8, 8), torch.zeros(4, dtype=torch.long), ("faces",))
    with pytest.raises(ValueError, match="labelled with two or more classes"):
        feature_net.load_or_train(one_class, str(tmp_path))


@pytest.mark.slow  # trains on 8,000 real MNIST digits: about 15-30 s on 2 CPU cores
def test_mnist_classifier_is_at_least_98_5_percent_right_on_held_out_real_digits(cache):
    data = mnist(size=32)
    trained = feature_net.load_or_train(data, cache)
    print(
        f"mnist: held-out accuracy {trained.heldout_accuracy:.4f} on {trained.heldout_n}, "
        f"trained on {trained.train_n} in {trained.seconds:.1f} s"
    )
    assert trained.heldout_n == 2000 and trained.train_n == 8000
    assert trained.heldout_accuracy >= 0.985
