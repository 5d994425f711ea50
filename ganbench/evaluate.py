"""Metrics at checkpoints: prepared once per data set, computed from the generator's samples."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from torch import nn

from ganbench.conditioning import LabelledGenerator, class_rows
from ganbench.errors import UsageError
from ganbench.latents import PICTURES, eval_mode, sampler
from ganbench.pictures import image_grid_png, scatter_png
from ganbench.registry import Registry
from ganbench.types import Dataset, Measurement, Metric, MetricContext, MetricSpec
from ganbench.types.metrics import measurements_problem
from ganbench.watchdog import progress


def choose_metrics(
    registry: Registry, dataset: Dataset, names: list[str] | None, options: Mapping[str, Any] | None = None
) -> list[MetricSpec]:
    """The named metrics (each must apply to the data), none for ``["none"]``, or with None every metric that
    applies and is a default, always or (``default_when``) for this data and these options."""
    if names == ["none"]:  # throughput only: e.g. an unlabelled folder offline, where FID has no extractor
        return []
    if names is not None:
        chosen = []
        for name in names:
            spec = registry.get("metrics", name)
            reason = spec.applies_to(dataset)
            if reason:
                raise UsageError(f"metric '{spec.name}' does not apply to {dataset.name}: {reason}")
            chosen.append(spec)
        return chosen
    options = options or {}
    return [
        spec
        for spec in registry.all("metrics")
        if (spec.default or spec.default_when(dataset, options)) and spec.applies_to(dataset) is None
    ]


@dataclass
class Evaluator:
    metrics: list[tuple[MetricSpec, Metric]]
    dataset: Dataset

    @classmethod
    def prepare(cls, specs: list[MetricSpec], context: MetricContext) -> Evaluator:
        return cls([(spec, spec.factory(context)) for spec in specs], context.dataset)

    def facts(self, options: Mapping[str, Any], conditional: bool = True) -> dict[str, dict[str, Any]]:
        """Per metric, how it was prepared (its ``info``) and, when it runs by ``default_when``, why; a metric
        of class-conditional trials only (``conditional_only``) is left out of a run without one."""
        facts = {}
        for spec, metric in self.metrics:
            if spec.conditional_only and not conditional:
                continue
            facts[spec.name] = dict(metric.info)
            why = None if spec.default else spec.default_when(self.dataset, options)
            if why:
                facts[spec.name]["computed because"] = why
        return facts

    def evaluate(self, generator: nn.Module, z_dim: int, seed: int) -> list[Measurement]:
        """Every metric on its own latent stream (ganbench.latents); the training RNG streams are untouched."""
        measurements: list[Measurement] = []
        conditional = hasattr(generator, "labels_of")  # a class-conditional G (ganbench.conditioning)
        with eval_mode(generator):
            for spec, metric in self.metrics:
                if spec.conditional_only and not conditional:
                    continue
                returned = metric.compute(sampler(generator, z_dim, seed, spec.name))
                # A bad record fails this trial here, naming its metric, not the whole run's report later.
                problem = measurements_problem(returned)
                if problem:
                    raise TypeError(f"metric '{spec.name}' from {spec.provider} {problem}")
                measurements += returned
                progress()  # for the watchdog: one metric done
        return measurements


def sample_picture(generator: nn.Module, z_dim: int, seed: int, dataset: Dataset) -> bytes:
    """The trial's sample grid (images) or scatter over the modes (2D vectors), from the pictures' fixed latents."""
    sample = sampler(generator, z_dim, seed, PICTURES)
    with eval_mode(generator):
        if dataset.shape.kind == "image":
            scale = max(1, 64 // dataset.shape.size)
            if isinstance(generator, LabelledGenerator):  # a conditional G: one row per class asked for
                return image_grid_png(class_rows(generator, z_dim, seed, columns=8), columns=8, scale=scale)
            return image_grid_png(sample(64), columns=8, scale=scale)
        return scatter_png(sample(2500), dataset.modes)
