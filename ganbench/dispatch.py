"""Sending a run's trials to its executor and storing each result the moment it arrives.

Ctrl-C anywhere records the trials in flight as interrupted; finished trials are already stored.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from ganbench import batching
from ganbench.runfolder import manifest
from ganbench.runner import PlannedRun
from ganbench.store import Store
from ganbench.timing import TimeSplit
from ganbench.trial import TrialJob
from ganbench.types import Interrupted, TrialResult


def execute(
    run: PlannedRun,
    store: Store,
    *,
    on_log: Callable[[TrialJob], Any] | None = None,
    on_result: Callable[[TrialJob, TrialResult], None] = lambda job, result: None,
    fail_fast: bool = False,
    after: TimeSplit | None = None,
) -> list[TrialResult]:
    """Run the trials not yet finished in the folder; each result is stored as soon as it arrives.

    Ctrl-C: the interrupted trials are stored with status 'interrupted' (an in-process trial comes
    back from run_trial as one, a remote executor raises types.Interrupted naming those in flight),
    then KeyboardInterrupt goes on up; finished trials are already stored.
    """
    store.set("manifest", manifest(run))
    finished = store.finished_ids()
    for job, reason in run.skipped:
        if job.id not in finished:
            store.record(_trial_row(job), TrialResult(job.id, "skipped", reason), job.notes)
    pending = [dataclasses.replace(job, log=run.log) for job in run.jobs if job.id not in finished]
    by_id = {job.id: job for job in pending}
    # Trials that stack train as one ensemble, in as many ensembles as the executor runs jobs at once.
    slots = getattr(run.executor, "slots", lambda device: 1)(pending[0].device) if pending else 1
    units = batching.group(pending, run.request.batch, slots, run.registry)
    by_unit = {unit.id: unit for unit in units}
    # An ensemble's members share their training seconds: the time split counts them once.
    sharing = {m.id: len(u.members) for u in units if isinstance(u, batching.EnsembleJob) for m in u.members}
    results: list[TrialResult] = []

    def keep(result: TrialResult) -> None:
        job = by_id[result.id]
        store.record(_trial_row(job), result, [*job.notes, *result.notes])
        results.append(result)
        on_result(job, result)

    started = time.perf_counter()
    stream = run.executor.run(units, batching.run_job, on_log)
    try:
        for outcome in stream:
            kept = batching.member_results(outcome, by_unit)
            for result in kept:
                keep(result)
            if any(result.status == "interrupted" for result in kept):
                raise KeyboardInterrupt
            if fail_fast and any(result.status != "done" for result in kept):
                break
    except Interrupted as stopped:
        for outcome in stopped.results:
            for result in batching.member_results(outcome, by_unit):
                keep(result)
        raise
    except KeyboardInterrupt:  # Ctrl-C landed here, between results: the executor says what was in flight
        for outcome in _in_flight(stream):
            for result in batching.member_results(outcome, by_unit):
                keep(result)
        raise
    finally:
        close = getattr(stream, "close", None)
        if close:  # stops a pool or Ray tasks still running (--fail-fast, Ctrl-C)
            close()
        split = TimeSplit(
            run.start_up_seconds,
            run.preparation_seconds,
            time.perf_counter() - started,
            sum(r.usage.seconds / sharing.get(r.id, 1) for r in results),
            sum(r.eval_seconds for r in results),
            len(results),
        )
        if after is not None:  # a second phase of the same invocation (a tuned run's final trials)
            split = after.then(split)
        store.set("time_split", split.to_dict())
    return results


def _in_flight(stream) -> list[TrialResult]:
    """Throw Ctrl-C into a suspended executor: one running trials elsewhere answers with Interrupted."""
    throw = getattr(stream, "throw", None)
    if throw is None:
        return []
    try:
        throw(KeyboardInterrupt())
    except Interrupted as stopped:
        return stopped.results
    except (KeyboardInterrupt, StopIteration):  # in-process executors: nothing elsewhere
        return []
    return []


def _trial_row(job: TrialJob) -> dict[str, Any]:
    return {"id": job.id, "position": job.position, **job.config()}
