"""The feature network: accuracy on held-out real digits, determinism, the cache."""

from __future__ import annotations

import os
import subprocess
import sys

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
    assert again.weights_hash == first.weights_hash == feature_net.weights_hash(again.net)
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


def test_training_leaves_the_global_random_stream_and_the_thread_count_alone():
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    feature_net.train(digits(), seed=0, steps=2)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


# Trains on the digits ganbench trains on, through their loader, with the caller's thread count set
# first; prints the thread count afterwards, a sha256 of the whole state dict, and weights_hash.
TRAIN_WITH_THREADS = """
import hashlib, sys, torch
torch.set_num_threads(int(sys.argv[1]))
from ganbench.types import DataOptions
from ganbench_plugins.datasets import digits
from ganbench_plugins.metrics import feature_net
trained = feature_net.train(digits.load(DataOptions()), steps=20)
state = trained.net.state_dict()
digest = hashlib.sha256()
for name in sorted(state):
    digest.update(name.encode())
    digest.update(state[name].contiguous().numpy().tobytes())
print(torch.get_num_threads(), digest.hexdigest(), trained.weights_hash)
"""


def test_one_or_two_threads_train_bit_identical_weights():
    # 20 steps are enough: with the threads the caller had, the hashes already differed after them.
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", TRAIN_WITH_THREADS, str(threads)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for threads in (1, 2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_, err) in zip(runs, outputs):
        assert run.returncode == 0, err.decode()[-2000:]
    (threads_1, sha_1, short_1), (threads_2, sha_2, short_2) = (out.decode().split() for out, _ in outputs)
    print(f"1 thread: {sha_1[:16]} ({short_1}); 2 threads: {sha_2[:16]} ({short_2})")
    assert (threads_1, threads_2) == ("1", "2")  # each caller's thread count, given back
    assert sha_1 == sha_2 and short_1 == short_2


def test_the_weights_hash_names_the_weights():
    torch.manual_seed(0)
    net = feature_net.FeatureNet(1, 10)
    same = feature_net.FeatureNet(1, 10)
    same.load_state_dict(net.state_dict())
    assert feature_net.weights_hash(net) == feature_net.weights_hash(same)
    assert len(feature_net.weights_hash(net)) == 12
    with torch.no_grad():
        same.embed.bias[0] += 1e-6
    assert feature_net.weights_hash(net) != feature_net.weights_hash(same)


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
