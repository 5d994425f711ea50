"""A whole run: check the selection, plan the grid, run the trials, store them, render the report.

Everything that can be wrong with the input is found before the run folder is created, so a
bad command leaves nothing behind. Running the same command again on the same folder resumes:
finished trials are kept and only the others run.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ganbench.budget import Budget, check_checkpoints
from ganbench.errors import UsageError
from ganbench.evaluate import choose_metrics
from ganbench.failures import own_words
from ganbench.grid import check_grid_size, plan_trials, select_choices, stabiliser_sets
from ganbench.loggers import check_loggers
from ganbench.plugins import PluginOptions
from ganbench.registry import Registry, registry_for
from ganbench.settings import Assignment, Setting, check_settings, combinations, label
from ganbench.timing import since_start
from ganbench.train import FastPaths
from ganbench.trial import Session, SessionKey, TrialJob, session
from ganbench.tuning import Tuning
from ganbench.types import DataOptions, Executor, ExecutorSpec, LogContext
from ganbench.watchdog import seconds_for


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
    settings: list[Setting] = field(default_factory=list)  # --set
    tune: int = 0  # --tune N: N configurations per variant, then the best of each with fresh seeds
    tune_seed: int = 0  # seeds the Sobol points: the same for every variant with the same space
    select: str | None = None  # the measurement tuning selects by (None: the metrics' own choice)
    dry_run: bool = False  # plan and report the plan: metrics are chosen, not prepared
    resume_stale: bool = False  # resume even if the kept trials were measured with other components
    threads: int | None = None  # --threads: torch threads per trial on a CPU (None: ganbench.threads chooses)
    trial_timeout: float | None = None  # --trial-timeout (None: ganbench.watchdog's default for the budget)
    executor: str | None = None  # None: the one the executor options call for, else the default executor
    executor_options: dict[str, Any] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)  # --log: the loggers that follow the trials
    log_dir: Path | None = None  # --log-dir (None: logs in the run folder)
    log_options: dict[str, Any] = field(default_factory=dict)  # the options loggers added
    plugins: PluginOptions = field(default_factory=PluginOptions)
    command: str = ""
    cache: str = field(default_factory=cache_dir)
    fast: FastPaths = FastPaths()
    batch: bool = True  # trials that stack train as one ensemble (ganbench.batching); --no-batch: each alone


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
    tuning: Tuning | None = None  # a tuned run: the jobs above are its first phase
    log: LogContext | None = None  # the loggers' context, once they started (ganbench.loggers.start_run)
    elsewhere: bool = False  # the executor runs the trials on other machines (ExecutorSpec.runs_elsewhere)


def resolve_device(name: str, elsewhere: bool = False) -> str:
    """The device trials train on; ``elsewhere`` (a cluster's executor): 'cuda' is the workers', not this machine's."""
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
    if device.type == "cuda" and elsewhere:
        if device.index:  # a task is given one GPU, which it sees as cuda:0
            raise UsageError(f"--device {name}: each trial on the cluster is given one GPU; give --device cuda")
        return "cuda"  # the driver may have no GPU at all; each worker finds its own
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
    registry = registry_for(request.plugins)
    spec = choose_executor(registry, request.executor, request.executor_options)
    elsewhere = spec.runs_elsewhere(request.executor_options)
    key = session_key(request, elsewhere=elsewhere)
    registry.get("datasets", request.dataset.partition(":")[0])  # a typo is reported before data loads
    models = select_choices(registry, "models", request.models)
    losses = select_choices(registry, "losses", request.losses)
    stabilisers = stabiliser_sets(registry, request.stabilisers)
    check_loggers(registry, request.log)  # a missing extra is one line, before any data loads
    check_settings(request.settings, registry, models, losses, stabilisers)
    assignments = grid_points(request.settings)
    per_variant = request.tune or request.seeds
    check_grid_size(len(models), len(losses), len(stabilisers) * len(assignments), per_variant)
    tuning = Tuning.plan(request, registry, models, losses, stabilisers, assignments) if request.tune else None
    # The executor checks its options (and Ray connects) now, before any data loads or folder exists.
    executor = spec.factory(request.executor_options)
    if tuning is not None:
        key = tuning.selection_key(key)
    # Data and metrics, prepared once (a local executor reuses them); a dry run prepares no metric.
    current = prepared_session(planning_key(key, request.dry_run, elsewhere))
    shape = current.dataset.shape
    if tuning is None:
        planned = plan_trials(registry, shape, models, losses, stabilisers, list(range(request.seeds)), assignments)
    else:
        names = list(request.metrics) if request.metrics is not None else None
        tuning.check_selection(choose_metrics(registry, current.dataset, names, dict(key.metric_options)))
        planned = tuning.first_phase(registry, shape)
    jobs, skipped = trial_jobs(request, key, planned)
    return PlannedRun(
        request, registry, jobs, skipped, key, executor, since_start(started), time.perf_counter() - started, tuning,
        elsewhere=elsewhere,
    )  # fmt: skip


def planning_key(key: SessionKey, dry_run: bool, elsewhere: bool = False) -> SessionKey:
    """What this process prepares to plan: a dry run no metric; trials that run elsewhere, the CPU here
    (the driver's GPU, if it has one, is not the trials' and need not hold their data and metrics)."""
    if dry_run:
        key = dataclasses.replace(key, metrics=("none",))
    if elsewhere:
        key = dataclasses.replace(key, device="cpu")
    return key


def session_key(
    request: RunRequest, metric_options: dict[str, Any] | None = None, elsewhere: bool = False
) -> SessionKey:
    """``elsewhere``: the executor runs trials on other machines, so their device is checked there, not here."""
    options = request.metric_options if metric_options is None else metric_options
    return SessionKey(
        request.plugins,
        request.dataset,
        request.data,
        resolve_device(request.device, elsewhere),
        tuple(request.metrics) if request.metrics is not None else None,
        tuple(sorted(options.items())),
        request.cache,
    )


def grid_points(settings: list[Setting]) -> list[Assignment]:
    """One assignment per point of the grid the --set axes span, labelled by the values that vary."""
    axes = {setting: len(setting.values) > 1 for setting in settings}
    return [Assignment.of(choice, label(choice, axes)) for choice in combinations(settings)]


def trial_jobs(
    request: RunRequest, key: SessionKey, planned: list, first_position: int = 0
) -> tuple[list[TrialJob], list[tuple[TrialJob, str]]]:
    """The planned trials as jobs (plain data for any executor), and the skipped ones with their reasons."""
    jobs, skipped = [], []
    for position, trial in enumerate(planned, start=first_position):
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
            plan.loss_params,
            trial.settings,
            trial.phase,
            request.threads,
            seconds_for(request.budget, request.trial_timeout),
        )
        if trial.skip_reason:
            skipped.append((job, trial.skip_reason))
        else:
            jobs.append(job)
    return jobs, skipped


def final_phase(run: PlannedRun, store) -> PlannedRun:
    """A tuned run's second phase, once its first is stored: the best of each variant, with fresh seeds."""
    assert run.tuning is not None
    started = time.perf_counter()
    key = run.tuning.final_key(run.session_key)
    current = prepared_session(planning_key(key, dry_run=False, elsewhere=run.elsewhere))
    order = sorted([*run.jobs, *(job for job, _ in run.skipped)], key=lambda job: job.position)
    n = run.tuning.n
    ids = [[job.id for job in order[i : i + n]] for i in range(0, len(order), n)]
    planned = run.tuning.second_phase(run.registry, current.dataset.shape, store, ids)
    jobs, skipped = trial_jobs(run.request, key, planned, first_position=len(order))
    return dataclasses.replace(
        run, jobs=jobs, skipped=skipped, session_key=key, tuning=None,
        start_up_seconds=0.0, preparation_seconds=time.perf_counter() - started,
    )  # fmt: skip


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
