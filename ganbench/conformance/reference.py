"""The reference partners: what a component under check is trained or measured with.

A loss is judged with a reference MLP pair, a model with a reference non-saturating loss, and
both on small synthetic data made here, so that no check depends on a built-in plugin (and a
fault in one can never be blamed on another). They need no files and no network.

This module is also a plugin (``REFERENCE_PLUGIN``): the executor check names it among the
modules its trials' workers load, so a worker process finds the partners by name, as it finds
any component of a real run.
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import nn
from torch.nn import functional as F

from ganbench import hookimpl
from ganbench.conformance.results import BATCH
from ganbench.types import (
    Critic,
    Dataset,
    DatasetSpec,
    DataShape,
    HParams,
    LossSpec,
    ModelSpec,
    StreamedDataset,
)

REFERENCE_PLUGIN = __name__


def _size(shape: DataShape) -> int:
    return math.prod(shape.shape)


def reference_generator(shape: DataShape, hp: HParams) -> nn.Module:
    layers = [nn.Linear(hp.z_dim, 32), nn.LeakyReLU(0.2), nn.Linear(32, _size(shape))]
    if shape.kind == "image":
        layers.append(nn.Tanh())  # images are in [-1, 1]
    return nn.Sequential(*layers, nn.Unflatten(1, shape.shape))


def reference_critic(shape: DataShape, hp: HParams) -> Critic:
    return Critic(nn.Sequential(nn.Flatten(), nn.Linear(_size(shape), 32), nn.LeakyReLU(0.2)), nn.Linear(32, 1))


REFERENCE_MODEL = ModelSpec(
    name="reference-mlp",
    description="conformance partner: an MLP pair for any data",
    generator=reference_generator,
    critic=reference_critic,
    data_kinds=("vector", "image"),
    image_sizes=(4, 256),
    channels=tuple(range(1, 65)),
    hparams=HParams(z_dim=8, batch_size=BATCH, lr_g=1e-3, lr_d=1e-3),
)


class _ConditionalGenerator(nn.Module):
    """G(z, y): the reference generator on z joined with a class embedding."""

    def __init__(self, shape: DataShape, hp: HParams):
        super().__init__()
        self.embed = nn.Embedding(shape.classes, 4)
        self.body = reference_generator(shape, hp.replace(z_dim=hp.z_dim + 4))

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([z, self.embed(y)], dim=1))


class _ProjectionCritic(Critic):
    """D(x, y) = head(h) + <embed(y), h>, h = features(x): features that read the sample alone."""

    def __init__(self, shape: DataShape, hp: HParams):
        reference = reference_critic(shape, hp)
        super().__init__(reference.features, reference.head)
        self.embed = nn.Embedding(shape.classes, 32)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.score_and_features(x, y)[0]

    def score_and_features(self, x: torch.Tensor, *labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)
        return self.head(h).reshape(-1) + (self.embed(labels[0]) * h).sum(dim=1), h


#: the partner of a loss that reads class logits (acgan): conditional, with label-free critic features
REFERENCE_CONDITIONAL_MODEL = dataclasses.replace(
    REFERENCE_MODEL,
    name="reference-projection-mlp",
    description="conformance partner: a class-conditional MLP pair with a projection critic",
    generator=_ConditionalGenerator,
    critic=_ProjectionCritic,
    conditional=True,
    label_free_features=True,
)


def _ns_d_loss(real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    real_term = real_target * F.softplus(-real) + (1.0 - real_target) * F.softplus(real)
    return real_term.mean() + F.softplus(fake).mean()


REFERENCE_LOSS = LossSpec(
    name="reference-ns",
    description="conformance partner: the non-saturating loss",
    d_loss=_ns_d_loss,
    g_loss=lambda fake, real: F.softplus(-fake).mean(),
    uses_labels=True,  # so that a stabiliser's real_target() is exercised too
)


def reference_vectors() -> Dataset:
    """Eight tight Gaussians on the unit circle, fixed by seed: vector data with known modes."""
    g = torch.Generator().manual_seed(0)
    angles = torch.arange(8) * (2 * math.pi / 8)
    modes = torch.stack([angles.cos(), angles.sin()], dim=1)
    index = torch.randint(8, (512,), generator=g)
    return Dataset(
        "reference-ring",
        modes[index] + 0.02 * torch.randn(512, 2, generator=g),
        labels=index,
        class_names=tuple(map(str, range(8))),
        modes=modes,
        mode_std=0.02,
    )


def reference_images() -> Dataset:
    """256 grey 16x16 images in [-1, 1] with ten labels: image data for image-only components."""
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(10, (256,), generator=g)
    x = torch.tanh(torch.randn(256, 1, 16, 16, generator=g) + labels.view(-1, 1, 1, 1) / 5 - 1)
    return Dataset("reference-images", x, labels=labels, class_names=tuple(map(str, range(10))))


REFERENCE_RING = DatasetSpec(
    name="reference-ring",
    description="conformance partner: eight Gaussians on a circle",
    load=lambda options: reference_vectors(),
    kind="vector",
    offline=True,
)


class Streamed(StreamedDataset):
    """Reference data behind the streamed interface: ``x`` raises, as it does for data too big to hold.

    The docs promise a metric any data set, streamed ones included, so it must read samples
    through gather/sample/batches. Reads of ``x`` are remembered (in a list that copies made by
    ``to(device)`` share), so a failure they cause can be named for what it is.
    """

    def __init__(self, data: Dataset):
        super().__init__(
            data.name,
            data.x,  # a tensor is a map-style data set of its rows
            data.shape,
            f"ganbench conformance {data.fingerprint()}",  # the samples themselves: a cache key for metrics
            labels=data.labels,
            class_names=data.class_names,
            workers=0,
        )
        self.modes, self.mode_std = data.modes, data.mode_std
        self.x_reads: list[str] = []

    @property
    def x(self) -> torch.Tensor:
        self.x_reads.append("x")
        return super().x  # the AttributeError every streamed data set raises, with its advice


# --------------------------------------------------------------------------- as a plugin, for worker processes


@hookimpl
def ganbench_models():
    return [
        dataclasses.replace(REFERENCE_MODEL),
        dataclasses.replace(REFERENCE_CONDITIONAL_MODEL),
    ]  # copies: the registry stamps its provider on them


@hookimpl
def ganbench_losses():
    return [dataclasses.replace(REFERENCE_LOSS)]


@hookimpl
def ganbench_datasets():
    return [dataclasses.replace(REFERENCE_RING)]
