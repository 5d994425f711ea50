"""Executors, and what they carry back: a trial's result, and how Ctrl-C is reported.

An executor runs trials somewhere (this process, worker processes, a cluster) and streams
their :class:`TrialResult` s back; the runner alone stores them. A job is opaque to an
executor except for ``job.id`` (its result's id) and ``job.device`` (e.g. ``"cuda"``, to ask
a scheduler for a GPU). A job may be a batched ensemble of trials (ganbench.batching), whose
result holds its members'; executors treat it as any job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ganbench.types.metrics import Measurement
from ganbench.types.records import Record

STATUSES = ("done", "skipped", "diverged", "oom", "error", "timeout", "interrupted")
INTERRUPTED_REASON = "interrupted by the user (Ctrl-C); run the same command again to redo it"


class Executor:
    """Runs trials; yields each result as soon as it is known, in any order.

    ``run_one(job, on_log=None)`` is ``ganbench.batching.run_job``: a module-level function, so it
    pickles to worker processes and Ray tasks, and it never raises for a failing trial. ``on_log(job)``
    gives a progress callback for a job; executors that run trials in this process pass it on,
    remote ones may ignore it.

    Ctrl-C: an executor that runs trials elsewhere raises :class:`Interrupted`, naming the
    trials in flight, whether the KeyboardInterrupt arrives inside ``run`` or is thrown into it
    at a ``yield`` (the runner does that when Ctrl-C lands while it stores a result).
    """

    def run(
        self, jobs: list[Any], run_one: Callable[..., Any], on_log: Callable[[Any], Any] | None = None
    ) -> Iterator[Any]:
        raise NotImplementedError

    def slots(self, device: str) -> int:
        """How many jobs it runs at once for trials on ``device`` (the pool: its workers). Batched
        ensembles are split until each slot has one, so that stacking never leaves a worker idle."""
        return 1


@dataclass(kw_only=True)
class ExecutorSpec(Record):
    """An executor: ``factory(options)`` with the executor options given on the command line.

    ``chosen_when(options)``: when ``--executor`` is not given, the executor whose test is true for
    the options given is used (the pool claims ``--workers N > 1``); with none true, the one
    marked ``default``. ``runs_elsewhere(options)``: the trials run on other machines.
    """

    factory: Callable[[Mapping[str, Any]], Executor]
    chosen_when: Callable[[Mapping[str, Any]], bool] = lambda options: False
    default: bool = False
    # True for options under which the trials run on other machines (Ray with --address): then
    # ``--device cuda`` names the workers' GPUs, and a driver without one plans on its CPU.
    runs_elsewhere: Callable[[Mapping[str, Any]], bool] = lambda options: False


@dataclass
class Usage:
    """What a trial has spent of its budget."""

    steps: int = 0
    images: int = 0
    seconds: float = 0.0
    flops: float = 0.0  # counted by torch's FLOP counter (matrix products, convolutions); 0 where not counted


@dataclass
class Scalar:
    """A value logged during training (a loss, mean D(x)), at a generator step and training second."""

    step: int
    seconds: float
    name: str
    value: float


@dataclass
class CheckpointValue:
    checkpoint: int
    step: int
    seconds: float
    measurement: Measurement


@dataclass
class CheckpointPicture:
    """Samples from fixed latents at a checkpoint: an image grid, or 2D points over the modes, as PNG."""

    checkpoint: int
    step: int
    seconds: float
    png: bytes


@dataclass
class TrialResult:
    """Everything a trial brings back to the runner, pictures and weights included, as plain data."""

    id: str
    status: str  # one of STATUSES, or "running" while it trains
    reason: str = ""  # the skip reason or the error's one line
    traceback: str = ""
    usage: Usage = field(default_factory=Usage)
    eval_seconds: float = 0.0
    steps_per_s: float | None = None
    images_per_s: float | None = None
    peak_memory_mb: float | None = None  # training's peak allocated memory on a GPU (evaluation excluded)
    eval_peak_memory_mb: float | None = None  # evaluation's, apart (Inception may need more than the GAN)
    device_info: str = ""  # the device in words: GPU, CUDA, cuDNN, determinism (ganbench.gpu.describe)
    data_wait_share: float | None = None  # of the throughput window, spent waiting for real batches
    threads: int | None = None  # torch threads it trained with on a CPU
    gflop_per_step: float | None = None  # the mean of its steps' counted FLOPs (matrix products and convolutions)
    load_average: float | None = None  # the higher of the machine's load at its start and its end
    notes: list[str] = field(default_factory=list)  # facts found while training, for the report
    scalars: list[Scalar] = field(default_factory=list)
    checkpoints: list[CheckpointValue] = field(default_factory=list)
    pictures: list[CheckpointPicture] = field(default_factory=list)
    generator_state: bytes | None = None  # the evaluated generator's weights: G, or its EMA
    evaluated: str = "G"  # which generator the metrics saw: "G", or "EMA G (decay 0.999)"
    raw_generator_state: bytes | None = None  # G's own weights, where the EMA was evaluated

    @property
    def error(self) -> str:
        return self.reason if self.status not in ("done", "skipped") else ""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C reached an executor that runs trials elsewhere: ``results`` says which were cut short.

    An executor raises it from ``run`` with an 'interrupted' :class:`TrialResult` for every trial
    in flight (:func:`interrupted_result`), so the runner records them before it stops;
    in-process executors need not, as ``run_trial`` itself returns the interrupted result.
    """

    def __init__(self, results: list[TrialResult]):
        super().__init__(f"{len(results)} trials interrupted")
        self.results = results


def interrupted_result(job: Any) -> TrialResult:
    """The result of a trial cut short by Ctrl-C: the next run of the same command redoes it."""
    return TrialResult(job.id, "interrupted", INTERRUPTED_REASON)
