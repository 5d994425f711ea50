"""Test doubles for faults: losses that diverge, run out of memory, raise or crash their process;
a model the toy data never suits (skipped); a metric that reports the worker's torch threads."""

import os

import numpy
import torch
from torch import nn

from ganbench import hookimpl
from ganbench.types import Critic, LossSpec, Measurement, Metric, MetricSpec, ModelSpec


def _ns(real, fake):
    return nn.functional.softplus(-real).mean() + nn.functional.softplus(fake).mean()


def nan_loss(real, fake):
    return _ns(real, fake) * float("nan")


def oom_loss(real, fake):
    raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB (raised on purpose)")


def raising_loss(real, fake):
    raise RuntimeError("this loss fails on purpose")


def library_loss(real, fake):
    numpy.linalg.inv(numpy.zeros((2, 2)))  # raises inside numpy: the plugin that called it is to blame


def crashing_loss(real, fake):
    os._exit(3)  # the whole process dies: only ever run in a pool worker


class Threads(Metric):
    def __init__(self, context):
        pass

    def compute(self, sample):
        return [Measurement("torch-threads", float(torch.get_num_threads()), higher_is_better=False)]


@hookimpl
def ganbench_losses():
    g = lambda fake, real: nn.functional.softplus(-fake).mean()  # noqa: E731
    return [
        LossSpec(name="fault-nan", description="always NaN", d_loss=nan_loss, g_loss=g),
        LossSpec(name="fault-oom", description="CUDA out of memory", d_loss=oom_loss, g_loss=g),
        LossSpec(name="fault-raise", description="raises", d_loss=raising_loss, g_loss=g),
        LossSpec(name="fault-crash", description="kills its process", d_loss=crashing_loss, g_loss=g),
        LossSpec(name="fault-library", description="raises inside a library", d_loss=library_loss, g_loss=g),
    ]


@hookimpl
def ganbench_models():
    return [
        ModelSpec(
            name="fault-picky",
            description="images only",
            data_kinds=("image",),
            generator=lambda shape, hp: nn.Linear(hp.z_dim, 4),
            critic=lambda shape, hp: Critic(nn.Flatten(), nn.LazyLinear(1)),
        )
    ]


@hookimpl
def ganbench_metrics():
    return [
        MetricSpec(
            name="torch-threads",
            description="torch.get_num_threads() where the trial ran",
            factory=Threads,
            default=False,
        )
    ]
