"""Built-in executors, registered through the `ganbench` entry-point group like any third-party plugin."""
from ganbench import hookimpl
from ganbench.types import Executor, ExecutorSpec


class LocalExecutor(Executor):
    """Trials one after another in this process: the default, and the one with live progress."""

    def run(self, jobs, run_one, on_log=None):
        for job in jobs:
            yield run_one(job, on_log=on_log(job) if on_log else None)


@hookimpl
def ganbench_executors():
    return [
        ExecutorSpec(
            name="local",
            description="trials one after another in this process, with live progress",
            factory=lambda options: LocalExecutor(),
        )
    ]
