"""FD-infinity (Chong & Forsyth 2020): checked on Gaussians whose Fréchet distance is known in closed form,
and against FID through torch-fidelity on real digits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganbench.types import Dataset, MetricContext
from ganbench_plugins.metrics import fd_infinity, feature_metrics, fid

try:
    from test_metrics_data import digits, sampler, shared_cache
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import digits, sampler, shared_cache

D, SHIFT, SCALE, POOL = 64, 0.1, 0.9, 2000
TRUTH = D * SHIFT**2 + D * (1 - SCALE) ** 2  # FD(N(0, I), N(m 1, s^2 I)) = |m|^2 + d (1 - s)^2 = 1.28


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fd_infinity_is_closer_to_the_closed_form_distance_than_fid(seed):
    """real ~ N(0, I_64), its statistics exact; fake ~ N(0.1, 0.9^2 I_64), a pool of 2,000 samples."""
    real = {"mu": np.zeros(D), "sigma": np.eye(D)}
    fake = SHIFT + SCALE * torch.randn(POOL, D, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    fit = fd_infinity.fd_infinity(fake, real)
    smallest, largest = fit.fids[0], fit.fids[-1]
    print(
        f"truth {TRUTH:.3f}; FD-inf {fit.value:.3f}; FID at N={fit.counts[0]} {smallest:.3f}, "
        f"at N={fit.counts[-1]} {largest:.3f}"
    )
    assert fit.counts == tuple(np.linspace(400, 2000, 15).astype(int))
    assert abs(fit.value - TRUTH) < 0.2  # FID at 2,000 is 0.5 off, at 400 2.6 off
    assert abs(fit.value - TRUTH) < abs(largest - TRUTH) / 2 < abs(smallest - TRUTH) / 2
    assert fit.slope > 0  # FID's bias is positive and falls as 1/N


def test_a_line_through_exactly_linear_fids_is_recovered(monkeypatch):
    """The fit itself: FIDs that are exactly 3 + 500/N give intercept 3 and slope 500."""
    monkeypatch.setattr(
        fd_infinity, "fid_statistics_to_metric", lambda fake, real, verbose: {"fid": 3 + 500 / fake["n"]}
    )
    monkeypatch.setattr(fd_infinity, "KEY_METRIC_FID", "fid")
    monkeypatch.setattr(fd_infinity, "fid_features_to_statistics", lambda features: {"n": len(features)})
    fit = fd_infinity.fd_infinity(torch.zeros(1000, 2), {})
    assert fit.value == pytest.approx(3) and fit.slope == pytest.approx(500)


def test_sample_counts_go_from_a_fifth_to_all_and_never_repeat():
    assert list(fd_infinity.sample_counts(1797)) == list(np.linspace(359, 1797, 15).astype(int))
    assert list(fd_infinity.sample_counts(12)) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    with pytest.raises(ValueError, match="several sample counts"):
        fd_infinity.fd_infinity(torch.zeros(2, 3), {})


@pytest.fixture(scope="module")
def halves(tmp_path_factory):
    """Two disjoint random halves of the real digits: the data set's context, and stand-in generated images."""
    data = digits()
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))
    a, b = order[: len(order) // 2], order[len(order) // 2 :]
    half = Dataset("digits-half", data.x[a].contiguous(), data.labels[a].contiguous(), data.class_names)
    fake = data.x[b]
    return MetricContext(half, torch.device("cpu"), shared_cache(tmp_path_factory), {"fid_samples": len(fake)}), fake


def test_the_metric_extrapolates_torch_fidelitys_fid(halves, monkeypatch):
    context, fake = halves
    fits = []
    extrapolate = fd_infinity.fd_infinity
    monkeypatch.setattr(fd_infinity, "fd_infinity", lambda *a, **k: fits.append(extrapolate(*a, **k)) or fits[-1])
    [measured] = feature_metrics.FDInfinity(context).compute(sampler(fake))
    [plain] = fid.FID(context).compute(sampler(fake))
    [fit] = fits
    print(f"FD-inf {measured.value:.4f}; FID {plain.value:.4f}; FIDs by N {dict(zip(fit.counts, fit.fids))}")
    # the last count is the whole pool: the FID torch-fidelity computes for FID itself
    assert fit.counts[-1] == len(fake) and fit.fids[-1] == pytest.approx(plain.value, rel=1e-4)
    assert measured.value == fit.value < plain.value  # two halves of one data set: FID at N is mostly its bias
    assert (measured.name, measured.label, measured.higher_is_better) == ("fd_infinity", "FD∞", False)
    assert measured.header == (
        f"FD∞ (ganbench-digits-half-cnn, {len(fake)} generated vs {len(context.dataset)} real (all), 16 px as is)"
    )
    assert plain.header.replace("FID", "FD∞") == measured.header
