"""An executor that says its trials run on other machines, and only records the jobs it is sent."""

from ganbench import hookimpl
from ganbench.types import Executor, ExecutorSpec, TrialResult

SENT = []


class Elsewhere(Executor):
    def run(self, jobs, run_one, on_log=None):
        for job in jobs:
            SENT.append(job)
            yield TrialResult(job.id, "error", "not really sent anywhere")


@hookimpl
def ganbench_executors():
    return [
        ExecutorSpec(
            name="elsewhere",
            description="trials on other machines",
            factory=lambda options: Elsewhere(),
            runs_elsewhere=lambda options: True,
        )
    ]
