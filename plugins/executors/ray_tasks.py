"""``ray``: one Ray task per trial, on a local Ray instance or a cluster (``pip install 'ganbench[ray]'``).

``--address`` says which cluster: left out, Ray's own rule (``RAY_ADDRESS``, else a cluster
started on this machine with ``ray start``, else a new local instance); ``auto`` an existing
cluster only; ``HOST:PORT`` or ``ray://HOST:PORT`` a given one. A trial on CUDA asks for one GPU
(Ray then sets CUDA_VISIBLE_DEVICES, so the trial's "cuda" is that GPU), any other one CPU.

No shared file system is assumed: a trial's pictures and weights travel back in its
:class:`~ganbench.types.TrialResult` and the driver alone writes the database. Each node needs
ganbench, the plugins named with ``--plugin`` and the data set (or a way to download it).
At most as many trials are in flight as the cluster has GPUs (or CPUs), so Ctrl-C can say
which trials were cut short and ``--fail-fast`` wastes little.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Mapping
from typing import Any

from ganbench.errors import UsageError
from ganbench.types import Executor, ExecutorSpec, Interrupted, TrialResult, interrupted_result

INSTALL = "the ray executor needs Ray: pip install 'ganbench[ray]'"
ADDRESS = re.compile(r"^(auto|(ray://)?[A-Za-z0-9_.\-\[\]:]+:\d+)$")


def _trial(run_one, job) -> TrialResult:
    return run_one(job)


class RayExecutor(Executor):
    def __init__(self, ray, started: bool):
        self.ray = ray
        self.started = started  # this run started Ray, so it shuts it down

    def slots(self, device: str) -> int:
        """The cluster's GPUs for trials on CUDA, else its CPUs: one task each."""
        resources = self.ray.cluster_resources()
        return max(1, int(resources.get("GPU" if device.startswith("cuda") else "CPU", 1)))

    def run(self, jobs, run_one, on_log=None):
        ray = self.ray
        try:
            if not jobs:
                return
            gpu = jobs[0].device.startswith("cuda")
            capacity = self.slots(jobs[0].device)
            task = ray.remote(_trial).options(num_gpus=1, num_cpus=1) if gpu else ray.remote(_trial).options(num_cpus=1)
            waiting, in_flight = list(jobs), {}
            try:
                while waiting or in_flight:
                    while waiting and len(in_flight) < capacity:
                        job = waiting.pop(0)
                        in_flight[task.remote(run_one, job)] = job
                    done, _ = ray.wait(list(in_flight), num_returns=1)
                    for ref in done:
                        yield _result(ray, in_flight.pop(ref), ref)
            except KeyboardInterrupt:  # while waiting, or thrown in at a yield by the runner
                raise Interrupted([interrupted_result(job) for job in in_flight.values()]) from None
            finally:
                for ref in in_flight:  # Ctrl-C or --fail-fast: stop what still runs
                    try:
                        ray.cancel(ref, force=True)
                    except Exception:
                        pass
        finally:
            if self.started:
                ray.shutdown()


def _result(ray, job, ref) -> TrialResult:
    try:
        return ray.get(ref)
    except Exception as error:  # run_trial records trial failures itself: this is the task or its node failing
        reason = f"{type(error).__name__}: {' '.join(str(error).split())[:300]} (in the ray executor)"
        return TrialResult(job.id, "error", reason, "".join(traceback.format_exception(error)))


def connect(address: str | None):
    """Import Ray and connect (or start a local instance); a UsageError in one line if either fails."""
    try:
        import ray
    except ImportError:
        raise UsageError(INSTALL) from None
    if address is not None and not ADDRESS.match(address):
        raise UsageError(
            f"--address {address}: give auto, HOST:PORT or ray://HOST:PORT (or leave it out for a local Ray)"
        )
    if ray.is_initialized():  # the caller connected already (a notebook, a test)
        return ray, False
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
    if address is None and not os.environ.get("RAY_ADDRESS"):
        # A local instance: its workers see this process's import path, so --plugin modules import there too.
        options["runtime_env"] = {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}}
    try:
        ray.init(address=address, **options)
    except Exception as error:
        what = f"--address {address}" if address else "Ray"
        raise UsageError(f"{what}: cannot connect or start Ray: {' '.join(str(error).split())[:200]}") from None
    return ray, True


def make(options: Mapping[str, Any]) -> RayExecutor:
    if options.get("workers") not in (None, 1):
        raise UsageError(
            f"--workers {options['workers']}: the ray executor runs as many trials at once as the cluster has "
            "GPUs (or CPUs); leave --workers out, or use --executor pool"
        )
    return RayExecutor(*connect(options.get("address")))


def spec() -> ExecutorSpec:
    return ExecutorSpec(
        name="ray",
        description="one Ray task per trial, local or on a cluster (--address); needs pip install 'ganbench[ray]'",
        factory=make,
        chosen_when=lambda options: options.get("address") is not None,
        runs_elsewhere=lambda options: bool(options.get("address")),  # a cluster: its GPUs, not the driver's
    )
