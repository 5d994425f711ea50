"""A tiny plugin for testing the core on its own: one of each component, no built-in needed."""

import time

import torch
from torch import nn

from ganbench import hookimpl
from ganbench.types import (
    Critic,
    Dataset,
    DatasetSpec,
    HParams,
    LossSpec,
    Measurement,
    Metric,
    MetricSpec,
    ModelSpec,
)


def generator(shape, hp):
    return nn.Sequential(nn.Linear(hp.z_dim, 16), nn.ReLU(), nn.Linear(16, shape.size))


def critic(shape, hp):
    return Critic(nn.Sequential(nn.Linear(shape.size, 16), nn.LeakyReLU(0.2)), nn.Linear(16, 1))


def dropout_generator(shape, hp):
    """Draws random numbers in its forward: it cannot be stacked under vmap as its trials train alone."""
    return nn.Sequential(nn.Linear(hp.z_dim, 16), nn.Dropout(0.2), nn.ReLU(), nn.Linear(16, shape.size))


def load_line(options):
    g = torch.Generator().manual_seed(0)
    t = torch.rand(2000, 1, generator=g) * 2 - 1
    return Dataset(name="toy-line", x=torch.cat([t, 0.5 * t], dim=1), modes=torch.tensor([[0.0, 0.0]]), mode_std=1.0)


SLOW_ITEM_SECONDS = 0.004


class SlowLine(torch.utils.data.Dataset):
    """toy-line's points, each taking SLOW_ITEM_SECONDS to 'read': a loader that cannot keep up."""

    def __init__(self):
        self.points = load_line(None).x

    def __len__(self):
        return len(self.points)

    def __getitem__(self, i):
        time.sleep(SLOW_ITEM_SECONDS)
        return self.points[i]


def load_slow_line(options):
    from ganbench.types import DataShape, StreamedDataset

    return StreamedDataset("toy-slow-line", SlowLine(), DataShape("vector", (2,)), "toy-line, slowly", workers=0)


SLOW_START_SECONDS = 1.0


def load_slow_start_line(options):
    from ganbench.types import DataShape, StreamedDataset

    class SlowStart(StreamedDataset):
        """toy-line streamed by a loader that takes SLOW_START_SECONDS to start, as workers may."""

        def batches(self, batch_size, generator):
            time.sleep(SLOW_START_SECONDS)
            yield from super().batches(batch_size, generator)

    return SlowStart("toy-slow-start-line", load_line(None).x, DataShape("vector", (2,)), "toy-line", workers=0)


class MeanGap(Metric):
    """|mean of generated - mean of real|: trivially checkable by hand."""

    def __init__(self, context):
        data = context.dataset  # through the contract, so streamed data sets work too
        self.real_mean = data.gather(torch.arange(len(data))).mean(0)

    def compute(self, sample):
        gap = (sample(256).mean(0) - self.real_mean).norm().item()  # over every coordinate (or pixel)
        return [Measurement("mean-gap", gap, higher_is_better=False)]


@hookimpl
def ganbench_models():
    return [
        ModelSpec(
            name="toy-mlp",
            description="a one-hidden-layer MLP pair",
            generator=generator,
            critic=critic,
            data_kinds=("vector",),
            hparams=HParams(z_dim=2, batch_size=32, lr_g=1e-3, lr_d=1e-3),
        ),
        ModelSpec(
            name="toy-dropout",
            description="toy-mlp with dropout in G",
            generator=dropout_generator,
            critic=critic,
            data_kinds=("vector",),
            hparams=HParams(z_dim=2, batch_size=32, lr_g=1e-3, lr_d=1e-3),
        ),
    ]


@hookimpl
def ganbench_losses():
    return [
        LossSpec(
            name="toy-ns",
            description="non-saturating, softplus form",
            d_loss=lambda r, f: nn.functional.softplus(-r).mean() + nn.functional.softplus(f).mean(),
            g_loss=lambda f, r: nn.functional.softplus(-f).mean(),
        )
    ]


@hookimpl
def ganbench_datasets():
    return [
        DatasetSpec(name="toy-line", description="a segment in 2D", load=load_line, kind="vector"),
        DatasetSpec(name="toy-slow-line", description="toy-line streamed, slowly", load=load_slow_line, kind="vector"),
        DatasetSpec(
            name="toy-slow-start-line",
            description="toy-line from a loader slow to start",
            load=load_slow_start_line,
            kind="vector",
        ),
    ]


@hookimpl
def ganbench_metrics():
    return [MetricSpec(name="mean-gap", description="distance between sample means", factory=MeanGap)]
