"""A whole run: check the selection, plan the grid, run the trials, store them, render the report.

Everything that can be wrong with the input is found before the run folder is created, so a
bad command leaves nothing behind. Running the same command again on the same folder resumes:
finished trials are kept and only the others run.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

import ganbench
from ganbench.budget import Budget, check_checkpoints
from ganbench.errors import UsageError
from ganbench.grid import check_grid_size, plan_trials, select, stabiliser_sets
from ganbench.paths import make_folder
from ganbench.plugins import PluginOptions
from ganbench.registry import Registry, registry_for
from ganbench.runlock import LOCK_FILE, RunLock
from ganbench.store import Store
from ganbench.timing import TimeSplit, since_start
from ganbench.train import FastPaths
from ganbench.trial import Session, SessionKey, TrialJob, own_words, run_trial, session
from ganbench.types import DataOptions, Executor, ExecutorSpec, Interrupted, TrialResult


def cache_dir() -> str:
    return os.environ.get("GANBENCH_CACHE", str(Path.home() / ".cache" / "ganbench"))


@dataclass
class RunRequest:
    """A run as the command line states it."""

    models: list[str]
    losses: list[str]
    stabilisers: list[str]
    dataset: str
    seeds: int
    budget: Budget
    out: Path
    checkpoints: int = 4
    device: str = "auto"
    data: DataOptions = field(default_factory=DataOptions)
    metrics: list[str] | None = None
    metric_options: dict[str, Any] = field(default_factory=dict)
    hparams: dict[str, Any] = field(default_factory=dict)
    executor: str | None = None  # None: the one the executor options call for, else the default executor
    executor_options: dict[str, Any] = field(default_factory=dict)
    plugins: PluginOptions = field(default_factory=PluginOptions)
    command: str = ""
    cache: str = field(default_factory=cache_dir)
    fast: FastPaths = FastPaths()


@dataclass
class PlannedRun:
    request: RunRequest
    registry: Registry
    jobs: list[TrialJob]
    skipped: list[tuple[TrialJob, str]]
    session_key: SessionKey
    executor: Executor  # made (and its options checked) while planning
    start_up_seconds: float = 0.0  # until planning began
    preparation_seconds: float = 0.0  # planning: plugins, data, metrics


def resolve_device(name: str) -> str:
    if name == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UsageError(f"device '{name}' is not a device: use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise UsageError(f"device '{name}': CUDA is not available here; use --device cpu or auto")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise UsageError(f"device '{name}': there are {torch.cuda.device_count()} CUDA devices (cuda:0..)")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise UsageError(f"device '{name}': MPS is not available here; use --device cpu or auto")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise UsageError(f"device '{name}' is not supported: use auto, cpu, cuda, cuda:N or mps")
    return str(device)


def plan_run(request: RunRequest) -> PlannedRun:
    """Validate everything and build the trial list; raises UsageError before anything is written."""
    started = time.perf_counter()
    if request.seeds < 1:
        raise UsageError(f"--seeds {request.seeds}: the number of seeds must be at least 1")
    check_checkpoints(request.checkpoints)
    device = resolve_device(request.device)
    key = SessionKey(
        request.plugins,
        request.dataset,
        request.data,
        device,
        tuple(request.metrics) if request.metrics is not None else None,
        tuple(sorted(request.metric_options.items())),
        request.cache,
    )
    registry = registry_for(request.plugins)
    registry.get("datasets", request.dataset.partition(":")[0])  # a typo is reported before data loads
    models = select(registry, "models", request.models)
    losses = select(registry, "losses", request.losses)
    stabilisers = stabiliser_sets(registry, request.stabilisers)
    check_grid_size(len(models), len(losses), len(stabilisers), request.seeds)  # before a trial is planned
    # The executor checks its options (and Ray connects) now, before any data loads or folder exists.
    executor = choose_executor(registry, request.executor, request.executor_options).factory(request.executor_options)
    current = prepared_session(key)  # data and metrics, prepared once; a local executor reuses them
    planned = plan_trials(
        registry, current.dataset.shape, models, losses, stabilisers, list(range(request.seeds)), request.hparams
    )
    jobs, skipped = [], []
    for position, trial in enumerate(planned):
        plan = trial.plan
        job = TrialJob(
            plan.model.name,
            plan.loss.name,
            plan.stabilisers,
            plan.seed,
            plan.hparams.as_dict(),
            request.budget,
            request.checkpoints,
            key,
            tuple(trial.notes),
            position,
            request.fast,
        )
        if trial.skip_reason:
            skipped.append((job, trial.skip_reason))
        else:
            jobs.append(job)
    return PlannedRun(
        request, registry, jobs, skipped, key, executor, since_start(started), time.perf_counter() - started
    )


def prepared_session(key: SessionKey) -> Session:
    """trial.session, with its bad input as one line: an error raised in a DataLoader worker (a file
    that cannot be decoded while a metric is prepared) arrives with the worker's traceback as its text."""
    try:
        return session(key)
    except UsageError as error:
        raise UsageError(own_words(error)) from None
    except (MemoryError, RuntimeError) as error:
        # torch reports a failed CPU allocation as a RuntimeError; a data set too big for memory is bad input
        if not isinstance(error, MemoryError) and "can't allocate memory" not in str(error):
            raise
        size = f" at --image-size {key.data.image_size}" if key.data.image_size else ""
        raise UsageError(
            f"not enough memory to hold {key.dataset}{size} ({str(error).splitlines()[0][:200]}); "
            "choose a smaller --image-size or a smaller data set"
        ) from None


def choose_executor(registry: Registry, name: str | None, options: dict[str, Any]) -> ExecutorSpec:
    """The named executor; else the one whose ``chosen_when`` the options meet; else the default one."""
    if name is not None:
        return registry.get("executors", name)
    wanted = [spec for spec in registry.all("executors") if spec.chosen_when(options)]
    if len(wanted) > 1:
        given = ", ".join(f"--{key.replace('_', '-')}" for key in options)
        names = " and ".join(spec.name for spec in wanted)
        raise UsageError(f"the options {given} call for the executors {names} at once; choose one with --executor")
    wanted = wanted or [spec for spec in registry.all("executors") if spec.default]
    if not wanted:
        raise UsageError(
            "no installed executor is the default; choose one with --executor (see `ganbench list executors`)"
        )
    return wanted[0]


def manifest(run: PlannedRun) -> dict[str, Any]:
    device = run.session_key.device
    versions = {"ganbench": ganbench.__version__, "python": platform.python_version(), "torch": torch.__version__}
    for package in ("torchvision", "torch_fidelity", "pluggy", "pandas", "numpy"):
        try:
            versions[package] = __import__(package).__version__
        except Exception:
            pass
    return {
        "command": run.request.command,
        "versions": versions,
        "device": torch.cuda.get_device_name(torch.device(device))
        if device.startswith("cuda")
        else f"{device} ({platform.processor() or platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} threads)",
        "platform": platform.platform(),
        "plugins": [vars(p) for p in run.registry.plugins.loaded],
        "plugin_failures": [str(f) for f in run.registry.plugins.failures],
        "git_revision": _git_revision(),
    }


def _git_revision() -> str | None:
    try:
        return (
            subprocess.run(
                ["git", "rev-parse", "HEAD"],
                cwd=Path(ganbench.__file__).parent,
                capture_output=True,
                text=True,
                timeout=5,
            ).stdout.strip()
            or None
        )
    except Exception:
        return None


@contextmanager
def run_folder(run: PlannedRun) -> Iterator[Store]:
    """The run folder (open_run_folder), held by this process until the block ends, however it ends.

    A second `ganbench run` on the folder meanwhile is refused in one line naming this process
    (ganbench.runlock), so no trial is trained twice; the store is closed and the lock released
    on the way out, on Ctrl-C and on errors too.
    """
    lock = RunLock(run.request.out)
    store = open_run_folder(run, lock)
    try:
        yield store
    finally:
        store.close()
        lock.release()


def open_run_folder(run: PlannedRun, lock: RunLock | None = None) -> Store:
    """Create or reopen the run folder; a folder holding a different grid, or the same over other data, is refused.

    With a lock, the folder is locked before its database is touched (and unlocked again if refused).
    """
    out = run.request.out
    grid = sorted([job.id for job in run.jobs] + [job.id for job, _ in run.skipped])
    fingerprint = session(run.session_key).dataset.fingerprint()  # hashes every sample held in memory: once
    resuming = (out / "results.sqlite").exists()
    if not resuming and out.exists() and any(p.name != LOCK_FILE for p in out.iterdir()):
        raise UsageError(f"--out {out} exists and is not a ganbench run folder; choose an empty or new folder")
    make_folder(out)
    if lock is not None:
        lock.acquire()
    store = None
    try:
        store = Store(out)
        if resuming:
            _check_same_run(store, run, grid, fingerprint)
        _record_run_facts(store, run, grid, fingerprint)
    except BaseException:
        if store is not None:
            store.close()
        if lock is not None:
            lock.release()
        raise
    return store


def _check_same_run(store: Store, run: PlannedRun, grid: list[str], fingerprint: str) -> None:
    """A resume: the same grid over the same samples; else refused, and the folder left as it was."""
    out = run.request.out
    if store.get("grid") == grid:
        # The same names over other samples (a folder that gained files) is another experiment.
        earlier = store.get("dataset", {}).get("fingerprint")
        if earlier not in (None, fingerprint):
            raise UsageError(
                f"--out {out} was run on other data: {run.request.dataset} has changed since "
                f"(fingerprint {earlier}, now {fingerprint}); choose a new --out"
            )
        return
    if store.get("grid") is not None or store.finished_ids():
        raise UsageError(f"--out {out} holds a run with a different grid; choose a new --out to keep both")
    # else: killed while the folder was being created; start it again


def _record_run_facts(store: Store, run: PlannedRun, grid: list[str], fingerprint: str) -> None:
    """What every report states about the run; written again on a resume (how data was read may differ)."""
    data = session(run.session_key).dataset
    store.set("grid", grid)
    store.set("metric_info", session(run.session_key).evaluator.facts(run.request.metric_options))
    store.set("budget", str(run.request.budget))
    store.set("checkpoints", run.request.checkpoints)
    store.set(
        "dataset",
        {
            "name": run.request.dataset,
            "shape": str(data.shape),
            "samples": len(data),
            "modes": len(data.modes) if data.modes is not None else None,
            "classes": data.num_classes or None,
            "source": data.source,
            "loading": data.loading,
            "fingerprint": fingerprint,
        },
    )


def execute(
    run: PlannedRun,
    store: Store,
    *,
    on_log: Callable[[TrialJob], Any] | None = None,
    on_result: Callable[[TrialJob, TrialResult], None] = lambda job, result: None,
    fail_fast: bool = False,
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
    pending = [job for job in run.jobs if job.id not in finished]
    by_id = {job.id: job for job in pending}
    results: list[TrialResult] = []

    def keep(result: TrialResult) -> None:
        job = by_id[result.id]
        store.record(_trial_row(job), result, [*job.notes, *result.notes])
        results.append(result)
        on_result(job, result)

    started = time.perf_counter()
    stream = run.executor.run(pending, run_trial, on_log)
    try:
        for result in stream:
            keep(result)
            if result.status == "interrupted":
                raise KeyboardInterrupt
            if fail_fast and result.status != "done":
                break
    except Interrupted as stopped:
        for result in stopped.results:
            keep(result)
        raise
    except KeyboardInterrupt:  # Ctrl-C landed here, between results: the executor says what was in flight
        for result in _in_flight(stream):
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
            sum(r.usage.seconds for r in results),
            sum(r.eval_seconds for r in results),
            len(results),
        )
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
