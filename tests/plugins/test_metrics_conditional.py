"""Conditional accuracy: a G that ignores its label scores chance, one that obeys it the classifier's
accuracy, and a cdcgan trained a few hundred steps well above chance."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganbench.conditioning import LabelledGenerator, class_frequencies
from ganbench.latents import sampler
from ganbench.testing import run_tiny_trial
from ganbench.types import MetricContext
from ganbench_plugins.metrics import conditional

try:
    from test_metrics_data import digits, shared_cache
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import digits, shared_cache


class RealDigits(nn.Module):
    """A 'generator' that returns real digits: of the class asked for, or (label-blind) of any class."""

    def __init__(self, data, obeys: bool):
        super().__init__()
        self.x, self.labels, self.obeys = data.x, data.labels, obeys
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, z, y):
        # A latent picks a sample deterministically: its first coordinate, ranked into the pool.
        pick = ((torch.erf(z[:, 0] / 2**0.5) + 1) / 2 * 0.999).clamp(0, 0.999)
        out = []
        for p, label in zip(pick, y, strict=True):
            pool = (self.labels == label).nonzero().reshape(-1) if self.obeys else torch.arange(len(self.x))
            out.append(self.x[pool[int(p * len(pool))]])
        return torch.stack(out)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    data = digits()
    cache = shared_cache(tmp_path_factory)
    context = MetricContext(data, torch.device("cpu"), cache, {"conditional_samples": 2000})
    return data, conditional.ConditionalAccuracy(context), cache


def accuracy(metric, G) -> float:
    [measured] = metric.compute(sampler(G, 3, 0, "conditional-accuracy"))
    assert measured.name == "conditional_accuracy" and measured.n_samples == 2000
    return measured.value


def test_a_label_blind_generator_scores_chance(prepared):
    data, metric, _ = prepared
    blind = accuracy(metric, LabelledGenerator(RealDigits(data, obeys=False), class_frequencies(data)))
    print(f"label-blind: {blind:.3f}, chance {metric.chance:.3f}")
    assert metric.chance == pytest.approx(0.1, abs=0.002)  # digits' ten classes are nearly balanced
    assert blind == pytest.approx(metric.chance, abs=0.03)  # binomial sd at 2000 samples: 0.007


def test_a_generator_that_obeys_scores_the_classifiers_accuracy(prepared):
    data, metric, _ = prepared
    obeys = accuracy(metric, LabelledGenerator(RealDigits(data, obeys=True), class_frequencies(data)))
    print(f"obeying: {obeys:.3f}, classifier held-out accuracy {metric.trained.heldout_accuracy:.3f}")
    assert obeys > 0.95


def test_a_trained_cdcgan_scores_well_above_chance(prepared):
    """The real path: cdcgan on digits, 300 steps (measured 0.70 on 2026-12-03, 0.64 before the fakes asked
    for the real batch's labels), against chance 0.1."""
    _, metric, cache = prepared
    result = run_tiny_trial("cdcgan", "hinge", dataset="digits", steps=300, metrics=("conditional-accuracy",),
                            cache_dir=cache)  # fmt: skip
    assert result.status == "done", result.reason
    [last] = [c.measurement.value for c in result.checkpoints if c.measurement.name == "conditional_accuracy"][-1:]
    print(f"cdcgan after 300 steps: {last:.3f}")
    assert last > 3 * metric.chance


def test_an_unconditional_trial_has_no_conditional_accuracy(prepared):
    _, _, cache = prepared
    result = run_tiny_trial("dcgan", "hinge", dataset="digits", steps=2, metrics=("conditional-accuracy",),
                            cache_dir=cache)  # fmt: skip
    assert result.status == "done" and not result.checkpoints
