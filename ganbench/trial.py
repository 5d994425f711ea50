"""One trial, start to end, isolated: whatever happens inside comes back as a TrialResult.

A :class:`TrialJob` is plain data (names, numbers), so it can travel to a worker process or
a Ray task; the worker rebuilds its plugins, data and metrics once per process (``session``).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from ganbench.budget import Budget, TrainingClock, Usage
from ganbench.errors import UsageError
from ganbench.evaluate import Evaluator, choose_metrics, sample_picture
from ganbench.registry import Registry, load_registry
from ganbench.streaming import StreamedDataset
from ganbench.train import Diverged, FastPaths, Scalar, build_setup, train
from ganbench.types import DataOptions, Dataset, DatasetSpec, MetricContext, StabiliserChoice, TrialPlan


@dataclass(frozen=True)
class PluginOptions:
    external: bool | None = None  # None: follow GANBENCH_DISABLE_EXTERNAL_PLUGINS
    modules: tuple[str, ...] = ()  # --plugin MODULE
    strict: bool = False


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
    dataset: Dataset  # on the device
    evaluator: Evaluator
    setup_seconds: float


def load_dataset(registry: Registry, name: str, options: DataOptions) -> Dataset:
    """'digits' or 'folder:PATH': the part after ':' is the data set's argument."""
    base, _, argument = name.partition(":")
    spec: DatasetSpec = registry.get("datasets", base)  # type: ignore[assignment]
    if spec.takes_argument and not argument:
        raise UsageError(f"data set '{spec.name}' needs an argument: {spec.name}:PATH")
    if argument and not spec.takes_argument:
        raise UsageError(f"data set '{spec.name}' takes no argument, got '{name}'")
    return spec.load(dataclasses.replace(options, argument=argument))


@functools.lru_cache(maxsize=2)
def registry_for(plugins: PluginOptions) -> Registry:
    return load_registry(external=plugins.external, extra_modules=plugins.modules, strict=plugins.strict)


@functools.lru_cache(maxsize=2)
def session(key: SessionKey) -> Session:
    started = time.perf_counter()
    registry = registry_for(key.plugins)
    device = torch.device(key.device)
    dataset = load_dataset(registry, key.dataset, key.data).to(device)
    specs = choose_metrics(registry, dataset, list(key.metrics) if key.metrics is not None else None)
    context = MetricContext(dataset, device, key.cache_dir, dict(key.metric_options))
    evaluator = Evaluator.prepare(specs, context)
    return Session(registry, dataset, evaluator, time.perf_counter() - started)


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

    def config(self) -> dict[str, Any]:
        return {
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
    def id(self) -> str:
        text = json.dumps(self.config(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class CheckpointValue:
    checkpoint: int
    step: int
    seconds: float
    measurement: Any  # a types.Measurement


@dataclass
class CheckpointPicture:
    """Samples from fixed latents at a checkpoint: an image grid, or 2D points over the modes."""

    checkpoint: int
    step: int
    seconds: float
    png: bytes


@dataclass
class TrialResult:
    id: str
    status: str  # done | diverged | oom | error | interrupted | skipped
    reason: str = ""  # the skip reason or the error's one line
    traceback: str = ""
    usage: Usage = field(default_factory=Usage)
    eval_seconds: float = 0.0
    steps_per_s: float | None = None
    images_per_s: float | None = None
    peak_memory_mb: float | None = None
    data_wait_share: float | None = None  # of the throughput window, spent waiting for real batches
    notes: list[str] = field(default_factory=list)  # facts found while training, for the report
    scalars: list[Scalar] = field(default_factory=list)
    checkpoints: list[CheckpointValue] = field(default_factory=list)
    pictures: list[CheckpointPicture] = field(default_factory=list)
    generator_state: bytes | None = None

    @property
    def error(self) -> str:
        return self.reason if self.status not in ("done", "skipped") else ""


#: a trial that waits longer than this share of its training time for data is called data-bound in its notes
DATA_BOUND = 0.10

INTERRUPTED = "interrupted by the user (Ctrl-C); run the same command again to redo it"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C reached an executor that runs trials elsewhere: ``results`` says which were cut short.

    An executor raises it from ``run`` with an 'interrupted' :class:`TrialResult` for every trial
    in flight, so the runner records them before it stops; in-process executors need not, as
    ``run_trial`` itself returns the interrupted result.
    """

    def __init__(self, results: list[TrialResult]):
        super().__init__(f"{len(results)} trials interrupted")
        self.results = results


def interrupted(job: TrialJob) -> TrialResult:
    return TrialResult(job.id, "interrupted", INTERRUPTED)


def run_trial(job: TrialJob, on_log=None) -> TrialResult:
    """Train and evaluate one trial; failures are recorded in the result, never raised."""
    result = TrialResult(job.id, "running")
    try:
        current = session(job.session)
    except Exception as error:  # data or metrics could not be prepared in this process
        return _failed(result, "error", error)
    hook = current.registry.plugins.manager.hook
    config = {"id": job.id, **job.config()}
    device = torch.device(job.session.device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    observer_failures: list[str] = []

    def notify(event: str, **kwargs: Any) -> None:
        """Observers follow a trial without touching it: their failures are reported, never fatal."""
        try:
            getattr(hook, event)(**kwargs)
        except Exception as error:
            observer_failures.append(f"observer of {event} failed: {type(error).__name__}: {error} (in {blame(error)})")

    try:
        notify("ganbench_trial_started", trial=config)
        plan = plan_for(job, current)
        setup = build_setup(plan, current.registry, device, job.fast)
        clock = TrainingClock(device)

        def on_checkpoint(index: int, usage: Usage) -> None:
            started = time.perf_counter()
            measurements = current.evaluator.evaluate(setup.generator, setup.hparams.z_dim, job.seed)
            result.checkpoints += [CheckpointValue(index, usage.steps, usage.seconds, m) for m in measurements]
            picture = sample_picture(setup.generator, setup.hparams.z_dim, job.seed, current.dataset)
            result.pictures.append(CheckpointPicture(index, usage.steps, usage.seconds, picture))
            result.eval_seconds += time.perf_counter() - started
            notify(
                "ganbench_checkpoint",
                trial=config,
                checkpoint=index,
                step=usage.steps,
                seconds=usage.seconds,
                measurements=measurements,
            )

        outcome = train(
            setup,
            current.dataset,
            job.budget,
            clock,
            checkpoints=job.checkpoints,
            on_checkpoint=on_checkpoint,
            on_log=on_log or (lambda usage, values: None),
        )
        result.status = "done"
        result.usage, result.scalars = outcome.usage, outcome.scalars
        result.steps_per_s, result.images_per_s = outcome.steps_per_s, outcome.images_per_s
        result.data_wait_share = outcome.data_wait_share
        if outcome.data_wait_share > DATA_BOUND:
            result.notes.append(data_bound_note(outcome.data_wait_share, current.dataset))
        buffer = io.BytesIO()
        torch.save(setup.generator.state_dict(), buffer)
        result.generator_state = buffer.getvalue()
    except Diverged as error:
        _failed(result, "diverged", error)
    except torch.cuda.OutOfMemoryError as error:
        _failed(result, "oom", error)
    except KeyboardInterrupt:  # Ctrl-C: returned, not raised, so the runner can store it before it stops
        result.status, result.reason = "interrupted", INTERRUPTED
    except Exception as error:
        _failed(result, "error", error)
    finally:
        if device.type == "cuda":
            result.peak_memory_mb = torch.cuda.max_memory_allocated(device) / 2**20
    summary = {"steps": result.usage.steps, "seconds": result.usage.seconds, "steps_per_s": result.steps_per_s}
    summary.update({c.measurement.column: c.measurement.value for c in result.checkpoints})
    notify("ganbench_trial_finished", trial=config, status=result.status, summary=summary)
    result.reason = "; ".join([result.reason, *observer_failures]).strip("; ")
    return result


def data_bound_note(share: float, dataset: Dataset) -> str:
    advice = "; more --data-workers would help where cores are free" if isinstance(dataset, StreamedDataset) else ""
    return (
        f"waited {share:.1%} of its timed training for real batches: the data loader, not the model, "
        f"limited its steps/s ({dataset.loading}{advice})"
    )


def plan_for(job: TrialJob, current: Session) -> TrialPlan:
    registry = current.registry
    model = registry.get("models", job.model)
    return TrialPlan(
        model,
        registry.get("losses", job.loss),
        job.stabilisers,
        job.seed,  # type: ignore[arg-type]
        model.hparams.replace(**_hparams(job.hparams)),
        current.dataset.shape,  # type: ignore[attr-defined]
    )


def _hparams(values: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if k == "betas" else v for k, v in values.items()}


def _failed(result: TrialResult, status: str, error: BaseException) -> TrialResult:
    result.status = status
    where = blame(error)
    result.reason = f"{type(error).__name__}: {own_words(error)}" + (f" (in {where})" if where else "")
    result.traceback = traceback.format_exc()
    return result


def own_words(error: BaseException) -> str:
    """What the error says; for one re-raised from a DataLoader worker, the worker's error line alone.

    torch re-raises a worker's exception with the worker's whole traceback as its message; its
    last line is the original 'module.Type: message'.
    """
    text = str(error).strip()
    if "in DataLoader worker process" in text and "Original Traceback" in text:
        kind, _, message = text.splitlines()[-1].partition(": ")
        return message if message and " " not in kind else text.splitlines()[-1]
    return text


def blame(error: BaseException) -> str:
    """The innermost module outside ganbench's core and torch where the error was raised: the plugin to name."""
    culprit = ""
    for frame, _ in traceback.walk_tb(error.__traceback__):
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(("ganbench.", "torch", "pluggy", "builtins")) and module != "ganbench":
            culprit = module
    return culprit
