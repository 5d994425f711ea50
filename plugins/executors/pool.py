"""``pool``: ``--workers N`` worker processes on this machine, one trial each at a time.

Workers are started with 'spawn': forking a process whose torch has already started threads
(or CUDA) can deadlock the child. Each worker loads plugins, data and metrics once (the
``session`` cache in ganbench.trial) and then runs trials it is sent. On a machine with several
GPUs and ``--device cuda`` each worker is pinned to one GPU (CUDA_VISIBLE_DEVICES, set before
CUDA initialises); on one GPU (or ``cuda:N``) there is one worker unless ``--workers`` says
otherwise; the CPU threads are shared out, ``cores // workers`` each.

Results stream back as each trial finishes; the driver alone writes the database. A worker
that dies (a segfault, the OOM killer) breaks the pool: the trials it and its siblings were
running are recorded as errors, a fresh pool runs the rest. Ctrl-C stops the workers and
records the trials in flight as interrupted.
"""

from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import os
import traceback
from collections.abc import Mapping
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ganbench.errors import UsageError
from ganbench.types import Executor, ExecutorSpec, Interrupted, TrialResult, interrupted_result

from . import _worker


class PoolExecutor(Executor):
    def __init__(self, workers: int | None = None):
        self.workers = workers  # None: one per GPU with --device cuda on several GPUs, else one per core

    def slots(self, device: str) -> int:
        return self.workers or default_workers(device, _worker.gpus_to_pin(device))

    def run(self, jobs, run_one, on_log=None):
        if not jobs:
            return
        gpus = _worker.gpus_to_pin(jobs[0].device)
        workers = self.slots(jobs[0].device)
        threads = _worker.threads_per_worker(workers)
        waiting, in_flight = list(jobs), {}
        pool = None
        try:
            while waiting or in_flight:
                if pool is None:
                    pool = _start(workers, gpus, threads)
                while waiting and len(in_flight) < workers:  # no queue beyond the workers: in flight means running
                    job = waiting.pop(0)
                    in_flight[pool.submit(run_one, job)] = job
                done, _ = futures.wait(in_flight, return_when=futures.FIRST_COMPLETED)
                broken = False
                for future in done:
                    job = in_flight.pop(future)
                    broken |= isinstance(future.exception(), BrokenProcessPool)
                    yield _result(job, future)
                if broken:  # every trial still in flight went down with the pool
                    for future in futures.as_completed(list(in_flight)):
                        yield _result(in_flight.pop(future), future)
                    _stop(pool)
                    pool = None
        except KeyboardInterrupt:  # while waiting, or thrown in at a yield by the runner
            # A trial that finished but was not yet handed over keeps its result.
            raise Interrupted(
                [
                    _result(job, future) if future.done() else interrupted_result(job)
                    for future, job in in_flight.items()
                ]
            ) from None
        finally:
            if pool is not None:
                _stop(pool)


def default_workers(device: str, gpus: list[str]) -> int:
    """One per GPU on several; one on a single GPU or Apple's MPS (trials sharing it would time each other's
    kernels); on a CPU one per core."""
    if gpus:
        return len(gpus)
    return 1 if device.startswith(("cuda", "mps")) else _worker.cpu_cores()


def _start(workers: int, gpus: list[str], threads: int) -> futures.ProcessPoolExecutor:
    context = multiprocessing.get_context("spawn")
    counter = context.Value("i", 0)
    return futures.ProcessPoolExecutor(
        workers, mp_context=context, initializer=_worker.initialise, initargs=(counter, gpus, threads, os.getpid())
    )


def _stop(pool: futures.ProcessPoolExecutor) -> None:
    """Stop now: a trial still running (Ctrl-C, --fail-fast) is not waited for."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)


def _result(job, future: futures.Future) -> TrialResult:
    error = future.exception()
    if error is None:
        return future.result()
    if isinstance(error, BrokenProcessPool):
        reason = (
            "a worker process died while this trial ran (killed, out of memory or crashed), "
            "taking the pool down; run the same command again to redo it"
        )
    else:  # run_trial records failures itself: this is the transport failing (e.g. a result that will not pickle)
        reason = f"{type(error).__name__}: {error} (in the pool executor)"
    return TrialResult(job.id, "error", reason, "".join(traceback.format_exception(error)))


def make(options: Mapping[str, Any]) -> PoolExecutor:
    if options.get("address"):
        raise UsageError("--address is for the ray executor: add --executor ray, or leave --address out")
    workers = options.get("workers")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise UsageError(f"--workers {workers}: at least 1 worker is needed")
    return PoolExecutor(workers)


def spec() -> ExecutorSpec:
    return ExecutorSpec(
        name="pool",
        description="--workers N processes on this machine: one GPU each on several GPUs, else a share of the cores",
        factory=make,
        chosen_when=lambda options: options.get("workers", 1) > 1,
    )
