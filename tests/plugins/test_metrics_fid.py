"""FID through torch-fidelity: checked against a Fréchet distance computed here with scipy."""

from __future__ import annotations

import dataclasses
import os
import shutil
import time

import numpy as np
import pytest
import scipy.linalg
import torch
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from ganbench.types import Dataset, MetricContext
from ganbench_plugins.metrics import extractor, fid, labels
from ganbench_plugins.metrics.reference import Reference

try:
    from test_metrics_data import digits, sampler, shared_cache
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import digits, sampler, shared_cache


@pytest.fixture(scope="module")
def halves():
    """Two disjoint random halves of the real digits: the data set (A) and stand-in generated images (B)."""
    data = digits()
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))
    a, b = order[: len(order) // 2], order[len(order) // 2 :]
    return Dataset("digits-half", data.x[a].contiguous(), data.labels[a].contiguous(), data.class_names), data.x[b]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return shared_cache(tmp_path_factory)


@pytest.fixture(scope="module")
def metric(halves, cache):
    data, fake = halves
    return fid.FID(MetricContext(data, torch.device("cpu"), cache, {"fid_samples": len(fake)}))


def frechet_distance(f1: np.ndarray, f2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)), with scipy's matrix square root."""
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    root = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(root))


def features(name: str, x: torch.Tensor) -> np.ndarray:
    fe = FEATURE_EXTRACTORS_REGISTRY[name](name, ["features"]).eval()
    with torch.no_grad():
        return fe(extractor.to_uint8(x))[0].double().numpy()


def test_fid_equals_a_frechet_distance_computed_with_scipy(metric, halves):
    data, fake = halves
    started = time.perf_counter()
    [measured] = metric.compute(sampler(fake))
    print(f"compute(): {time.perf_counter() - started:.2f} s for {len(fake)} samples; FID {measured.value:.4f}")
    expected = frechet_distance(features(metric.extractor.name, fake), features(metric.extractor.name, data.x))
    assert measured.value == pytest.approx(expected, rel=1e-4)
    assert (measured.name, measured.higher_is_better, measured.n_samples) == ("fid", False, len(fake))
    assert measured.extractor == "ganbench-digits-half-cnn"


def test_fid_between_real_halves_is_small_next_to_real_against_noise(metric, halves):
    _, fake = halves
    real = metric.compute(sampler(fake))[0].value
    noise = metric.compute(sampler(torch.rand(fake.shape, generator=torch.Generator().manual_seed(1)) * 2 - 1))[0].value
    print(f"FID real half vs real half {real:.3f}; real vs uniform noise {noise:.3f}")
    assert noise > 20 * real


def count_forward_calls(monkeypatch) -> list[int]:
    calls = [0]
    forward = extractor.NetExtractor.forward

    def counting(self, x):
        calls[0] += len(x)
        return forward(self, x)

    monkeypatch.setattr(extractor.NetExtractor, "forward", counting)
    return calls


def test_reference_statistics_are_computed_once_then_read_from_the_cache(halves, cache, tmp_path, monkeypatch):
    data, _ = halves
    # a fresh cache folder with the already trained network in it: only the statistics are new
    shutil.copytree(os.path.join(cache, "feature-nets"), tmp_path / "feature-nets")
    context = MetricContext(data, torch.device("cpu"), str(tmp_path))
    calls = count_forward_calls(monkeypatch)

    started = time.perf_counter()
    first = fid.FID(context)
    first_seconds, first_calls = time.perf_counter() - started, calls[0]
    files = sorted(os.listdir(tmp_path / "fidelity"))
    started = time.perf_counter()
    second = fid.FID(MetricContext(data, torch.device("cpu"), str(tmp_path)))
    second_seconds = time.perf_counter() - started
    print(
        f"first factory {first_seconds:.2f} s ({first_calls} images through the network), "
        f"second {second_seconds:.2f} s ({calls[0] - first_calls} images); cache files {files}"
    )

    assert first_calls == len(data)  # every reference image, once
    assert calls[0] == first_calls  # the second construction computed nothing
    assert first.reference.computed and not second.reference.computed
    assert sorted(os.listdir(tmp_path / "fidelity")) == files
    assert any(f.endswith("-stat-fid-features.pt") and first.extractor.name in f for f in files)


def test_another_extractor_or_image_size_gets_its_own_cache_entry(halves, metric, tmp_path):
    data, _ = halves
    context = MetricContext(data, torch.device("cpu"), str(tmp_path))
    reference = Reference.of(context)
    other = extractor.Extractor(
        extractor.register("ganbench-cnn-test-other", metric.extractor.net.net), "other", cuda=False
    )
    reference.prepare(metric.extractor, fid=True)
    before = reference.cached_files()
    reference.prepare(other, fid=True)
    assert reference.computed  # new files, named after the other extractor
    assert {f for f in reference.cached_files() - before if "ganbench-cnn-test-other" in f}

    bigger = digits(size=32)
    assert "16px" in reference.cache_name
    assert Reference.of(MetricContext(bigger, torch.device("cpu"), str(tmp_path))).cache_name.endswith("32px")
    assert Reference.of(MetricContext(bigger, torch.device("cpu"), str(tmp_path))).cache_name != reference.cache_name


def test_reference_subset_is_part_of_the_cache_name(halves, tmp_path):
    data, _ = halves
    whole = Reference.of(MetricContext(data, torch.device("cpu"), str(tmp_path)))
    part = Reference.of(MetricContext(data, torch.device("cpu"), str(tmp_path), {"fid_reference_samples": 500}))
    assert whole.n == len(data) and part.n == 500
    assert whole.cache_name != part.cache_name and "random500" in part.cache_name
    assert len(part.images()) == 500


def test_the_heading_says_extractor_counts_split_and_resizing(metric, halves):
    data, fake = halves
    [measured] = metric.compute(sampler(fake))
    assert measured.header == (
        f"FID (ganbench-digits-half-cnn, {len(fake)} generated vs {len(data)} real (all), 16 px as is)"
    )


def test_a_random_reference_subset_and_the_datas_split_are_in_the_heading(halves, metric, tmp_path):
    data, _ = halves
    train = dataclasses.replace(data, split="train")
    part = Reference.of(MetricContext(train, torch.device("cpu"), str(tmp_path), {"fid_reference_samples": 500}))
    whole = Reference.of(MetricContext(train, torch.device("cpu"), str(tmp_path)))
    assert labels.qualifiers(metric.extractor, 100, part) == (
        "100 generated vs 500 real (random subset of train)",
        "16 px as is",
    )
    assert labels.qualifiers(metric.extractor, 100, whole)[0] == f"100 generated vs {len(data)} real (train)"
    assert labels.qualifiers(metric.extractor, 100, None) == ("100 generated", "16 px as is")  # Inception Score


def test_applies_to_images_only():
    assert fid.applies_to(digits()) is None
    assert "images" in fid.applies_to(Dataset("v", torch.zeros(3, 2)))
    assert "channels" in fid.applies_to(Dataset("c", torch.zeros(3, 2, 8, 8)))
