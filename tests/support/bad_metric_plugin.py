"""Metrics that break the contract, one way each: for the conformance check and for the evaluation of trials.

None is a default metric: each is computed only where a test names it.
"""

import torch

from ganbench import hookimpl
from ganbench.types import Measurement, Metric, MetricSpec


class Returns(Metric):
    """compute() returns what the record was made with, after drawing samples as a metric would."""

    def __init__(self, returned):
        self.returned = returned

    def compute(self, sample):
        sample(8)
        return self.returned


class ReadsX(Metric):
    """Reads dataset.x, which the docs forbid: a streamed data set has none."""

    def __init__(self, context):
        self.real_mean = context.dataset.x.mean(0)

    def compute(self, sample):
        return [Measurement("x-gap", (sample(64).mean(0) - self.real_mean).norm().item(), higher_is_better=False)]


class FlakyDirection(Metric):
    """higher_is_better=None at its first evaluation only: one trial of a grid fails on it, the next one finishes."""

    def __init__(self, context):
        self.evaluations = 0

    def compute(self, sample):
        self.evaluations += 1
        better = None if self.evaluations == 1 else False
        return [Measurement("flaky-gap", sample(8).abs().mean().item(), higher_is_better=better)]


def returning(name, returned, **fields):
    return MetricSpec(
        name=name,
        description=f"returns {returned!r:.40}",
        factory=lambda context: Returns(returned),
        default=False,
        **fields,
    )


@hookimpl
def ganbench_metrics():
    return [
        returning("returns-float", 1.0),
        returning("no-direction", [Measurement("gap", 1.0, higher_is_better=None)]),
        returning("bool-value", [Measurement("gap", True, higher_is_better=False)]),
        returning("tensor-value", [Measurement("gap", torch.tensor(1.0), higher_is_better=False)]),
        returning("unnamed", [Measurement("", 1.0, higher_is_better=False)]),
        # the built-in mode coverage reports 'modes' on the same mixtures
        returning("modes-again", [Measurement("modes", 8.0, higher_is_better=True)]),
        returning("undeclared", [Measurement("gaps", 1.0, higher_is_better=False)], measures=("gap",)),
        MetricSpec(name="reads-x", description="reads dataset.x", factory=ReadsX, default=False),
        MetricSpec(name="flaky-direction", description="no direction, once", factory=FlakyDirection, default=False),
    ]
