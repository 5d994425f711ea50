"""Fréchet Inception Distance (Heusel et al. 2017), computed by torch-fidelity, never re-implemented.

``compute`` hands torch-fidelity the generated images as input1 and the real reference as
input2 (read from its cache: see ``reference.py``), with the extractor the run chose (see
``extractor.py``); the measurement is labelled with that extractor, so FIDs from different
networks never share a column.

Options: ``fid_samples`` generated images per checkpoint (default: as many as the data set
has, at most 10,000: enough for a stable estimate on small sets and quick on a CPU; the
published protocol uses 50,000), ``fid_reference_samples`` real images (default: all, at
most 50,000), ``fid_extractor`` and ``fid_weights`` (see ``extractor.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch_fidelity
from torch_fidelity import KEY_METRIC_FID

from ganbench.types import Dataset, Measurement, Metric, MetricContext

from . import extractor as extractors
from . import labels
from .reference import ImageTensors, Reference

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
        self.reference.prepare(self.extractor, fid=True)
        self.info = {"extractor": self.extractor.label, "generated_samples": self.n}
        if self.extractor.net is not None:
            self.info["extractor_heldout_accuracy"] = self.extractor.net.heldout_accuracy

    def compute(self, sample: Callable[[int], torch.Tensor]) -> list[Measurement]:
        fake = ImageTensors(extractors.to_uint8(sample(self.n)))
        result = torch_fidelity.calculate_metrics(
            input1=fake,
            fid=True,
            **self.reference.inputs(),
            **self.extractor.fidelity_kwargs(self.reference.cache_root),
        )
        return [
            Measurement(
                "fid",
                float(result[KEY_METRIC_FID]),
                higher_is_better=False,
                extractor=self.extractor.label,
                n_samples=self.n,
                label="FID",
                qualifiers=labels.qualifiers(self.extractor, self.n, self.reference),
            )
        ]


def choose_extractor(context: MetricContext) -> extractors.Extractor:
    """The run's extractor; Stacked MNIST's network reads one digit per channel."""
    if context.dataset.name == "stacked-mnist" and context.options.get("fid_extractor", "auto") in ("auto", "ganbench"):
        from .stacked import digit_net  # the single-digit classifier stacked.py trains

        return extractors.choose(context, digit_net(context), per_channel=True)
    return extractors.choose(context)
