"""The loggers a run was asked for (``--log``): checked before it starts, started and finished around it,
and told about each trial as it trains, where no failure of theirs can reach the trial.

The run's database is the truth; a logger is a view of it where researchers already look. So a
logger that fails is reported with the trial and stops logging that trial, and the trial goes on.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ganbench.errors import UsageError
from ganbench.registry import Registry
from ganbench.types import LogContext, LoggerSpec, Measurement, Scalar, TrialLogger

#: where logs go in the run folder when --log-dir is not given
LOG_FOLDER = "logs"


def check_loggers(registry: Registry, names: list[str]) -> list[LoggerSpec]:
    """The named loggers, each with what it imports installed; else one line saying what to install."""
    specs = [registry.get("loggers", name) for name in names]
    for spec in specs:
        missing = missing_modules(spec)
        if missing:
            where = (
                f"pip install 'ganbench[{spec.extra}]'" if spec.extra else f"install the package providing {missing[0]}"
            )
            raise UsageError(f"--log {spec.name} needs {', '.join(missing)}, which is not installed: {where}")
    return specs


def missing_modules(spec: LoggerSpec) -> list[str]:
    return [module for module in spec.requires if not _importable(module)]


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package is missing
        return False


def start_run(
    registry: Registry, names: list[str], run_dir: Path, log_dir: Path | None, options: Mapping[str, Any]
) -> tuple[LogContext, list[str]]:
    """Each logger's ``start_run``, once, in this process; returns the context trials log with, and the
    warnings of loggers that could not start (they are left out of the run)."""
    # Absolute: a Ray worker's working directory is not the driver's.
    folder = (log_dir or run_dir / LOG_FOLDER).resolve()
    base = LogContext(str(run_dir.resolve()), str(folder), run_dir.resolve().name, dict(options))
    shared: dict[str, Mapping[str, Any]] = {}
    warnings: list[str] = []
    for name in names:
        spec = registry.get("loggers", name)
        try:
            started = dict(spec.start_run(base) or {})
            pickle.dumps(started)  # it travels with every trial to worker processes and Ray tasks
            shared[spec.name] = started
        except Exception as error:
            warnings.append(f"--log {spec.name} could not start, so it logs nothing this run: {_said(error)}")
    context = LogContext(base.run_dir, base.log_dir, base.group, base.options, shared)
    return context, warnings


def finish_run(registry: Registry, context: LogContext, outcome: str = "done") -> list[str]:
    """Each started logger's ``finish_run``, told how the run ended ('done', 'interrupted' or 'failed');
    the warnings of those that failed."""
    context = dataclasses.replace(context, outcome=outcome)
    warnings = []
    for name in context.shared:
        try:
            registry.get("loggers", name).finish_run(context)
        except Exception as error:
            warnings.append(f"--log {name} failed to finish the run: {_said(error)}")
    return warnings


class TrialLoggers:
    """One trial's loggers, each behind a guard: the first failure is recorded and that logger dropped."""

    def __init__(self, registry: Registry, context: LogContext | None, trial: Mapping[str, Any]):
        self.loggers: dict[str, TrialLogger] = {}
        self.failures: list[str] = []
        # The step's logs are held and handed over at each checkpoint and at the end, while the training
        # clock is paused: a logger's writes (a database, a server) never count as training time.
        self.pending: list[tuple[int, float, Mapping[str, float]]] = []
        for name in context.shared if context is not None else ():
            assert context is not None
            try:
                self.loggers[name] = registry.get("loggers", name).start_trial(context, dict(trial))
            except Exception as error:
                self.failures.append(f"logger {name} failed to start: {_said(error)}")

    def _each(self, what: str, *args: Any) -> None:
        for name, logger in list(self.loggers.items()):
            try:
                getattr(logger, what)(*args)
            except Exception as error:
                self.failures.append(f"logger {name} failed in {what} and stopped logging this trial: {_said(error)}")
                del self.loggers[name]

    def logged(self, step: int, seconds: float, values: Mapping[str, float]) -> None:
        if self.loggers:
            self.pending.append((step, seconds, dict(values)))

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        for row in pending:
            self._each("logged", *row)

    def checkpoint(
        self, index: int, step: int, seconds: float, measurements: list[Measurement], picture: bytes
    ) -> None:
        self.flush()
        self._each("checkpoint", index, step, seconds, measurements, picture)

    def finished(self, status: str, summary: Mapping[str, Any], scalars: list[Scalar]) -> None:
        """The trial's result is known: nothing a logger does now (not even Ctrl-C) may cost it."""
        try:
            self.flush()
            self._each("finished", status, dict(summary), list(scalars))
        except BaseException as error:  # KeyboardInterrupt, SystemExit: the trial stays as it ended
            self.failures.append(f"loggers stopped while finishing the trial: {_said(error)}")
        self.loggers.clear()


def _said(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:300] if lines else ''}".rstrip(": ")
