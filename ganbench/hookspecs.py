"""The plugin contract: every hook ganbench calls, with a working example each.

A plugin is any module (or object) with functions marked ``@ganbench.hookimpl`` whose names
match the specs below. It is found through the ``ganbench`` entry-point group::

    # pyproject.toml of your package
    [project.entry-points.ganbench]
    mylosses = "mylosses"

Discovery hooks take no arguments and return a list of records (or yield them). Event hooks
are told what happened; an implementation may take fewer arguments than the spec names, so
specs can grow without breaking plugins.

docs/plugins.md is the guide: load order, switches, every hook with its signature, what the
training step calls and when; tests/test_hookspecs.py keeps it true to this module.
`ganbench new-plugin NAME --kind KIND` writes a package to start from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pluggy

PROJECT = "ganbench"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --------------------------------------------------------------------------- discovery


@hookspec
def ganbench_models() -> Iterable[Any]:
    """Return :class:`~ganbench.types.ModelSpec` records: G and D builders, defaults, supported data.

    Example::

        import torch
        from torch import nn
        from ganbench import hookimpl
        from ganbench.types import Critic, HParams, ModelSpec

        def generator(shape, hp):
            return nn.Sequential(nn.Linear(hp.z_dim, 64), nn.ReLU(), nn.Linear(64, shape.size))

        def critic(shape, hp):
            features = nn.Sequential(nn.Linear(shape.size, 64), nn.LeakyReLU(0.2))
            return Critic(features, head=nn.Linear(64, 1))

        @hookimpl
        def ganbench_models():
            return [ModelSpec(name="tiny-mlp", description="a one-hidden-layer MLP pair",
                              generator=generator, critic=critic,
                              data_kinds=("vector",), hparams=HParams(z_dim=2))]
    """


@hookspec
def ganbench_losses() -> Iterable[Any]:
    """Return :class:`~ganbench.types.LossSpec` records.

    Example::

        import torch.nn.functional as F
        from ganbench import hookimpl
        from ganbench.types import LossSpec

        @hookimpl
        def ganbench_losses():
            return [LossSpec(
                name="softplus-ns",
                description="non-saturating loss written with softplus",
                d_loss=lambda real, fake: F.softplus(-real).mean() + F.softplus(fake).mean(),
                g_loss=lambda fake, real: F.softplus(-fake).mean(),
            )]
    """


@hookspec
def ganbench_stabilisers() -> Iterable[Any]:
    """Return :class:`~ganbench.types.StabiliserSpec` records.

    Example::

        from ganbench import hookimpl
        from ganbench.types import Stabiliser, StabiliserSpec

        class ScoreDrift(Stabiliser):
            # Karras et al. 2018: keep the critic's real scores near zero.
            def __init__(self, eps=1e-3):
                self.eps = eps
            def d_penalty(self, critic, real, fake):
                return self.eps * critic(real).pow(2).mean()

        @hookimpl
        def ganbench_stabilisers():
            return [StabiliserSpec(name="drift", description="epsilon drift penalty",
                                   factory=ScoreDrift, params={"eps": 1e-3})]
    """


@hookspec
def ganbench_datasets() -> Iterable[Any]:
    """Return :class:`~ganbench.types.DatasetSpec` records.

    Example::

        import torch
        from ganbench import hookimpl
        from ganbench.types import Dataset, DatasetSpec

        def load(options):
            g = torch.Generator().manual_seed(0)  # the same data every time
            angles = torch.rand(10_000, generator=g) * 6.2832
            x = torch.stack([angles.cos(), angles.sin()], dim=1)
            return Dataset(name="circle", x=x)

        @hookimpl
        def ganbench_datasets():
            return [DatasetSpec(name="circle", description="the unit circle, uniformly",
                                load=load, kind="vector")]
    """


@hookspec
def ganbench_metrics() -> Iterable[Any]:
    """Return :class:`~ganbench.types.MetricSpec` records.

    Example::

        from ganbench import hookimpl
        from ganbench.types import Measurement, Metric, MetricSpec

        class MeanNorm(Metric):
            def __init__(self, context):
                real = context.dataset.sample(1000)  # streamed data sets too: never read dataset.x
                self.real = real.flatten(1).norm(dim=1).mean().item()
            def compute(self, sample):
                fake = sample(1000).flatten(1).norm(dim=1).mean().item()
                return [Measurement("norm-gap", abs(fake - self.real), higher_is_better=False)]

        @hookimpl
        def ganbench_metrics():
            return [MetricSpec(name="norm-gap", description="gap between mean sample norms",
                               factory=MeanNorm)]
    """


@hookspec
def ganbench_executors() -> Iterable[Any]:
    """Return :class:`~ganbench.types.ExecutorSpec` records.

    Example::

        from ganbench import hookimpl
        from ganbench.types import Executor, ExecutorSpec

        class Reversed(Executor):
            def run(self, jobs, run_one, on_log=None):
                # on_log(job) is a progress callback for the job; pass it on when running in-process
                for job in reversed(jobs):
                    yield run_one(job, on_log=on_log(job) if on_log else None)

        @hookimpl
        def ganbench_executors():
            return [ExecutorSpec(name="reversed", description="last trial first",
                                 factory=lambda options: Reversed())]
    """


@hookspec
def ganbench_loggers() -> Iterable[Any]:
    """Return :class:`~ganbench.types.LoggerSpec` records: where trials are followed, chosen with ``--log``.

    Example (a logger writing one JSON line per logged step into the run's log folder)::

        import json, pathlib
        from ganbench import hookimpl
        from ganbench.types import LoggerSpec, TrialLogger, trial_name

        class JsonLines(TrialLogger):
            def __init__(self, context, trial):
                folder = pathlib.Path(context.log_dir, "jsonl")
                folder.mkdir(parents=True, exist_ok=True)
                self.file = open(folder / f"{trial_name(trial)}.jsonl", "w")
            def logged(self, step, seconds, values):
                self.file.write(json.dumps({"step": step, "seconds": seconds, **values}) + "\\n")
            def finished(self, status, summary, scalars):
                self.file.close()

        @hookimpl
        def ganbench_loggers():
            return [LoggerSpec(name="jsonl", description="one JSON line per logged step", start_trial=JsonLines)]
    """


# --------------------------------------------------------------------------- command line


@hookspec
def ganbench_add_options(options: Any) -> None:
    """Add options of your own to `ganbench run` (the model is tox's ``tox_add_option``).

    ``options`` is a :class:`~ganbench.types.RunOptions`: ``options.add(kind, *flags, **argparse
    keywords)``, where ``kind`` is "metric" (the value reaches ``MetricContext.options`` and is part
    of every trial's id), "executor" (it reaches ``ExecutorSpec.factory(options)``) or "logger" (it
    reaches ``LogContext.options``). Example::

        from ganbench import hookimpl
        from ganbench.types import whole_number

        @hookimpl
        def ganbench_add_options(options):
            options.add("metric", "--norm-samples", type=whole_number(100, "norm-gap needs at least 100 samples"),
                        default=1000, help="samples per norm-gap evaluation (default: 1000)")

    and the metric reads ``context.options["norm_samples"]``.
    """


@hookspec
def ganbench_add_commands(commands: Any) -> None:
    """Add commands of your own to `ganbench` (``ganbench NAME ...``), beside `run`, `report` and the rest.

    ``commands`` is a :class:`~ganbench.types.Commands`: ``commands.add(name, help=..., run=handler,
    data=False)`` returns the command's argparse parser, for its arguments; ``handler(args,
    context)`` gets the parsed arguments and a :class:`~ganbench.types.CommandContext` (ganbench's
    cache, the device, a data set loader) and returns the exit code. ``data=True`` gives the
    command `run`'s data options and ``--device``. A ``UsageError`` it raises is one line, exit 2.
    Example::

        from ganbench import hookimpl

        def norms(args, context):
            dataset = context.load_dataset(args.dataset)  # as `ganbench run --dataset` loads it
            print(dataset.sample(1000).flatten(1).norm(dim=1).mean().item())
            return 0

        @hookimpl
        def ganbench_add_commands(commands):
            parser = commands.add("mean-norm", help="the mean sample norm of a data set", run=norms, data=True)
            parser.add_argument("dataset")
    """


# --------------------------------------------------------------------------- events


@hookspec
def ganbench_trial_started(trial: dict) -> None:
    """A trial is about to train; ``trial`` is its configuration (model, loss, seed, ...).

    Called in the process that runs the trial. Example::

        @hookimpl
        def ganbench_trial_started(trial):
            print("starting", trial["model"], trial["loss"], trial["seed"])
    """


@hookspec
def ganbench_checkpoint(trial: dict, checkpoint: int, step: int, seconds: float, measurements: list) -> None:
    """Metrics were evaluated at a checkpoint of a trial.

    ``seconds`` is the training time used so far (evaluation excluded) and ``measurements``
    is a list of :class:`~ganbench.types.Measurement`. A TensorBoard logger is just::

        @hookimpl
        def ganbench_checkpoint(trial, step, measurements):
            for m in measurements:
                writer.add_scalar(f"{trial['id']}/{m.column}", m.value, step)
    """


@hookspec
def ganbench_trial_finished(trial: dict, status: str, summary: dict) -> None:
    """A trial ended; ``status`` is 'done', 'diverged', 'oom' or 'error'.

    ``summary`` holds its final figures (steps, seconds, steps/s, last metrics). Example::

        @hookimpl
        def ganbench_trial_finished(trial, status):
            if status != "done":
                notify(f"trial {trial['id']} ended {status}")
    """
