"""Stacked MNIST: 1,000 modes counted by a single-digit classifier trained on the data set's own channels."""

from __future__ import annotations

import math

import pytest
import torch

from ganbench.types import DataOptions, MetricContext
from ganbench_plugins.datasets import ganbench_datasets
from ganbench_plugins.metrics import ganbench_metrics
from ganbench_plugins.metrics import stacked as stacked_metric

try:
    from test_metrics_data import MNIST_DIR, digits, sampler, shared_cache, stacked
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import MNIST_DIR, digits, sampler, shared_cache, stacked


def test_channel_digits_are_deduplicated_and_labelled_by_position():
    single = digits()
    data = stacked(single, 400, seed=1)
    found = stacked_metric.digits_of(data)
    used = torch.cat([data.x[:, k] for k in range(3)]).flatten(1)
    assert len(found) == len(torch.unique(used, dim=0))  # each distinct digit image once
    assert found.x.shape[1:] == (1, 16, 16)
    for image, label in zip(found.x[:50], found.labels[:50]):
        source = (single.x[:, 0] == image[0]).flatten(1).all(1).nonzero()[:, 0]
        assert single.labels[source].eq(label).all()


def test_coverage_of_even_and_collapsed_histograms():
    even = torch.arange(1000).repeat(26)
    assert stacked_metric.coverage(even) == {"modes": 1000.0, "reverse_kl": 0.0}
    collapsed = torch.full((26_000,), 417)
    assert stacked_metric.coverage(collapsed) == {"modes": 1.0, "reverse_kl": pytest.approx(math.log(1000))}
    half = torch.arange(500).repeat(52)
    assert stacked_metric.coverage(half)["reverse_kl"] == pytest.approx(math.log(2))


def test_applies_only_to_stacked_mnist():
    single = digits()
    assert stacked_metric.applies_to(stacked(single, 10)) is None
    assert "Stacked" in stacked_metric.applies_to(single)


@pytest.fixture(scope="module")
def real_stacked(tmp_path_factory):
    """Stacked MNIST as ganbench trains on it (its own loader, on the shared MNIST files) and the built-in metric."""
    if not all((MNIST_DIR / f).is_file() for f in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")):
        pytest.skip(f"the real MNIST files are not in {MNIST_DIR}")
    [spec] = [spec for spec in ganbench_datasets() if spec.name == "stacked-mnist"]
    data = spec.load(DataOptions(root=str(MNIST_DIR), download=False))
    [metric_spec] = [spec for spec in ganbench_metrics() if spec.name == "stacked-mnist-modes"]
    assert metric_spec.applies_to(data) is None
    metric = metric_spec.factory(MetricContext(data, torch.device("cpu"), shared_cache(tmp_path_factory)))
    return data, metric


@pytest.mark.slow  # trains the digit classifier on real MNIST digits: about 40 s on one CPU thread
def test_samples_of_the_real_stacked_mnist_cover_at_least_990_modes_with_reverse_kl_below_0_05(real_stacked):
    data, metric = real_stacked
    real = data.sample(26_000, torch.Generator().manual_seed(0))  # what a perfect generator would give
    found = {m.name: m.value for m in metric.compute(sampler(real))}
    print(
        f"stacked real: {len(data):,} images from {len(data.digits):,} digits ({data.split}); 26,000 drawn: {found}; "
        f"digit classifier held-out accuracy {metric.trained.heldout_accuracy:.4f} on {metric.trained.heldout_n} "
        f"distinct digits, trained on {metric.trained.train_n}"
    )
    assert metric.n == 26_000
    assert metric.trained.heldout_accuracy >= 0.985
    # digits_of found each channel's digit once: no more distinct digits than MNIST images
    assert metric.trained.heldout_n + metric.trained.train_n <= len(data.digits)
    assert found["modes"] >= 990
    assert found["reverse_kl"] < 0.05


@pytest.mark.slow
def test_a_generator_stuck_on_one_triple_covers_one_mode(real_stacked):
    data, metric = real_stacked
    found = {m.name: m.value for m in metric.compute(sampler(data.gather(torch.tensor([0]))))}
    assert found["modes"] == 1
    assert found["reverse_kl"] == pytest.approx(math.log(1000))
