"""Metrics: prepared once per run on the real data, then computed from a sampler at every checkpoint."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from ganbench.types.data import Dataset
from ganbench.types.records import Record


@dataclass(frozen=True)
class Measurement:
    """One number a metric computed, with what a reader needs to know about it.

    ``extractor`` and ``n_samples`` qualify it; ``label`` is how a table heads its column ("FID";
    default: ``name``) and ``qualifiers`` what the header adds after the extractor, e.g.
    ``("1797 generated vs 1797 real (all)", "16 px as is")`` or ``("of 10",)``:
    'FID (ganbench-digits-cnn, 1797 generated vs 1797 real (all), 16 px as is)'.
    """

    name: str
    value: float
    higher_is_better: bool
    extractor: str | None = None
    n_samples: int | None = None
    label: str | None = None
    qualifiers: tuple[str, ...] = ()

    @property
    def column(self) -> str:
        """Numbers from different feature extractors never share a column."""
        return f"{self.name}[{self.extractor}]" if self.extractor else self.name

    @property
    def header(self) -> str:
        """The column's heading: its label, then the extractor and the qualifiers in brackets."""
        qualifiers = [q for q in (self.extractor, *self.qualifiers) if q]
        label = self.label or self.name
        return f"{label} ({', '.join(qualifiers)})" if qualifiers else label


def measurements_problem(returned: object) -> str | None:
    """None, or what is wrong with what a ``Metric.compute()`` returned, said so that its author can fix it.

    Checked where a metric's numbers enter the harness (every evaluation, and `ganbench
    check-plugin`): a bad record would otherwise be stored and break the report later, far from
    its cause (a ``higher_is_better`` of None cannot rank a table).
    """
    if not isinstance(returned, (list, tuple)):
        return f"returned {_shown(returned)}, not a list: compute() must return a list of ganbench.types.Measurement"
    for item in returned:
        if not isinstance(item, Measurement):
            return f"returned a list holding {_shown(item)}: compute() must return a list of ganbench.types.Measurement"
        if not isinstance(item.name, str) or not item.name.strip():
            return f"returned a Measurement named {item.name!r}: its name must be a non-empty string"
        if not isinstance(item.higher_is_better, bool):
            return (
                f"returned Measurement '{item.name}' with higher_is_better={item.higher_is_better!r}: "
                "it must be True or False (the tables mark the best value by it)"
            )
        value = item.value
        # NaN is a legitimate value (a collapsed generator's statistics), stored and shown as such;
        # `ganbench check-plugin` flags it on its reference data ("finite values").
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return (
                f"returned Measurement '{item.name}' with value {_shown(value)}: "
                "it must be an int or float (not a tensor or a bool: use float(...))"
            )
        if not isinstance(item.label, (str, type(None))) or not all(isinstance(q, str) for q in item.qualifiers):
            return f"returned Measurement '{item.name}' whose label or qualifiers are not text"
    return None


def _shown(value: object) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


@dataclass
class MetricContext:
    """What a metric is prepared with, once per run: the real data and where to cache."""

    dataset: Dataset
    device: torch.device
    cache_dir: str
    options: Mapping[str, Any] = field(default_factory=dict)


class Metric:
    """Computes measurements from a sampler ``sample(n) -> samples in [-1, 1] on the device``."""

    #: Facts about how the metric was prepared, recorded with the run and shown in its report,
    #: e.g. {"classifier_heldout_accuracy": 0.994}. Set it in ``__init__``.
    info: Mapping[str, Any] = {}

    def compute(self, sample: Callable[[int], torch.Tensor]) -> list[Measurement]:
        raise NotImplementedError


@dataclass(kw_only=True)
class MetricSpec(Record):
    """A metric: ``applies_to(dataset)`` is None or the reason it does not; ``factory`` prepares it."""

    factory: Callable[[MetricContext], Metric]
    applies_to: Callable[[Dataset], str | None] = lambda dataset: None
    default: bool = True  # computed unless --metrics names a selection
    # A metric that is not a default may still be one for some runs: default_when(dataset, options)
    # returns why it is computed for this one (the report says it), or None. KID beside FID on small
    # samples is the built-in case.
    default_when: Callable[[Dataset, Mapping[str, Any]], str | None] = lambda dataset, options: None
    # The names of the Measurements it reports: lets `ganbench check-plugin` catch a name another
    # metric reports too (the results table has one column per name). () for "not declared".
    measures: tuple[str, ...] = ()
    # What `--tune` selects configurations by, when this metric runs: one of its measurements, and a
    # priority among the run's metrics that offer one (FID's 3 beats class coverage's 1).
    tuning_score: str = ""
    tuning_priority: int = 0
    # Computed for class-conditional trials only: its compute() reads ``sample.with_labels(n)``, the
    # samples with the classes G was asked for (conditional accuracy, intra-class FID).
    conditional_only: bool = False
    source: str = ""
