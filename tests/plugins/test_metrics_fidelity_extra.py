"""KID, Inception Score and precision/recall through torch-fidelity with the run's extractor."""

from __future__ import annotations

import pytest
import torch
import torch_fidelity

from ganbench.types import MetricContext
from ganbench_plugins.metrics import fidelity_extra

try:
    from test_metrics_data import digits, sampler, shared_cache
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import digits, sampler, shared_cache

N = 600
LABELS = ("precision", "recall")


@pytest.fixture(scope="module")
def data():
    return digits()


@pytest.fixture(scope="module")
def context(data, tmp_path_factory):
    return MetricContext(
        data, torch.device("cpu"), shared_cache(tmp_path_factory), {"fid_samples": N, "kid_subsets": 20}
    )


def real(data):
    return data.x[torch.randperm(len(data), generator=torch.Generator().manual_seed(5))]


def noise(data):
    return torch.rand(N, *data.x.shape[1:], generator=torch.Generator().manual_seed(6)) * 2 - 1


def test_kid_is_near_zero_for_real_digits_and_large_for_noise(context, data):
    metric = fidelity_extra.KID(context)
    assert metric.kwargs["kid_subset_size"] == N  # never more than either sample count
    [on_real] = metric.compute(sampler(real(data)))
    [on_noise] = metric.compute(sampler(noise(data)))
    print(f"KID real {on_real.value:.4f}, noise {on_noise.value:.4f}")
    assert abs(on_real.value) < 0.05 * on_noise.value
    assert (on_real.name, on_real.higher_is_better, on_real.extractor) == ("kid", False, "ganbench-digits-cnn")
    assert on_real.header == f"KID (ganbench-digits-cnn, {N} generated vs 1797 real (all), 16 px as is)"


def test_kid_subset_follows_small_sample_counts(data, tmp_path_factory):
    small = MetricContext(
        data, torch.device("cpu"), shared_cache(tmp_path_factory), {"fid_samples": 50, "kid_subsets": 5}
    )
    metric = fidelity_extra.KID(small)
    assert metric.kwargs["kid_subset_size"] == 50
    assert metric.compute(sampler(real(data)))[0].n_samples == 50


def test_inception_score_is_near_the_class_count_for_real_digits_and_one_for_a_single_class(context, data):
    metric = fidelity_extra.InceptionScore(context)
    [on_real] = metric.compute(sampler(real(data)))
    [on_ones] = metric.compute(sampler(data.x[data.labels == 1]))
    print(f"IS real {on_real.value:.3f}, only ones {on_ones.value:.3f}")
    assert 6 < on_real.value <= 10  # below 10: 600 samples in 10 splits, and a label-smoothed classifier
    assert on_ones.value < 1.5
    assert on_real.higher_is_better
    assert on_real.header == f"IS (ganbench-digits-cnn, {N} generated, 16 px as is)"  # no real images in it


def test_precision_and_recall_are_high_for_real_digits_and_precision_is_low_for_noise(context, data):
    metric = fidelity_extra.PrecisionRecall(context)
    headers = [m.header for m in metric.compute(sampler(real(data)))]
    assert headers == [f"{n} (ganbench-digits-cnn, {N} generated vs 1797 real (all), 16 px as is)" for n in LABELS]
    on_real = {m.name: m.value for m in metric.compute(sampler(real(data)))}
    on_noise = {m.name: m.value for m in metric.compute(sampler(noise(data)))}
    print(f"PR real {on_real}, noise {on_noise}")
    assert on_real["precision"] > 0.7 and on_real["recall"] > 0.5
    assert on_noise["precision"] < 0.05


def test_the_chosen_extractor_is_passed_explicitly(context, data, monkeypatch):
    seen = []
    calculate = torch_fidelity.calculate_metrics

    def spy(**kwargs):
        seen.append(kwargs)
        return calculate(**kwargs)

    monkeypatch.setattr(torch_fidelity, "calculate_metrics", spy)
    for cls in (fidelity_extra.KID, fidelity_extra.InceptionScore, fidelity_extra.PrecisionRecall):
        cls(context).compute(sampler(real(data)))
    assert seen and all(k["feature_extractor"].startswith("ganbench-cnn-digits-") for k in seen)
    generated = [k for k in seen if "input1_cache_name" not in k]  # compute(), not the reference's preparation
    assert all(len(k["input1"]) == N for k in generated)  # input1 is the generated side
    assert all(k["input2_cache_name"].startswith("ganbench-digits-") for k in generated if "input2" in k)
