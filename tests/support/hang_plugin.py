"""A metric that hangs the first time it is computed in a process, as a plugin waiting on a dead server would."""

import time

from ganbench import hookimpl
from ganbench.types import Measurement, Metric, MetricSpec

CALLS = {"compute": 0}


class HangsOnce(Metric):
    def __init__(self, context):
        pass

    def compute(self, sample):
        CALLS["compute"] += 1
        if CALLS["compute"] == 1:
            time.sleep(1000)
        return [Measurement("hang-value", 1.0, higher_is_better=False)]


@hookimpl
def ganbench_metrics():
    return [
        MetricSpec(
            name="hangs-once",
            description="hangs at its first compute",
            factory=HangsOnce,
            default=False,
            measures=("hang-value",),
        )
    ]
