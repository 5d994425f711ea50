"""Intra-class FID of class-conditional trials (Miyato & Koyama 2018, arXiv:1802.05637, Section 5):
the FID between the generated and the real images of each class, averaged over the classes.

FID over all classes misses a conditional G that draws good images of the wrong class; within a
class it does not. Features and statistics are torch-fidelity's, with FID's extractor and
reference (``features.py``, ``reference.py``): the real features are the cached reference's,
split by their labels; the generated ones come from ``sample.with_labels``, drawn until every
class has ``intra_fid_samples`` images (default: as many as the smallest class has real ones, at
most 1,000), and the first that many of each class are scored.

It applies where every class has at least MIN_REAL real reference images (the bundled digits
have 174 to 183 per class, MNIST's test split 892 to 1,135): below that a per-class covariance
says little. Where the reference is a part of the data (a tuned run scores against halves of it),
a class can fall short with the whole data set above the line: then it is prepared but computes
nothing, and its preparation facts say why. The heading names the per-class counts.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch_fidelity import KEY_METRIC_FID
from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric

from ganbench.types import Dataset, Measurement, Metric, MetricContext

from . import classes, fid
from .features import FeatureSource
from .reference import Reference, part_of

MIN_REAL = 100  # real images a class needs for its FID to mean something
MAX_PER_CLASS = 1_000
CHUNK = 1_000  # generated images drawn, and their features extracted, at a time
MAX_DRAWS = 5  # draw at most this many times the expected count before giving up on a rare class


def real_counts(dataset: Dataset, index: torch.Tensor) -> torch.Tensor:
    k = classes.num_classes(dataset)
    return torch.bincount(dataset.labels[index.to(dataset.labels.device)].cpu(), minlength=k)[:k]


def applies_to(dataset: Dataset) -> str | None:
    reason = classes.applies_to(dataset) or fid.applies_to(dataset)
    if reason:
        return reason.replace("class coverage", "intra-class FID")
    smallest = int(real_counts(dataset, torch.arange(len(dataset))).min())
    if smallest < MIN_REAL:
        return (
            f"intra-class FID needs at least {MIN_REAL} real images of every class; the smallest class has {smallest}"
        )
    return None


class IntraClassFID(Metric):
    def __init__(self, context: MetricContext):
        dataset = context.dataset
        self.extractor = fid.choose_extractor(context)
        self.reference = Reference.of(context)
        self.features = FeatureSource(self.extractor, self.reference)
        index = self.reference.images().index
        self.counts = real_counts(dataset, index)
        smallest = int(self.counts.min())
        if smallest < MIN_REAL:  # applies_to counted the whole data set; the reference may be a part of it
            self.too_few = (
                f"its reference ({self.reference.split}) has {smallest} real images in its smallest class, "
                f"under the {MIN_REAL} a class needs"
            )
            self.info = {"not computed": self.too_few}
            return
        self.too_few = ""
        labels = dataset.labels[index.to(dataset.labels.device)].cpu()
        real = self.features.real()
        self.real = [fid_features_to_statistics(real[labels == c]) for c in range(len(self.counts))]
        self.frequencies = real_counts(dataset, part_of(context)).double() / len(part_of(context))
        default = min(int(self.counts.min()), MAX_PER_CLASS)
        self.per_class = fid.sample_count(context, "intra_fid_samples", default)
        self.info = {"extractor": self.extractor.label, "generated_per_class": self.per_class}

    def compute(self, sample) -> list[Measurement]:
        if self.too_few:  # said once, in the run's "How the metrics were prepared"
            return []
        by_class = self._generated_features(sample)
        distances = [
            float(fid_statistics_to_metric(fid_features_to_statistics(features), real, verbose=False)[KEY_METRIC_FID])
            for features, real in zip(by_class, self.real, strict=True)
        ]
        k = len(distances)
        heading = (
            f"{self.per_class} generated vs {int(self.counts.min())}-{int(self.counts.max())} real per class "
            f"({self.reference.split})",
            f"mean of {k} classes",
        )
        return [
            Measurement(
                "intra_fid",
                float(np.mean(distances)),
                False,
                extractor=self.extractor.label,
                n_samples=self.per_class * k,
                label="intra-class FID",
                qualifiers=heading,
            )
        ]

    def _generated_features(self, sample) -> list[torch.Tensor]:
        """The first ``per_class`` generated images of each class, as features: drawn a chunk at a time."""
        k, wanted = len(self.counts), self.per_class
        found: list[list[torch.Tensor]] = [[] for _ in range(k)]
        have = torch.zeros(k, dtype=torch.int64)
        rarest = float(self.frequencies[self.frequencies > 0].min())
        budget = MAX_DRAWS * math.ceil(wanted / rarest)
        drawn = 0
        while (have < wanted).any():
            if drawn >= budget:
                short = int((have < wanted).nonzero()[0])
                raise RuntimeError(
                    f"intra-class FID: after {drawn} samples, class {short} has {int(have[short])} of {wanted}"
                )
            x, asked = sample.with_labels(CHUNK)
            features, asked = self.features.generated(x), asked.cpu()
            for c in range(k):
                found[c].append(features[asked == c])
            have += torch.bincount(asked, minlength=k)[:k]
            drawn += CHUNK
        return [torch.cat(parts)[:wanted] for parts in found]
