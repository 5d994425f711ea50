"""Fréchet Inception Distance (Heusel et al. 2017), computed by torch-fidelity, never re-implemented.

``compute`` hands torch-fidelity the generated images as input1 and the real reference as
input2 (read from its cache: see ``reference.py``), with the extractor the run chose (see
``extractor.py``); the measurement is labelled with that extractor, so FIDs from different
networks never share a column.

With ``fid_reference`` (``--fid-reference FILE.npz``: ``stats_file.py``) the real side is the
file's ``mu`` and ``sigma`` instead: the generated images' statistics come from torch-fidelity's
own functions (``features.py``: the features ``calculate_metrics`` would extract) and torch-fidelity's
Fréchet distance compares them with the file's. The heading then says "vs imported FILE".

Options: ``fid_samples`` generated images per checkpoint (default: as many as the data set
has, at most 10,000: enough for a stable estimate on small sets and quick on a CPU; the
published protocol uses 50,000), ``fid_reference_samples`` real images (default: all, at
most 50,000), ``fid_extractor`` and ``fid_weights`` (see ``extractor.py``), ``fid_reference``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch_fidelity
from torch_fidelity import KEY_METRIC_FID
from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric

from ganbench.errors import UsageError
from ganbench.types import Dataset, Measurement, Metric, MetricContext

from . import extractor as extractors
from . import labels, stats_file
from .features import FeatureSource
from .reference import REAL_PART, ImageTensors, Reference

DEFAULT_SAMPLES = 10_000


def applies_to(dataset: Dataset) -> str | None:
    if dataset.shape.kind != "image":
        return "FID compares images; this data set holds vectors"
    if dataset.shape.channels not in (1, 3):
        return f"torch-fidelity takes images with 1 or 3 channels, not {dataset.shape.channels}"
    return None


def sample_count(context: MetricContext, option: str, default: int) -> int:
    n = int(context.options.get(option, default))
    if n < 2:
        raise ValueError(f"{option} must be at least 2, got {n}")
    return n


class FID(Metric):
    def __init__(self, context: MetricContext):
        self.n = sample_count(context, "fid_samples", min(len(context.dataset), DEFAULT_SAMPLES))
        self.extractor = choose_extractor(context)
        self.reference = Reference.of(context)
        self.imported = imported_reference(context, self.extractor, self.reference)
        if self.imported is None:
            self.reference.prepare(self.extractor, fid=True)
        self.info = {"extractor": self.extractor.label, "generated_samples": self.n}
        if self.extractor.net is not None:
            self.info["extractor_heldout_accuracy"] = self.extractor.net.heldout_accuracy
        if self.imported is not None:
            self.info["reference"] = f"imported {self.imported.statistics.pinned}"

    def compute(self, sample: Callable[[int], torch.Tensor]) -> list[Measurement]:
        if self.imported is not None:
            return [self.measurement(self.imported.fid(sample(self.n)), self.imported.qualifiers(self.n))]
        fake = ImageTensors(extractors.to_uint8(sample(self.n)))
        result = torch_fidelity.calculate_metrics(
            input1=fake,
            fid=True,
            **self.reference.inputs(),
            **self.extractor.fidelity_kwargs(self.reference.cache_root),
        )
        return [self.measurement(result[KEY_METRIC_FID], labels.qualifiers(self.extractor, self.n, self.reference))]

    def measurement(self, value: float, qualifiers: tuple[str, ...]) -> Measurement:
        return Measurement(
            "fid",
            float(value),
            higher_is_better=False,
            extractor=self.extractor.label,
            n_samples=self.n,
            label="FID",
            qualifiers=qualifiers,
        )


class Imported:
    """FID against an imported statistics file: the generated side through torch-fidelity, as ``calculate_metrics``."""

    def __init__(self, statistics: stats_file.Statistics, features: FeatureSource, extractor: extractors.Extractor):
        self.statistics, self.features, self.extractor = statistics, features, extractor

    def fid(self, images: torch.Tensor) -> float:
        fake = fid_features_to_statistics(self.features.generated(images))
        fake, real = stats_file.comparable(fake, self.statistics)
        return float(fid_statistics_to_metric(fake, real, verbose=False)[KEY_METRIC_FID])

    def qualifiers(self, generated: int) -> tuple[str, ...]:
        return labels.imported_qualifiers(self.extractor, generated, self.statistics.describe())


def imported_reference(
    context: MetricContext, extractor: extractors.Extractor, reference: Reference
) -> Imported | None:
    """The ``fid_reference`` file, checked against this run's extractor (one line and exit 2 if it does not fit)."""
    given = context.options.get("fid_reference")
    if not given:
        return None
    if context.options.get(REAL_PART):
        raise UsageError(
            "--fid-reference with --tune: tuning selects on one half of the real data and scores the final table on "
            "the other, which an imported reference cannot be split into; tune without it, then train the chosen "
            "configuration with --fid-reference"
        )
    statistics = stats_file.read(str(given))
    features = FeatureSource(extractor, reference)
    statistics.check_against(extractor.label, extractor.name, features.feature_size(context.dataset.shape.shape))
    return Imported(statistics, features, extractor)


def choose_extractor(context: MetricContext) -> extractors.Extractor:
    """The run's extractor; Stacked MNIST's network reads one digit per channel."""
    if context.dataset.name == "stacked-mnist" and context.options.get("fid_extractor", "auto") in ("auto", "ganbench"):
        from .stacked import digit_net  # the single-digit classifier stacked.py trains

        return extractors.choose(context, digit_net(context), per_channel=True)
    return extractors.choose(context)
