"""``local``: trials one after another in this process, with live progress (the default)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ganbench.errors import UsageError
from ganbench.types import Executor, ExecutorSpec, interrupted_result


class LocalExecutor(Executor):
    def run(self, jobs, run_one, on_log=None):
        for job in jobs:
            try:
                result = run_one(job, on_log=on_log(job) if on_log else None)
            except KeyboardInterrupt:  # landed outside run_trial's own guard (its set-up, an observer)
                result = interrupted_result(job)
            yield result
            if result.status == "interrupted":  # Ctrl-C: run_trial returned instead of raising
                return


def make(options: Mapping[str, Any]) -> LocalExecutor:
    if options.get("workers", 1) != 1:
        raise UsageError(
            f"--workers {options['workers']}: the local executor runs one trial at a time; "
            "use --executor pool (or leave --executor out) for worker processes"
        )
    if options.get("address"):
        raise UsageError("--address is for the ray executor: add --executor ray, or leave --address out")
    return LocalExecutor()


def spec() -> ExecutorSpec:
    return ExecutorSpec(
        name="local",
        description="trials one after another in this process, with live progress (the default)",
        factory=make,
        default=True,
    )
