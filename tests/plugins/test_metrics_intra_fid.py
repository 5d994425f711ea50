"""Intra-class FID: equal to the Fréchet distance computed by hand (scipy) per class, and it tells a G
that draws the class asked for from one that draws good images of any class."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from ganbench.conditioning import LabelledGenerator, class_frequencies
from ganbench.latents import sampler
from ganbench.types import Dataset, MetricContext
from ganbench_plugins.metrics import intra_fid

try:
    from test_metrics_conditional import RealDigits
    from test_metrics_data import digits, shared_cache
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_conditional import RealDigits
    from .test_metrics_data import digits, shared_cache


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    data = digits()
    context = MetricContext(data, torch.device("cpu"), shared_cache(tmp_path_factory), {"intra_fid_samples": 150})
    return data, intra_fid.IntraClassFID(context)


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """The Fréchet distance of two Gaussians fitted to feature sets, by scipy's matrix square root."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    sigma_a, sigma_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(sigma_a @ sigma_b).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(sigma_a + sigma_b - 2 * root))


def score(metric, G) -> tuple[float, object]:
    [measured] = metric.compute(sampler(G, 3, 0, "intra-fid"))
    return measured.value, measured


def test_it_is_the_mean_of_the_per_class_frechet_distances_scipy_computes(prepared):
    data, metric = prepared
    G = LabelledGenerator(RealDigits(data, obeys=True), class_frequencies(data))
    value, measured = score(metric, G)
    by_class = metric._generated_features(sampler(G, 3, 0, "intra-fid"))
    real, labels = metric.features.real().numpy(), data.labels[metric.reference.images().index].numpy()
    expected = np.mean([frechet(by_class[c].numpy(), real[labels == c]) for c in range(10)])
    print(f"intra-class FID {value:.4f}, by hand {expected:.4f}")
    assert value == pytest.approx(expected, rel=1e-3)
    assert measured.n_samples == 1500 and "150 generated vs 174-183 real per class" in measured.header


def test_a_label_blind_generator_of_good_images_scores_far_worse_than_one_that_obeys(prepared):
    data, metric = prepared
    frequencies = class_frequencies(data)
    obeys, _ = score(metric, LabelledGenerator(RealDigits(data, obeys=True), frequencies))
    blind, _ = score(metric, LabelledGenerator(RealDigits(data, obeys=False), frequencies))
    print(f"obeying {obeys:.2f}, label-blind {blind:.2f}")
    assert blind > 5 * obeys


def test_it_applies_where_every_class_has_enough_real_images():
    assert intra_fid.applies_to(digits()) is None
    few = Dataset("few", torch.zeros(150, 1, 16, 16), torch.tensor([0] * 100 + [1] * 50), class_names=("a", "b"))
    assert "the smallest class has 50" in intra_fid.applies_to(few)


def test_a_reference_half_too_small_in_a_class_computes_nothing_and_says_why(tmp_path_factory):
    """A tuned run scores against halves of the data: the digits' half has under 100 images of a class."""
    data = digits()
    options = {"intra_fid_samples": 150, "real_part": "selection"}
    metric = intra_fid.IntraClassFID(MetricContext(data, torch.device("cpu"), shared_cache(tmp_path_factory), options))
    assert intra_fid.applies_to(data) is None  # the whole data set has 174 or more of every class
    assert metric.info["not computed"].startswith("its reference (selection half of all) has ")
    assert "under the 100 a class needs" in metric.info["not computed"]
    G = LabelledGenerator(RealDigits(data, obeys=True), class_frequencies(data))
    assert metric.compute(sampler(G, 3, 0, "intra-fid")) == []
