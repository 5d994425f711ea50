"""Loggers: where a trial is followed while it trains (TensorBoard, MLflow, W&B), chosen with ``--log``.

A logger is told, in the process that runs the trial and as it happens, what the run's database
is told: the losses and D's scores every few steps, the metrics and the sample grid at each
checkpoint, the status and summary at the end. The database stays the truth: a logger that fails
is reported with the trial (its ``reason``) and switched off for the rest of that trial, and the
trial goes on.

``start_run`` and ``finish_run`` run once, in the process that drives the run (before the first
trial and after the report is written); what ``start_run`` returns reaches every trial's
``LogContext.shared``, which is how trials in worker processes find, say, their MLflow parent run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ganbench.types.execution import Scalar
from ganbench.types.metrics import Measurement
from ganbench.types.records import Record


@dataclass(frozen=True)
class LogContext:
    """Where a run's loggers write, as plain data (it travels to worker processes and Ray tasks).

    ``log_dir``: ``--log-dir``, by default ``logs`` in the run folder; a logger writes under
    ``log_dir/<its name>``. ``group``: the run's name (its folder's name), which groups a grid's
    trials. ``options``: the values of the options loggers added (``RunOptions.add("logger", ...)``).
    ``shared``: what each logger's ``start_run`` returned, by logger name (plain data: it is pickled).
    """

    run_dir: str
    log_dir: str
    group: str
    options: Mapping[str, Any] = field(default_factory=dict)
    shared: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    outcome: str = ""  # in finish_run: how the run ended, 'done', 'interrupted' (Ctrl-C) or 'failed'


class TrialLogger:
    """One trial's logger; every method is optional. ``seconds`` are training seconds (evaluation excluded).

    ``logged``: losses and D's mean scores (``d_loss``, ``g_loss``, ``d_real``, ``d_fake``; for a model
    with its own objective, the terms its step returns, e.g. a VAE's ``loss``, ``reconstruction``,
    ``kl``) every 10 steps, handed over at each checkpoint and at the end, while the training clock is paused. ``checkpoint``: the metrics and the sample grid (PNG bytes) at one checkpoint. ``finished``:
    the status ('done', 'diverged', 'oom', 'error', 'timeout', 'interrupted'), the summary (steps,
    seconds, steps/s, last metrics by column) and every scalar the trial recorded, which includes the
    stabilisers' own values (ADA's p) that ``logged`` does not carry.
    """

    def logged(self, step: int, seconds: float, values: Mapping[str, float]) -> None:
        pass

    def checkpoint(
        self, index: int, step: int, seconds: float, measurements: list[Measurement], picture: bytes
    ) -> None:
        pass

    def finished(self, status: str, summary: Mapping[str, Any], scalars: list[Scalar]) -> None:
        pass


@dataclass(kw_only=True)
class LoggerSpec(Record):
    """A logger: ``start_trial(context, trial)`` makes one trial's :class:`TrialLogger`.

    ``trial`` is the trial's configuration (``id``, ``model``, ``loss``, ``stabilisers``, ``seed``,
    ``hparams``, ...). ``requires``: the modules it imports, checked before the run starts, so a
    missing one is one line naming ``extra`` (``pip install 'ganbench[extra]'``) or, for a third
    party, the package to install.
    """

    start_trial: Callable[[LogContext, Mapping[str, Any]], TrialLogger]
    start_run: Callable[[LogContext], Mapping[str, Any]] = lambda context: {}
    finish_run: Callable[[LogContext], None] = lambda context: None
    requires: tuple[str, ...] = ()
    extra: str = ""


def trial_name(trial: Mapping[str, Any]) -> str:
    """A trial's readable, unique name for a logger's run list: model-loss-stabilisers-sSEED-ID."""
    stabilisers = str(trial.get("stabilisers", "none")).replace(":", "_").replace("=", "").replace(",", "_")
    return f"{trial['model']}-{trial['loss']}-{stabilisers}-s{trial['seed']}-{str(trial['id'])[:6]}"


def flat_params(trial: Mapping[str, Any]) -> dict[str, Any]:
    """The trial's configuration as flat name -> number or text, as hyper-parameter tables want it."""
    params: dict[str, Any] = {}
    for key in ("model", "loss", "stabilisers", "seed", "dataset", "budget", "settings", "phase", "data_fraction"):
        if key in trial:
            params[key] = trial[key]
    for key, value in dict(trial.get("hparams", {})).items():
        params[key] = value if isinstance(value, (int, float, str, bool)) else str(value)
    for key, value in dict(trial.get("loss_params", {})).items():
        params[f"loss.{key}"] = value if isinstance(value, (int, float, str, bool)) else str(value)
    return params
