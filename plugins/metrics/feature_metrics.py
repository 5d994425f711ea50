"""Density/coverage and FD-infinity: metrics computed here, from the features torch-fidelity extracts.

Both use what FID uses: the run's extractor (``fid_extractor``: ``fid.choose_extractor``), its
generated sample count (``fid_samples``) and its real reference (``reference.py``), whose cached
features and statistics they read through torch-fidelity (``features.py``). The arithmetic is in
``knn.py`` and ``fd_infinity.py``, each tested there against an independent answer.

* ``density-coverage`` (Naeem et al. 2020), k = 5: the real features' k-NN radii are computed
  once, when the metric is prepared, on the run's device; a checkpoint then needs only the
  generated-to-real distances.
* ``fd-infinity`` (Chong and Forsyth 2020): FID at 15 counts from N/5 to N, each a random subset
  of one pool of N generated features, extrapolated to 1/N = 0.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ganbench.types import Measurement, Metric, MetricContext

from . import fd_infinity, knn, labels
from .features import FeatureSource
from .fid import DEFAULT_SAMPLES, choose_extractor, sample_count
from .reference import Reference


class _FromFeatures(Metric):
    """Shared by the two: FID's extractor, sample count and reference, and torch-fidelity's features."""

    def __init__(self, context: MetricContext):
        self.n = sample_count(context, "fid_samples", min(len(context.dataset), DEFAULT_SAMPLES))
        self.extractor = choose_extractor(context)
        self.reference = Reference.of(context)
        self.features = FeatureSource(self.extractor, self.reference)
        self.info = {"extractor": self.extractor.label, "generated_samples": self.n}

    def measurement(self, name: str, value: float, higher_is_better: bool, label: str) -> Measurement:
        return Measurement(
            name,
            float(value),
            higher_is_better,
            extractor=self.extractor.label,
            n_samples=self.n,
            label=label,
            qualifiers=labels.qualifiers(self.extractor, self.n, self.reference),
        )


class DensityCoverage(_FromFeatures):
    def __init__(self, context: MetricContext):
        super().__init__(context)
        self.device = torch.device(context.device)
        self.real = self.features.real().to(self.device)
        self.radii = knn.real_radii(self.real, knn.NEAREST_K)
        self.info = {**self.info, "density_coverage_k": knn.NEAREST_K}

    def compute(self, sample: Callable[[int], torch.Tensor]) -> list[Measurement]:
        fake = self.features.generated(sample(self.n)).to(self.device)
        density, coverage = knn.density_coverage(self.real, fake, knn.NEAREST_K, radii=self.radii)
        return [
            self.measurement("density", density, True, "density"),
            self.measurement("coverage", coverage, True, "coverage"),
        ]


class FDInfinity(_FromFeatures):
    def __init__(self, context: MetricContext):
        super().__init__(context)
        counts = fd_infinity.sample_counts(self.n)
        if len(counts) < 2:
            raise ValueError(f"FD-infinity fits FIDs at several sample counts: fid_samples {self.n} gives one")
        self.real = self.features.real_statistics()
        self.info = {**self.info, "fd_infinity_counts": f"{len(counts)} from {counts[0]} to {counts[-1]}"}

    def compute(self, sample: Callable[[int], torch.Tensor]) -> list[Measurement]:
        fit = fd_infinity.fd_infinity(self.features.generated(sample(self.n)), self.real)
        return [self.measurement("fd_infinity", fit.value, False, "FD∞")]
