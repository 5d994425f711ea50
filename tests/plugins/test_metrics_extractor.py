"""The trained network as a torch-fidelity extractor, and the Inception failure path offline."""

from __future__ import annotations

import socket
import time

import pytest
import torch
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from ganbench.errors import UsageError
from ganbench.types import MetricContext
from ganbench_plugins.metrics import extractor, feature_net

try:
    from test_metrics_data import digits, shared_cache
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import digits, shared_cache


@pytest.fixture(scope="module")
def chosen(tmp_path_factory):
    data = digits()
    return data, extractor.choose(MetricContext(data, torch.device("cpu"), shared_cache(tmp_path_factory)))


def test_to_uint8_gives_torch_fidelity_three_grey_channels():
    x = torch.tensor([-1.0, -0.5, 0.0, 1.0, 1.5]).reshape(1, 1, 1, 5)
    out = extractor.to_uint8(x)
    assert out.dtype == torch.uint8 and out.shape == (1, 3, 1, 5)
    assert out[0, :, 0].tolist() == [[0, 64, 128, 255, 255]] * 3


def test_auto_picks_the_trained_network_for_labelled_digits(chosen):
    data, ex = chosen
    assert ex.label == "ganbench-digits-cnn"
    assert data.fingerprint() in ex.name and f"v{feature_net.ARCH_VERSION}" in ex.name
    assert ex.name in FEATURE_EXTRACTORS_REGISTRY


def test_registered_extractor_reads_uint8_and_gives_the_networks_features(chosen):
    data, ex = chosen
    fe = FEATURE_EXTRACTORS_REGISTRY[ex.name](ex.name, ["features", "logits"])
    images = extractor.to_uint8(data.x[:32])
    features, logits = fe(images)
    # the same network on the same (quantised) pixels, called directly
    direct_features, direct_logits = ex.net.net.features_and_logits(images[:, :1].float() / 127.5 - 1)
    assert torch.allclose(features, direct_features, atol=1e-5)
    assert torch.allclose(logits, direct_logits, atol=1e-5)
    assert features.shape == (32, feature_net.FEATURE_DIM) and logits.shape == (32, 10)
    with pytest.raises(ValueError, match="uint8"):
        fe(data.x[:2].repeat(1, 3, 1, 1))


def test_registering_the_same_name_twice_replaces_the_class():
    net = feature_net.FeatureNet(1, 10)
    name = extractor.register("ganbench-cnn-test-twice", net)
    first = FEATURE_EXTRACTORS_REGISTRY[name]
    extractor.register("ganbench-cnn-test-twice", feature_net.FeatureNet(1, 10))
    assert FEATURE_EXTRACTORS_REGISTRY[name] is not first


def test_per_channel_extractor_gives_joint_log_probabilities_of_the_triples():
    net = feature_net.FeatureNet(1, 10).eval()
    name = extractor.register("ganbench-cnn-test-per-channel", net, per_channel=True)
    fe = FEATURE_EXTRACTORS_REGISTRY[name](name, ["features", "logits"])
    images = torch.randint(0, 256, (4, 3, 16, 16), dtype=torch.uint8)
    features, logits = fe(images)
    assert features.shape == (4, 3 * feature_net.FEATURE_DIM) and logits.shape == (4, 1000)
    assert torch.allclose(logits.exp().sum(1), torch.ones(4), atol=1e-4)  # a distribution over 1,000 triples
    p = [net(images[:, k : k + 1].float() / 127.5 - 1).softmax(1) for k in range(3)]
    assert torch.allclose(logits[:, 123].exp(), p[0][:, 1] * p[1][:, 2] * p[2][:, 3], atol=1e-5)


def test_unknown_extractor_is_one_line_with_the_choices(tmp_path):
    with pytest.raises(UsageError, match="auto, ganbench or inception-v3-compat"):
        extractor.choose(MetricContext(digits(), torch.device("cpu"), str(tmp_path), {"fid_extractor": "vgg"}))


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """No cached weights (empty TORCH_HOME and hub dir) and no network: name lookups fail at once."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    previous = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "torch-home" / "hub"))

    def no_network(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known (network disabled in this test)")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    yield
    torch.hub.set_dir(previous)


def test_inception_without_weights_offline_fails_fast_with_one_line(offline, tmp_path):
    context = MetricContext(digits(), torch.device("cpu"), str(tmp_path), {"fid_extractor": "inception-v3-compat"})
    started = time.perf_counter()
    with pytest.raises(extractor.FeatureWeightsUnavailable) as failure:
        extractor.choose(context)
    elapsed = time.perf_counter() - started
    message = str(failure.value)
    print(f"failed in {elapsed:.2f} s: {message}")
    assert "\n" not in message
    assert "inception-v3-compat" in message and "--fid-weights FILE" in message and "connected machine" in message
    assert elapsed < 20
    assert isinstance(failure.value, UsageError)  # the command line prints it as one line, exit code 2


def test_fid_weights_naming_a_missing_file_is_one_line(offline, tmp_path):
    missing = str(tmp_path / "nowhere.pth")
    context = MetricContext(
        digits(), torch.device("cpu"), str(tmp_path), {"fid_extractor": "inception-v3-compat", "fid_weights": missing}
    )
    with pytest.raises(extractor.FeatureWeightsUnavailable, match="does not exist") as failure:
        extractor.choose(context)
    assert "\n" not in str(failure.value) and missing in str(failure.value)


def test_fid_weights_that_are_not_weights_is_one_line(offline, tmp_path):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a checkpoint")
    context = MetricContext(
        digits(), torch.device("cpu"), str(tmp_path), {"fid_extractor": "inception-v3-compat", "fid_weights": str(bad)}
    )
    with pytest.raises(extractor.FeatureWeightsUnavailable, match="could not be read") as failure:
        extractor.choose(context)
    assert "\n" not in str(failure.value)
