"""Mode coverage on Gaussian mixtures, against answers worked out independently."""

from __future__ import annotations

import math

import pytest
import torch
from scipy.stats import entropy

from ganbench.types import Dataset, MetricContext
from ganbench_plugins.metrics import modes2d

try:
    from test_metrics_data import grid, ring, sampler
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import grid, ring, sampler


def measure(dataset: Dataset, samples: torch.Tensor) -> dict[str, float]:
    metric = modes2d.ModeCoverage(MetricContext(dataset, torch.device("cpu"), "unused"))
    return {m.name: m.value for m in metric.compute(sampler(samples))}


@pytest.mark.parametrize("make", [ring, grid])
def test_real_samples_cover_every_mode_and_are_high_quality_as_often_as_a_2d_gaussian_says(make):
    data = make()
    found = measure(data, data.x[: modes2d.SAMPLES])
    assert found["modes"] == len(data.modes)
    # within 3 std of the centre in 2D: P(chi_2 < 3) = 1 - exp(-9/2) = 98.89 % (not 1D's 99.73 %)
    assert found["high_quality_pct"] == pytest.approx(100 * (1 - math.exp(-4.5)), abs=1.0)
    assert found["reverse_kl"] < 0.02  # 2,500 draws over 8 or 25 modes: only sampling noise


@pytest.mark.parametrize("k", [1, 3, 7])
def test_samples_from_k_chosen_modes_give_exactly_k(k):
    data = grid()
    chosen = torch.tensor([0, 6, 12, 13, 18, 20, 24][:k])
    g = torch.Generator().manual_seed(k)
    x = data.modes[chosen[torch.randint(k, (2500,), generator=g)]] + data.mode_std * torch.randn(2500, 2, generator=g)
    found = measure(data, x)
    assert found["modes"] == k
    # an even spread over k of 25 modes: KL to uniform is log(25 / k), up to sampling noise
    assert found["reverse_kl"] == pytest.approx(math.log(25 / k), abs=0.02)


def test_points_far_from_every_mode_are_never_high_quality():
    data = ring()
    far = torch.full((2500, 2), 10.0)  # the ring has radius 2
    found = measure(data, far)
    assert found == {"modes": 0.0, "high_quality_pct": 0.0, "reverse_kl": pytest.approx(math.log(8))}


def test_points_between_modes_are_assigned_but_not_high_quality():
    data = ring(std=0.02)
    midway = (data.modes + data.modes.roll(1, dims=0)) / 2  # 0.77 from each neighbour: 38 std
    found = measure(data, midway.repeat(10, 1))
    assert found["high_quality_pct"] == 0.0 and found["modes"] == 0.0


def test_perfectly_even_coverage_has_zero_reverse_kl():
    data = grid()
    exact = data.modes.repeat(100, 1)  # 100 samples on each of the 25 centres
    found = measure(data, exact)
    assert found == {"modes": 25.0, "high_quality_pct": 100.0, "reverse_kl": 0.0}


def test_reverse_kl_is_kl_of_generated_mode_histogram_to_uniform():
    data = ring()
    counts = torch.tensor([700, 600, 500, 300, 250, 150, 0, 0])  # 2,500 in all
    x = torch.cat([data.modes[i].repeat(int(c), 1) for i, c in enumerate(counts)])
    found = measure(data, x)
    p = counts.double() / counts.sum()
    assert found["modes"] == 6
    assert found["reverse_kl"] == pytest.approx(entropy(p.numpy(), [1 / 8] * 8), rel=1e-9)


def test_applies_only_to_mixtures_of_vectors():
    assert modes2d.applies_to(ring()) is None
    assert "modes" in modes2d.applies_to(Dataset("plain", torch.zeros(10, 2)))
    images = Dataset("img", torch.zeros(4, 1, 8, 8), modes=torch.zeros(2, 64), mode_std=1.0)
    assert "vector" in modes2d.applies_to(images)


def test_measurements_say_which_way_is_better():
    data = ring()
    metric = modes2d.ModeCoverage(MetricContext(data, torch.device("cpu"), "unused"))
    by_name = {m.name: m for m in metric.compute(sampler(data.x))}
    assert by_name["modes"].higher_is_better and by_name["high_quality_pct"].higher_is_better
    assert not by_name["reverse_kl"].higher_is_better
    assert all(m.n_samples == 2500 for m in by_name.values())
