"""KID, Inception Score and precision/recall: torch-fidelity's other metrics, opt-in.

Each uses the run's extractor (``fid_extractor``, see ``extractor.py``), always passed
explicitly: torch-fidelity would otherwise take Inception for KID and IS and VGG16 for
precision/recall. Generated images are input1, the cached real reference input2
(precision: generated samples inside the real manifold; recall: the reverse).

* ``kid`` (Binkowski et al. 2018): mean over ``kid_subsets`` (default 100) subsets of
  ``min(1000, generated, real)`` samples, so the subset never exceeds either count.
* ``is`` (Salimans et al. 2016): exp E KL(p(y|x) || p(y)) over 10 splits of the generated
  samples, from the extractor's class logits; with a ganbench network its ceiling is the
  number of classes, not Inception's 1,008 (and real data scores below it: the network is
  trained with label smoothing, so it is never fully certain).
* ``precision``/``recall`` (Kynkäänniemi et al. 2019), 3 nearest neighbours.

Sample counts follow ``fid_samples``, as for FID.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch_fidelity
from torch_fidelity import (
    KEY_METRIC_ISC_MEAN,
    KEY_METRIC_KID_MEAN,
    KEY_METRIC_PRECISION,
    KEY_METRIC_RECALL,
)

from ganbench.types import Measurement, Metric, MetricContext

from . import extractor as extractors
from . import labels
from .fid import DEFAULT_SAMPLES, choose_extractor, sample_count
from .reference import ImageTensors, Reference

KID_SUBSET = 1_000
FID_BIAS_BELOW = 2_048  # generated samples under which FID's bias is large (it is biased in 1/N; KID is not)


def kid_beside_fid(dataset, options) -> str | None:
    """KID is a default metric where FID scores fewer than 2,048 generated samples; the reason says why."""
    n = int(options.get("fid_samples", min(len(dataset), DEFAULT_SAMPLES)))
    if n >= FID_BIAS_BELOW:
        return None
    return (
        f"FID is scored on {n:,} generated samples (< {FID_BIAS_BELOW:,}), where its bias, which falls as 1/N, "
        "is large enough to reorder close entries; KID is unbiased at any sample count, so it is shown beside FID"
    )


LABELS = {"kid": "KID", "inception_score": "IS", "precision": "precision", "recall": "recall"}


class _FidelityMetric(Metric):
    """Shared by the three: the run's extractor, the cached reference, the metric's torch-fidelity flags."""

    needs_reference = True

    def __init__(self, context: MetricContext):
        self.n = sample_count(context, "fid_samples", min(len(context.dataset), DEFAULT_SAMPLES))
        self.extractor = choose_extractor(context)
        self.reference = Reference.of(context)
        self.kwargs = self.options(context)
        if self.needs_reference:
            self.reference.prepare(self.extractor, **self.kwargs)

    def options(self, context: MetricContext) -> dict[str, Any]:
        raise NotImplementedError

    def measure(self, sample: Callable[[int], torch.Tensor]) -> dict[str, float]:
        fake = ImageTensors(extractors.to_uint8(sample(self.n)))
        real = self.reference.inputs() if self.needs_reference else {}
        return torch_fidelity.calculate_metrics(
            input1=fake, **real, **self.kwargs, **self.extractor.fidelity_kwargs(self.reference.cache_root)
        )

    def measurement(self, name: str, value: float, higher_is_better: bool) -> Measurement:
        return Measurement(
            name,
            float(value),
            higher_is_better,
            extractor=self.extractor.label,
            n_samples=self.n,
            label=LABELS[name],
            qualifiers=labels.qualifiers(self.extractor, self.n, self.reference if self.needs_reference else None),
        )


class KID(_FidelityMetric):
    def options(self, context: MetricContext) -> dict[str, Any]:
        size = min(KID_SUBSET, self.n, self.reference.n)
        return {"kid": True, "kid_subset_size": size, "kid_subsets": int(context.options.get("kid_subsets", 100))}

    def compute(self, sample: Callable[[int], torch.Tensor]) -> list[Measurement]:
        return [self.measurement("kid", self.measure(sample)[KEY_METRIC_KID_MEAN], False)]


class InceptionScore(_FidelityMetric):
    needs_reference = False  # a score of the generated samples alone

    def options(self, context: MetricContext) -> dict[str, Any]:
        return {"isc": True, "isc_splits": min(10, self.n)}

    def compute(self, sample: Callable[[int], torch.Tensor]) -> list[Measurement]:
        return [self.measurement("inception_score", self.measure(sample)[KEY_METRIC_ISC_MEAN], True)]


class PrecisionRecall(_FidelityMetric):
    def options(self, context: MetricContext) -> dict[str, Any]:
        if min(self.n, self.reference.n) < 4:  # 3 neighbours and the sample itself
            raise ValueError("precision/recall needs at least 4 generated and 4 real samples")
        return {"prc": True}

    def compute(self, sample: Callable[[int], torch.Tensor]) -> list[Measurement]:
        result = self.measure(sample)
        return [
            self.measurement("precision", result[KEY_METRIC_PRECISION], True),
            self.measurement("recall", result[KEY_METRIC_RECALL], True),
        ]
