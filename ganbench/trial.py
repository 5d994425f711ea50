"""One trial, start to end, isolated: whatever happens inside comes back as a TrialResult.

A :class:`TrialJob` is plain data (names, numbers), so it can travel to a worker process or
a Ray task; the worker rebuilds its plugins, data and metrics once per process (``session``).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import io
import json
import time
from dataclasses import asdict, dataclass
from typing import Any

import torch

from ganbench import conditioning, ensemble, gpu, notes
from ganbench.budget import Budget, TrainingClock
from ganbench.errors import UsageError
from ganbench.evaluate import Evaluator, choose_metrics, sample_picture
from ganbench.failures import blame, failed, loaded_modules, plugin_modules, status_of
from ganbench.loggers import TrialLoggers
from ganbench.plugins import PluginOptions
from ganbench.registry import Registry, registry_for
from ganbench.threads import choose_threads, load_average
from ganbench.train import Diverged, FastPaths, build_setup, train_members
from ganbench.types import (
    INTERRUPTED_REASON,
    CheckpointPicture,
    CheckpointValue,
    DataOptions,
    Dataset,
    LogContext,
    Measurement,
    MetricContext,
    StabiliserChoice,
    StreamedDataset,
    TrialPlan,
    TrialResult,
    Usage,
)
from ganbench.watchdog import Watchdog, progress


@dataclass(frozen=True)
class SessionKey:
    """What a process needs to run trials of one run: same key, same prepared data and metrics."""

    plugins: PluginOptions
    dataset: str
    data: DataOptions
    device: str
    metrics: tuple[str, ...] | None
    metric_options: tuple[tuple[str, Any], ...]
    cache_dir: str


@dataclass
class Session:
    registry: Registry
    dataset: Dataset  # on the device: the whole data set, the metrics' reference
    evaluator: Evaluator
    setup_seconds: float
    training_data: Dataset  # what training draws from: ``dataset``, or its --data-fraction share


def load_dataset(registry: Registry, name: str, options: DataOptions) -> Dataset:
    """'digits' or 'folder:PATH': the part after ':' is the data set's argument."""
    base, _, argument = name.partition(":")
    spec = registry.get("datasets", base)
    if spec.takes_argument and not argument:
        raise UsageError(f"data set '{spec.name}' needs an argument: {spec.name}:PATH")
    if argument and not spec.takes_argument:
        raise UsageError(f"data set '{spec.name}' takes no argument, got '{name}'")
    return spec.load(dataclasses.replace(options, argument=argument))


@functools.lru_cache(maxsize=2)
def session(key: SessionKey) -> Session:
    started = time.perf_counter()
    registry = registry_for(key.plugins)
    device = torch.device(key.device)
    dataset = load_dataset(registry, key.dataset, key.data).to(device)
    options = dict(key.metric_options)
    specs = choose_metrics(registry, dataset, list(key.metrics) if key.metrics is not None else None, options)
    context = MetricContext(dataset, device, key.cache_dir, options)  # the whole data set: FID's full reference
    with gpu.evaluating_on(device):
        evaluator = Evaluator.prepare(specs, context)
    training = training_share(dataset, key.data.fraction)
    return Session(registry, dataset, evaluator, time.perf_counter() - started, training)


#: seeds the --data-fraction subset: a constant, so every trial and every process of a run (and every
#: run with the same fraction) trains on the same samples, whatever the trial's own seed
SHARE_SEED = 0


def training_share(dataset: Dataset, fraction: float) -> Dataset:
    """``fraction`` of the samples, chosen at random with a fixed seed, as a data set of the same kind."""
    if fraction >= 1.0:
        return dataset
    n = len(dataset)
    keep = max(1, round(fraction * n))
    index = torch.randperm(n, generator=torch.Generator().manual_seed(SHARE_SEED))[:keep].sort().values
    labels = None if dataset.labels is None else dataset.labels[index.to(dataset.labels.device)]
    if isinstance(dataset, StreamedDataset):
        share = copy.copy(dataset)  # the same loader settings, over a Subset of its items
        share.items = torch.utils.data.Subset(dataset.items, index.tolist())
        share.labels, share.identity = labels, f"{dataset.identity} (share {fraction:g}, seed {SHARE_SEED})"
        return share
    return dataclasses.replace(dataset, x=dataset.x[index.to(dataset.x.device)], labels=labels)


@dataclass
class TrialJob:
    """One trial as plain data. Its id is a hash of everything that defines what it measures."""

    model: str
    loss: str
    stabilisers: tuple[StabiliserChoice, ...]
    seed: int
    hparams: dict[str, Any]
    budget: Budget
    checkpoints: int
    session: SessionKey
    notes: tuple[str, ...] = ()
    position: int = 0
    fast: FastPaths = FastPaths()
    loss_params: tuple[tuple[str, Any], ...] = ()
    settings: str = ""  # what --set or --tune chose, as the table shows it
    phase: str = ""  # "tune" or "final" in a tuned run
    # How it runs, not what it measures (not part of the id): torch threads (None: chosen, see
    # ganbench.threads), the seconds without progress after which it is ended (None: never), its loggers.
    threads: int | None = None
    timeout: float | None = None
    log: LogContext | None = None  # where --log's loggers write (None: no logger)

    def config(self) -> dict[str, Any]:
        """What the trial measures; keys that are empty for most runs are left out, so old ids stand."""
        extra = {"loss_params": dict(self.loss_params), "settings": self.settings, "phase": self.phase}
        if self.session.data.fraction != 1.0:  # another share of the data is another experiment
            extra["data_fraction"] = self.session.data.fraction
        return {
            **{key: value for key, value in extra.items() if value},
            "model": self.model,
            "loss": self.loss,
            "stabilisers": "+".join(map(str, self.stabilisers)) or "none",
            "seed": self.seed,
            "hparams": self.hparams,
            "dataset": self.session.dataset,
            "image_size": self.session.data.image_size,
            "budget": str(self.budget),
            "checkpoints": self.checkpoints,
            "device": self.session.device,
            "metrics": list(self.session.metrics) if self.session.metrics is not None else "default",
            "metric_options": dict(self.session.metric_options),
            "fast_paths": asdict(self.fast),
        }

    @property
    def device(self) -> str:
        """Where the trial trains (e.g. 'cuda'): what an executor may read of a job, with its id."""
        return self.session.device

    @property
    def id(self) -> str:
        text = json.dumps(self.config(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def run_trial(job: TrialJob, on_log=None) -> TrialResult:
    """Train and evaluate one trial; failures are recorded in the result, never raised."""
    return run_members([job], on_log)[0]


def run_members(jobs: list[TrialJob], on_log=None) -> list[TrialResult]:
    """Train and evaluate trials of one session: one alone, several as one batched ensemble
    (ganbench.ensemble). Failures are recorded in the results, never raised."""
    results = [TrialResult(job.id, "running") for job in jobs]
    first = jobs[0]
    with Watchdog(first.timeout):  # a trial that stops making progress ends 'timeout', naming what hung
        try:
            current = session(first.session)
        except Exception as error:  # data or metrics could not be prepared in this process
            return [failed(r, status_of(error), error, loaded_modules(first.session.plugins)) for r in results]
        modules = plugin_modules(current.registry)
        hook = current.registry.plugins.manager.hook
        configs = [config_of(job) for job in jobs]
        device = torch.device(first.session.device)
        memory = gpu.MemoryPeaks(device)  # training's peak apart from evaluation's
        memory.start()
        observer_failures: dict[str, list[str]] = {job.id: [] for job in jobs}  # by the trial observed

        def notify(event: str, **kwargs: Any) -> None:
            """Observers follow a trial without touching it: their failures are reported, never fatal."""
            try:
                getattr(hook, event)(**kwargs)
            except Exception as error:
                observer_failures[kwargs["trial"]["id"]].append(
                    f"observer of {event} failed: {type(error).__name__}: {error} (in {blame(error, modules)})"
                )
            progress()

        threads = torch.get_num_threads()
        loggers = [TrialLoggers(current.registry, job.log, config) for job, config in zip(jobs, configs, strict=True)]
        try:
            for config in configs:
                notify("ganbench_trial_started", trial=config)
            with gpu.trial_settings(device, first.fast.cudnn_benchmark):
                described = gpu.describe(device)
                for result in results:
                    result.device_info = described
                _train(jobs, current, results, notify, on_log, loggers, memory, modules)
        except Exception as error:
            status = "diverged" if isinstance(error, Diverged) else status_of(error)
            status = "oom" if isinstance(error, torch.cuda.OutOfMemoryError) else status
            for result in _running(results):  # a member that ended on its own evaluation's error keeps it
                failed(result, status, error, modules)
        except KeyboardInterrupt:  # Ctrl-C: returned, not raised, so the runner can store it before it stops
            for result in _running(results):
                result.status, result.reason = "interrupted", INTERRUPTED_REASON
        finally:
            torch.set_num_threads(threads)  # the next trial in this process chooses its own
            memory.finish()
            for result in results:
                result.peak_memory_mb, result.eval_peak_memory_mb = memory.training_mb, memory.evaluation_mb
        if any(result.status == "oom" for result in results):  # its tensors are garbage now: free them
            gpu.release(device)
        for config, result, logger in zip(configs, results, loggers, strict=True):
            summary = {"steps": result.usage.steps, "seconds": result.usage.seconds, "steps_per_s": result.steps_per_s}
            summary.update({c.measurement.column: c.measurement.value for c in result.checkpoints})
            notify("ganbench_trial_finished", trial=config, status=result.status, summary=summary)
            logger.finished(result.status, summary, result.scalars)
    for result, logger in zip(results, loggers, strict=True):
        result.reason = "; ".join([result.reason, *observer_failures[result.id], *logger.failures]).strip("; ")
    return results


def _running(results: list[TrialResult]) -> list[TrialResult]:
    return [result for result in results if result.status == "running"]


def _train(
    jobs: list[TrialJob],
    current: Session,
    results: list[TrialResult],
    notify,
    on_log,
    loggers: list[TrialLoggers],
    memory: gpu.MemoryPeaks,
    modules: tuple[str, ...] = (),
) -> None:
    """Build the trials, choose their threads, train them under their budget with checkpoints, keep G's weights.

    In an ensemble a member whose evaluation fails (a metric raised or hung) ends with that error and
    the others train on: one trial's failure never takes the others down. A failing step is shared
    by all, and ends them all.
    """
    device, first = memory.device, jobs[0]
    plans = [plan_for(job, current) for job in jobs]
    if len(plans) == 1:
        setup = build_setup(plans[0], current.registry, device, first.fast)
    else:
        setup = ensemble.build_ensemble(plans, current.registry, device, first.fast)
    members = setup.members or [setup]
    threads = choose_threads(first.threads, None, device)
    torch.set_num_threads(threads)
    load_at_start = load_average()

    def on_first_step(flops: int | None) -> None:
        """A small step trains on from here on one thread (the first step, counted, is warm-up)."""
        chosen = choose_threads(first.threads, flops, device)
        torch.set_num_threads(chosen)
        for result in results:
            result.threads = chosen
            result.gflop_per_step = flops / len(jobs) / 1e9 if flops is not None else None

    def on_checkpoint(index: int, usage: Usage) -> None:
        for job, member, result, logger in zip(jobs, members, results, loggers, strict=True):
            if result.status != "running":  # a member whose evaluation failed earlier
                continue
            try:
                measurements = _evaluate(job, current, member, result, logger, index, usage, memory)
            except Exception as error:
                if len(jobs) == 1:
                    raise
                failed(result, status_of(error), error, modules)
                continue
            notify(
                "ganbench_checkpoint",
                trial=config_of(job),
                checkpoint=index,
                step=usage.steps,
                seconds=usage.seconds,
                measurements=measurements,
            )

    for result in results:
        result.threads = threads
    outcomes = train_members(
        setup,
        current.training_data,
        first.budget,
        TrainingClock(device),
        checkpoints=first.checkpoints,
        on_checkpoint=on_checkpoint,
        on_log=logged_to(on_log, loggers),
        on_first_step=None if first.fast.compile else on_first_step,  # a compiled step is not counted
    )
    ensemble.untie(setup)
    load = max(filter(None, (load_at_start, load_average())), default=None)
    for job, plan, member, result, outcome in zip(jobs, plans, members, results, outcomes, strict=True):
        if result.status != "running":  # ended by its own evaluation's failure
            continue
        _finished(job, plan, current, member, result, outcome, load, device)
        if len(jobs) > 1:
            result.notes.append(notes.batched(len(jobs), outcome.steps_per_s))
    if setup.compiled:
        for result in results:
            result.notes.append(f"compiled: {setup.compiled}{notes.compile_fallbacks()}")


def _evaluate(job: TrialJob, current: Session, setup, result: TrialResult, logger: TrialLoggers, index: int,
              usage: Usage, memory: gpu.MemoryPeaks) -> list[Measurement]:  # fmt: skip
    """One checkpoint of one trial, the clock paused: its metrics and its sample grid."""
    started = time.perf_counter()
    with memory.evaluation(), gpu.evaluating_on(memory.device):
        frequencies = conditioning.class_frequencies(current.training_data) if setup.conditional else None
        generator, z_dim = conditioning.for_sampling(setup.evaluated, setup.hparams.z_dim, frequencies)
        measurements = current.evaluator.evaluate(generator, z_dim, job.seed)
        picture = sample_picture(generator, z_dim, job.seed, current.dataset)
    result.checkpoints += [CheckpointValue(index, usage.steps, usage.seconds, m) for m in measurements]
    result.pictures.append(CheckpointPicture(index, usage.steps, usage.seconds, picture))
    result.eval_seconds += time.perf_counter() - started  # what the loggers then take is neither
    logger.checkpoint(index, usage.steps, usage.seconds, measurements, picture)
    return measurements


def _finished(job: TrialJob, plan: TrialPlan, current: Session, setup, result: TrialResult, outcome, load,
              device: torch.device) -> None:  # fmt: skip
    """What one trial's training leaves in its result: usage, throughput, notes, G's weights."""
    result.usage, result.scalars = outcome.usage, outcome.scalars
    if outcome.usage.flops and outcome.usage.steps:  # the mean over training: a growing model's step grows dearer
        result.gflop_per_step = outcome.usage.flops / outcome.usage.steps / 1e9
    result.steps_per_s, result.images_per_s = outcome.steps_per_s, outcome.images_per_s
    result.data_wait_share = outcome.data_wait_share
    result.load_average = load
    if outcome.diverged is not None:  # a batched member that diverged while the others trained on
        result.status, result.reason = "diverged", f"Diverged: {outcome.diverged}"
        return
    result.status = "done"
    result.notes += notes.how_it_trained(outcome, plan.model, current.dataset, result, job.budget, device)
    # What the metrics scored is the trial's generator (the EMA of G where it kept one); G itself beside it.
    result.generator_state = weights(setup.evaluated)
    if setup.average is not None and setup.average.enabled:
        result.evaluated = setup.average.label
        result.raw_generator_state = weights(setup.generator)


def weights(module: torch.nn.Module) -> bytes:
    """A generator's weights as the run folder keeps them: its state dict, saved by torch."""
    buffer = io.BytesIO()
    # A compiled generator's own state dict prefixes every key with '_orig_mod.': save the module's.
    torch.save(getattr(module, "_orig_mod", module).state_dict(), buffer)
    return buffer.getvalue()


def logged_to(on_log, loggers: list[TrialLoggers]):
    """Each member's logs to its loggers, and to the progress display (``on_log``, where the trials run in
    the driver)."""

    def logged(usage: Usage, values: dict[str, float], member: int) -> None:
        if on_log is not None:
            on_log(usage, values)
        loggers[member].logged(usage.steps, usage.seconds, values)

    return logged


def config_of(job: TrialJob) -> dict[str, Any]:
    return {"id": job.id, **job.config()}


def plan_for(job: TrialJob, current: Session) -> TrialPlan:
    registry = current.registry
    model = registry.get("models", job.model)
    return TrialPlan(
        model,
        model.objective_loss() if model.objective is not None else registry.get("losses", job.loss),
        job.stabilisers,
        job.seed,
        model.hparams.replace(**_hparams(job.hparams)),
        current.dataset.shape,
        job.loss_params,
    )


def _hparams(values: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if k == "betas" else v for k, v in values.items()}
