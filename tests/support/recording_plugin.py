"""A metric that keeps the samples it scored, to compare with `ganbench sample --as-evaluated`."""

import torch

from ganbench import hookimpl
from ganbench.types import Measurement, Metric, MetricSpec

SCORED: list[torch.Tensor] = []  # every evaluation's samples, in this process
N = 700  # more than one chunk of the latent stream


class Recording(Metric):
    def __init__(self, context):
        pass

    def compute(self, sample):
        x = sample(N)
        SCORED.append(x.detach().clone())
        return [Measurement("recorded-mean", float(x.mean()), higher_is_better=False)]


@hookimpl
def ganbench_metrics():
    return [
        MetricSpec(
            name="recording",
            description="keeps what it scored",
            factory=Recording,
            default=False,
            measures=("recorded-mean",),
        )
    ]
