"""Density and coverage (Naeem et al. 2020): checked against the authors' prdc package, their published
example, the closed-form expectations for identical distributions, and FID's own features."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.special import betaln
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from ganbench.types import Dataset, MetricContext
from ganbench_plugins.metrics import extractor, feature_metrics, fid, knn

try:
    from test_metrics_data import digits, sampler, shared_cache
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import digits, sampler, shared_cache


def test_the_published_example_is_reproduced_within_its_sampling_spread():
    """prdc's README: two 1000-D standard normal sets of 10,000, nearest_k=5, give precision 0.4772,
    recall 0.4705, density 1.0555, coverage 0.9735 (one draw of numpy's generator).

    Density varies a lot from draw to draw at this size: seeds 0-3 of torch's generator gave
    1.029, 1.129, 0.946, 1.074 (spread about 0.07), coverage 0.975, 0.981, 0.962, 0.975 (about
    0.008). A single other draw can only agree within that spread, so the bounds are about two
    spreads: density ±0.15, coverage ±0.02. The exact expectations are tested below.
    """
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(10_000, 1000, generator=g), torch.randn(10_000, 1000, generator=g)
    density, coverage = knn.density_coverage(real, fake, k=5)
    print(f"density {density:.4f} (published 1.0555), coverage {coverage:.4f} (published 0.9735)")
    assert density == pytest.approx(1.0555, abs=0.15)
    assert coverage == pytest.approx(0.9735, abs=0.02)


def test_identical_to_the_prdc_package_on_the_same_features():
    prdc = pytest.importorskip("prdc", reason="pip install prdc (the test extra)")
    rng = np.random.default_rng(1)
    cases = [  # overlapping, shifted and narrower generated sets, unequal sizes
        (rng.normal(size=(1000, 64)), rng.normal(size=(800, 64))),
        (rng.normal(size=(700, 32)), rng.normal(loc=0.3, size=(900, 32))),
        (rng.normal(size=(600, 16)), 0.5 * rng.normal(size=(600, 16))),
    ]
    for real, fake in cases:
        for k in (3, 5):
            expected = prdc.compute_prdc(real_features=real, fake_features=fake, nearest_k=k)
            density, coverage = knn.density_coverage(torch.from_numpy(real), torch.from_numpy(fake), k, block=256)
            print(
                f"k={k}: ours {density:.6f}, {coverage:.6f}; prdc {expected['density']:.6f}, {expected['coverage']:.6f}"
            )
            assert density == pytest.approx(expected["density"], abs=1e-6)
            assert coverage == pytest.approx(expected["coverage"], abs=1e-6)


def test_expectations_for_identical_distributions_hold_in_closed_form():
    """With real and generated samples from one continuous distribution, whatever it is: E density = 1
    exactly, and E coverage = 1 - B(k, N - k + M) / B(k, N - k), because the probability mass of a
    real sample's k-NN ball is Beta(k, N - k) distributed (Naeem et al. 2020, section 3.2)."""
    n, m, k, draws = 200, 300, 5, 60
    g = torch.Generator().manual_seed(2)
    measured = np.array(
        [knn.density_coverage(torch.randn(n, 8, generator=g), torch.randn(m, 8, generator=g), k) for _ in range(draws)]
    )
    expected_coverage = 1 - math.exp(betaln(k, n - k + m) - betaln(k, n - k))
    mean, error = measured.mean(0), measured.std(0, ddof=1) / math.sqrt(draws)
    print(f"mean density {mean[0]:.4f} ± {error[0]:.4f} (1), coverage {mean[1]:.4f} ± {error[1]:.4f}")
    print(f"expected coverage {expected_coverage:.4f}")
    assert abs(mean[0] - 1) < 4 * error[0]
    assert abs(mean[1] - expected_coverage) < 4 * error[1]


def test_radii_count_each_real_sample_out_of_its_own_ball():
    real = torch.tensor([[0.0], [1.0], [3.0], [7.0]])
    assert knn.real_radii(real, k=1).tolist() == [1.0, 1.0, 2.0, 4.0]
    assert knn.real_radii(real, k=2).tolist() == [3.0, 2.0, 3.0, 6.0]
    # Balls are open, as in prdc: 1.0 lies on the edge of 0's ball (outside) and inside its own point's;
    # 5.0 on the edge of 3's ball and inside 7's (radius 4). Covered: the real samples 1 and 7.
    density, coverage = knn.density_coverage(real, torch.tensor([[1.0], [5.0]]), k=1)
    assert (density, coverage) == (2 / (1 * 2), 2 / 4)
    with pytest.raises(ValueError, match="more than k=5"):
        knn.real_radii(real, k=5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU")
def test_the_gpu_gives_the_cpus_numbers():
    g = torch.Generator().manual_seed(3)
    real, fake = torch.randn(3000, 128, generator=g, dtype=torch.float64), torch.randn(2000, 128, generator=g)
    on_cpu = knn.density_coverage(real, fake.double())
    on_gpu = knn.density_coverage(real.cuda(), fake.double().cuda())
    assert on_gpu == pytest.approx(on_cpu, abs=1e-9)


@pytest.fixture(scope="module")
def halves(tmp_path_factory):
    """Two disjoint random halves of the real digits: the data set's context, and stand-in generated images."""
    data = digits()
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))
    a, b = order[: len(order) // 2], order[len(order) // 2 :]
    half = Dataset("digits-half", data.x[a].contiguous(), data.labels[a].contiguous(), data.class_names)
    fake = data.x[b]
    return MetricContext(half, torch.device("cpu"), shared_cache(tmp_path_factory), {"fid_samples": len(fake)}), fake


def test_the_metric_scores_torch_fidelitys_features_of_fids_extractor(halves):
    context, fake = halves
    metric = feature_metrics.DensityCoverage(context)
    measured = {m.name: m for m in metric.compute(sampler(fake))}
    # the same features computed here, straight from the registered extractor that FID uses
    assert metric.extractor.name == fid.choose_extractor(context).name
    fe = FEATURE_EXTRACTORS_REGISTRY[metric.extractor.name](metric.extractor.name, ["features"]).eval()
    with torch.no_grad():
        real_features, fake_features = (fe(extractor.to_uint8(x))[0] for x in (context.dataset.x, fake))
    density, coverage = knn.density_coverage(real_features, fake_features, k=5)
    print({name: m.value for name, m in measured.items()}, f"direct: {density:.5f}, {coverage:.5f}")
    assert measured["density"].value == pytest.approx(density, abs=1e-6)
    assert measured["coverage"].value == pytest.approx(coverage, abs=1e-6)
    assert measured["coverage"].value > 0.8 and 0.7 < measured["density"].value < 1.3  # real digits against real
    assert all(m.higher_is_better and m.n_samples == len(fake) for m in measured.values())
    assert measured["density"].header == (
        f"density (ganbench-digits-half-cnn, {len(fake)} generated vs {len(context.dataset)} real (all), 16 px as is)"
    )


def test_noise_has_neither_density_nor_coverage(halves):
    context, fake = halves
    metric = feature_metrics.DensityCoverage(context)
    noise = torch.rand(fake.shape, generator=torch.Generator().manual_seed(5)) * 2 - 1
    measured = {m.name: m.value for m in metric.compute(sampler(noise))}
    print(measured)
    assert measured["density"] < 0.05 and measured["coverage"] < 0.05
