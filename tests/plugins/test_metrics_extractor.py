"""The trained network as a torch-fidelity extractor, DINOv2 from a weights file, and the failure paths offline."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
import torch
from torch_fidelity.feature_extractor_dinov2 import FeatureExtractorDinoV2
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from ganbench.errors import UsageError
from ganbench.types import MetricContext
from ganbench_plugins.metrics import extractor, feature_net, fid

try:
    from test_metrics_data import digits, sampler, shared_cache
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import digits, sampler, shared_cache


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
    with pytest.raises(UsageError) as failure:
        extractor.choose(MetricContext(digits(), torch.device("cpu"), str(tmp_path), {"fid_extractor": "vgg"}))
    assert str(failure.value) == (
        "fid_extractor 'vgg' is not known: use auto, ganbench, inception-v3-compat, dinov2-vit-s-14, "
        "dinov2-vit-b-14, dinov2-vit-l-14 or dinov2-vit-g-14"
    )


def test_every_dinov2_size_torch_fidelity_ships_is_a_choice():
    dinov2 = {name for name in FEATURE_EXTRACTORS_REGISTRY if name.startswith("dinov2-")}
    assert dinov2 == {"dinov2-vit-s-14", "dinov2-vit-b-14", "dinov2-vit-l-14", "dinov2-vit-g-14"}
    assert dinov2 <= set(extractor.CHOICES) and all(extractor.PRETRAINED[n].side == 224 for n in dinov2)
    assert extractor.PRETRAINED["inception-v3-compat"].side == 299


def test_the_resize_path_says_what_each_extractor_does_to_the_images():
    """ganbench's network: FeatureNet.resize; torch-fidelity's: TF1-compatible bilinear to 299 or 224 px."""
    describe = feature_net.FeatureNet.resize_path
    assert (describe(16), describe(8), describe(32)) == (
        "16 px as is",
        "16 px bilinear",
        "16 px bilinear antialiased",
    )
    net = feature_net.FeatureNet(1, 10)
    x = torch.randn(2, 1, 16, 16)
    assert net.resize(x) is x  # "as is": the very tensor
    assert net.resize(torch.randn(2, 1, 8, 8)).shape[-2:] == (16, 16)


def test_the_chosen_extractor_carries_its_resize_path(chosen, tmp_path, monkeypatch):
    _, ex = chosen
    assert ex.resize == "16 px as is"  # the digits are 16 px, the network's own size
    monkeypatch.setattr(extractor, "load_pretrained", lambda wanted, weights: (wanted, {}))  # no weights needed
    for wanted, resize in (("inception-v3-compat", "299 px TF1 bilinear"), ("dinov2-vit-l-14", "224 px TF1 bilinear")):
        context = MetricContext(digits(), torch.device("cpu"), str(tmp_path), {"fid_extractor": wanted})
        assert extractor.choose(context).resize == resize


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


@pytest.fixture
def connections(monkeypatch) -> list[object]:
    """Every address a socket tries to connect to (none gets through): a test asserts the list stays empty."""
    tried = []

    def refuse(self, address):
        tried.append(address)
        raise ConnectionRefusedError(f"no connections in this test ({address})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return tried


def test_dinov2_without_weights_offline_fails_fast_with_one_line_and_no_connection(offline, connections, tmp_path):
    context = MetricContext(digits(), torch.device("cpu"), str(tmp_path), {"fid_extractor": "dinov2-vit-l-14"})
    started = time.perf_counter()
    with pytest.raises(extractor.FeatureWeightsUnavailable) as failure:
        extractor.choose(context)
    elapsed = time.perf_counter() - started
    message = str(failure.value)
    print(f"failed in {elapsed:.2f} s: {message}")
    assert "\n" not in message and message.startswith(
        "dinov2-vit-l-14 weights are not cached and could not be downloaded"
    )
    assert "--fid-weights FILE (torch.hub's dinov2_vitl14_pretrain.pth" in message and "connected machine" in message
    assert "no internet connection" in message  # torch.hub's own reason, from torch-fidelity's loader
    assert connections == [] and elapsed < 20


HUBCONF = """
import torch

dependencies = ["torch"]


class Tiny(torch.nn.Module):  # a stand-in for DINOv2's ViT-S/14: 384 features from the mean colour
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(3, 384)

    def forward(self, x):
        return self.proj(x.mean(dim=(2, 3)))


def dinov2_vits14(pretrained=True):
    assert not pretrained, "the stand-in has no weights to download"
    return Tiny()
"""


@pytest.fixture
def dinov2_file(offline, tmp_path):
    """facebookresearch/dinov2's code as torch.hub caches it (a stand-in), and a weights file for it."""
    repo = Path(torch.hub.get_dir()) / extractor.DINOV2_HUB_REPO
    repo.mkdir(parents=True)
    (repo / "hubconf.py").write_text(HUBCONF)
    torch.manual_seed(0)
    weights = torch.hub.load(str(repo), "dinov2_vits14", source="local", pretrained=False).state_dict()
    path = tmp_path / "dinov2_vits14_pretrain.pth"
    torch.save(weights, path)
    return str(path), weights


def test_dinov2_from_a_weights_file_is_torch_fidelitys_extractor_with_those_weights(dinov2_file, connections, tmp_path):
    path, weights = dinov2_file
    options = {"fid_extractor": "dinov2-vit-s-14", "fid_weights": path, "fid_samples": 100}
    data = digits()
    ex = extractor.choose(MetricContext(data, torch.device("cpu"), str(tmp_path), options))
    assert (
        ex.label == "dinov2-vit-s-14" and ex.name.startswith("dinov2-vit-s-14-w") and ex.resize == "224 px TF1 bilinear"
    )
    fe = FEATURE_EXTRACTORS_REGISTRY[ex.name](ex.name, ["dinov2"])
    assert isinstance(fe, FeatureExtractorDinoV2)  # torch-fidelity's resizing, normalisation and output
    assert all(torch.equal(fe.model.state_dict()[k], v) for k, v in weights.items())
    # and it serves a FID-family metric through torch-fidelity, in a column of its own
    [measured] = fid.FID(MetricContext(data, torch.device("cpu"), str(tmp_path), options)).compute(sampler(data.x))
    print(measured.header, measured.value)
    assert measured.extractor == "dinov2-vit-s-14" and measured.column == "fid[dinov2-vit-s-14]"
    assert measured.header == "FID (dinov2-vit-s-14, 100 generated vs 1797 real (all), 224 px TF1 bilinear)"
    assert connections == []


def test_dinov2_from_a_file_without_its_code_in_torch_hubs_cache_is_one_line(offline, tmp_path):
    path = tmp_path / "dinov2_vits14_pretrain.pth"
    torch.save({}, path)
    context = MetricContext(
        digits(), torch.device("cpu"), str(tmp_path), {"fid_extractor": "dinov2-vit-s-14", "fid_weights": str(path)}
    )
    with pytest.raises(extractor.FeatureWeightsUnavailable, match="facebookresearch/dinov2's code") as failure:
        extractor.choose(context)
    assert "\n" not in str(failure.value) and str(path) in str(failure.value)


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
