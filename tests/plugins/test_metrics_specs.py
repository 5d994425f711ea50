"""The built-in metric records: named, described, cited, and honest about what they apply to."""

from __future__ import annotations

import torch

from ganbench.types import Dataset, MetricSpec
from ganbench_plugins import metrics

try:
    from test_metrics_data import digits, ring, stacked
except ModuleNotFoundError:  # tests/plugins made a package
    from .test_metrics_data import digits, ring, stacked


def specs() -> dict[str, MetricSpec]:
    return {spec.name: spec for spec in metrics.ganbench_metrics()}


def test_every_spec_is_named_described_and_cited():
    found = specs()
    assert set(found) == {
        "fid",
        "kid",
        "inception-score",
        "precision-recall",
        "density-coverage",
        "fd-infinity",
        "mode-coverage",
        "class-coverage",
        "conditional-accuracy",
        "intra-fid",
        "stacked-mnist-modes",
    }
    for spec in found.values():
        assert isinstance(spec, MetricSpec)
        assert spec.description and "\n" not in spec.description
        assert spec.source
        assert callable(spec.factory) and callable(spec.applies_to)


def test_costly_torch_fidelity_extras_are_opt_in():
    found = specs()
    assert found["fid"].default
    opt_in = ("kid", "inception-score", "precision-recall", "density-coverage", "fd-infinity")
    assert not any(found[name].default for name in opt_in)
    assert found["density-coverage"].measures == ("density", "coverage")
    assert found["fd-infinity"].measures == ("fd_infinity",)


FID_FAMILY = {"fid", "kid", "inception-score", "precision-recall", "density-coverage", "fd-infinity"}


def applying(dataset: Dataset) -> set[str]:
    return {name for name, spec in specs().items() if spec.applies_to(dataset) is None}


def test_each_kind_of_data_gets_the_metrics_that_fit_it_and_a_reason_for_the_rest():
    single = digits()
    assert applying(ring()) == {"mode-coverage"}
    assert applying(single) == FID_FAMILY | {"class-coverage", "conditional-accuracy", "intra-fid"}
    assert applying(stacked(single, 10)) == FID_FAMILY | {"stacked-mnist-modes"}
    unlabelled = Dataset("faces", torch.zeros(4, 3, 16, 16))
    assert applying(unlabelled) == FID_FAMILY
    for spec in specs().values():
        for dataset in (ring(), single, unlabelled):
            reason = spec.applies_to(dataset)
            assert reason is None or (isinstance(reason, str) and reason and "\n" not in reason)
