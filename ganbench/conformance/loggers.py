"""A logger's checks: what it needs is installed (or it says so), and it follows two real trials
through a run's whole life (start_run, two trials run by ganbench.trial.run_trial, finish_run)
in a scratch folder without failing either of them or itself.

The trials are the executor check's: installed partners that declare they fit, else the reference ones.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from ganbench.conformance.executors import _jobs, choose_partners
from ganbench.conformance.results import CheckResult, described
from ganbench.errors import UsageError
from ganbench.plugins import PluginOptions
from ganbench.registry import Registry
from ganbench.types import LoggerSpec


def check_logger(registry: Registry, spec: LoggerSpec, plugins: PluginOptions | None = None) -> list[CheckResult]:
    from ganbench import loggers
    from ganbench.trial import run_trial  # trial draws pictures (torchvision, matplotlib): only this check needs it

    results = [described(spec)]
    try:
        loggers.check_loggers(registry, [spec.name])
    except UsageError as error:  # its library is not installed here: it says which, in one line
        return results + [CheckResult("installed", True, f"not usable here, and it says why: {error}")]
    partners = choose_partners(registry, plugins or PluginOptions())
    with tempfile.TemporaryDirectory(prefix="ganbench-logger-check-") as scratch:
        run_dir = Path(scratch) / "run"
        run_dir.mkdir()
        context, warnings = loggers.start_run(registry, [spec.name], run_dir, None, {})
        if warnings:
            return results + [CheckResult("starts a run", False, warnings[0])]
        results.append(CheckResult("starts a run", True, f"start_run gave {dict(context.shared[spec.name])!r:.120}"))
        jobs = [dataclasses.replace(job, log=context) for job in _jobs(partners)]
        got = [run_trial(job) for job in jobs]
        failed = [r for r in got if r.status != "done" or "logger" in r.reason]
        if failed:
            detail = f"a trial of {partners} ended {failed[0].status}: {failed[0].reason or 'no reason given'}"
            return results + [CheckResult("follows two trials", False, detail)]
        written = sum(1 for p in Path(context.log_dir).rglob("*") if p.is_file())
        detail = f"two trials of {partners}, done, no logger failure; {written} files in the run's log folder"
        results.append(CheckResult("follows two trials", True, detail))
        warnings = loggers.finish_run(registry, context)
        results.append(
            CheckResult("finishes the run", not warnings, warnings[0] if warnings else "finish_run returned")
        )
    return results
