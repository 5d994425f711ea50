"""Metrics at checkpoints: prepared once per data set, computed from the generator's samples."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from ganbench.errors import UsageError
from ganbench.pictures import image_grid_png, scatter_png
from ganbench.registry import Registry
from ganbench.types import Dataset, Measurement, Metric, MetricContext, MetricSpec
from ganbench.types.metrics import measurements_problem

SAMPLE_BATCH = 500  # generator forward passes in chunks: bounded memory for any sample count


def choose_metrics(registry: Registry, dataset: Dataset, names: list[str] | None) -> list[MetricSpec]:
    """The named metrics (each must apply to the data), none for ``["none"]``, or with None every default metric that applies."""
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
    return [s for s in registry.all("metrics") if s.default and s.applies_to(dataset) is None]


@dataclass
class Evaluator:
    metrics: list[tuple[MetricSpec, Metric]]
    dataset: Dataset

    @classmethod
    def prepare(cls, specs: list[MetricSpec], context: MetricContext) -> Evaluator:
        return cls([(spec, spec.factory(context)) for spec in specs], context.dataset)

    def evaluate(self, generator: nn.Module, z_dim: int, seed: int) -> list[Measurement]:
        """Every metric on fresh samples; the training RNG streams are left untouched."""
        sample = sampler(generator, z_dim, seed)
        measurements: list[Measurement] = []
        with _eval_mode(generator):
            for spec, metric in self.metrics:
                returned = metric.compute(sample)
                # A bad record fails this trial here, naming its metric, not the whole run's report later.
                problem = measurements_problem(returned)
                if problem:
                    raise TypeError(f"metric '{spec.name}' from {spec.provider} {problem}")
                measurements += returned
        return measurements


def sampler(generator: nn.Module, z_dim: int, seed: int) -> Callable[[int], torch.Tensor]:
    device = next(generator.parameters()).device
    rng = torch.Generator(device).manual_seed(1_000_003 + seed)  # an evaluation stream of its own

    @torch.no_grad()
    def sample(n: int) -> torch.Tensor:
        chunks = []
        for start in range(0, n, SAMPLE_BATCH):
            z = torch.randn(min(SAMPLE_BATCH, n - start), z_dim, device=device, generator=rng)
            chunks.append(generator(z))
        return torch.cat(chunks)

    return sample


class _eval_mode:
    """BatchNorm uses its running statistics while sampling; training mode is restored after."""

    def __init__(self, module: nn.Module):
        self.module, self.was_training = module, module.training

    def __enter__(self):
        self.module.eval()

    def __exit__(self, *exc):
        self.module.train(self.was_training)


def sample_picture(generator: nn.Module, z_dim: int, seed: int, dataset: Dataset) -> bytes:
    """The trial's sample grid (images) or scatter over the modes (2D vectors), from fixed latents."""
    with _eval_mode(generator):
        if dataset.shape.kind == "image":
            images = sampler(generator, z_dim, seed)(64)
            return image_grid_png(images, columns=8, scale=max(1, 64 // dataset.shape.size))
        points = sampler(generator, z_dim, seed)(2500)
        return scatter_png(points, dataset.modes)
