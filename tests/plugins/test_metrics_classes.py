"""Class coverage: real digits cover every class; a few classes give exactly those."""

from __future__ import annotations

import math

import pytest
import torch

from ganbench.types import Dataset, MetricContext
from ganbench_plugins.metrics import classes

try:
    from test_metrics_data import digits, sampler, shared_cache, stacked
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import digits, sampler, shared_cache, stacked


@pytest.fixture(scope="module")
def metric(tmp_path_factory):
    data = digits()
    return data, classes.ClassCoverage(MetricContext(data, torch.device("cpu"), shared_cache(tmp_path_factory)))


def values(metric, x):
    return {m.name: m.value for m in metric.compute(sampler(x))}


def test_real_digits_cover_all_ten_classes_with_kl_near_zero(metric):
    data, coverage = metric
    shuffled = data.x[torch.randperm(len(data), generator=torch.Generator().manual_seed(0))]
    found = values(coverage, shuffled)
    print(f"real digits: {found}")
    assert found["classes_covered"] == 10
    assert found["class_kl"] < 0.02


@pytest.mark.parametrize("kept", [[1], [3, 8], [0, 4, 7]])
def test_samples_of_a_few_classes_cover_exactly_those(metric, kept):
    data, coverage = metric
    x = data.x[torch.isin(data.labels, torch.tensor(kept))]
    found = values(coverage, x)
    assert found["classes_covered"] == len(kept)
    # an even mix of k of 10 (nearly balanced) classes: KL is close to log(10 / k)
    assert found["class_kl"] == pytest.approx(math.log(10 / len(kept)), abs=0.1)


def test_kl_is_generated_against_real_frequencies():
    real = torch.tensor([0.5, 0.25, 0.25], dtype=torch.float64)
    predicted = torch.tensor([0] * 10 + [1] * 30 + [2] * 60)
    q = torch.tensor([0.1, 0.3, 0.6], dtype=torch.float64)
    found = classes.coverage(predicted, real)
    assert found["class_kl"] == pytest.approx(float((q * (q / real).log()).sum()))
    assert found["classes_covered"] == 3


def test_a_class_below_a_tenth_of_its_real_share_is_not_covered():
    real = torch.full((10,), 0.1, dtype=torch.float64)  # a tenth of the uniform share: 1 %
    predicted = torch.cat(
        [torch.zeros(950, dtype=torch.int64), torch.ones(9, dtype=torch.int64), torch.full((41,), 2)]
    )  # class 1: 0.9 %, class 2: 4.1 %
    assert classes.coverage(predicted, real)["classes_covered"] == 2


def test_measurements_and_their_direction(metric):
    data, coverage = metric
    by_name = {m.name: m for m in coverage.compute(sampler(data.x))}
    assert by_name["classes_covered"].higher_is_better and not by_name["class_kl"].higher_is_better
    assert by_name["class_kl"].n_samples == coverage.n == 2000
    assert coverage.info["classifier_heldout_accuracy"] >= 0.97


def test_applies_to_labelled_images_but_not_stacked_mnist_or_vectors():
    data = digits()
    assert classes.applies_to(data) is None
    assert "labelled" in classes.applies_to(Dataset("v", torch.zeros(5, 2), labels=torch.zeros(5, dtype=torch.int64)))
    assert "labelled" in classes.applies_to(Dataset("u", data.x))
    assert "Stacked" in classes.applies_to(stacked(data, 10))
