"""An executor's checks: it builds, and it runs two real trials, one result for each.

The trials are real :class:`ganbench.trial.TrialJob` s, run by :func:`ganbench.trial.run_trial`
wherever the executor sends them; a worker rebuilds its registry from the job's plugin options
and finds the components by name. The partners are chosen by what the installed components
declare, as the testing kit chooses its data (an offline data set, vectors before images, then
name order; a model that supports its shape; a loss the grid would not skip), so no built-in is
named here. With none installed, the reference partners are used: their module is added to the
plugins the workers load.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections import Counter
from typing import TYPE_CHECKING, NamedTuple

from ganbench.budget import Budget
from ganbench.conformance.reference import REFERENCE_LOSS, REFERENCE_MODEL, REFERENCE_PLUGIN, REFERENCE_RING
from ganbench.conformance.results import BATCH, CheckResult, described, error_line
from ganbench.errors import UsageError
from ganbench.grid import check_trial
from ganbench.plugins import PluginOptions
from ganbench.registry import Registry
from ganbench.types import DataOptions, Executor, ExecutorSpec, ModelSpec, TrialPlan, TrialResult

if TYPE_CHECKING:
    from ganbench.trial import TrialJob

OFFLINE = DataOptions(download=False)


class Partners(NamedTuple):
    model: ModelSpec
    loss: str
    dataset: str
    plugins: PluginOptions  # what a worker loads to find them by name

    def __str__(self) -> str:
        return f"{self.model.name} x {self.loss} on {self.dataset}"


def check_executor(registry: Registry, spec: ExecutorSpec, plugins: PluginOptions | None = None) -> list[CheckResult]:
    results = [described(spec)]
    try:
        executor = spec.factory({"workers": 1})
    except UsageError as error:  # e.g. an optional dependency is missing: it says so in one line
        return results + [CheckResult("builds", True, f"not usable here, and it says why: {error}")]
    except Exception as error:
        return results + [CheckResult("builds", False, error_line(error))]
    if not isinstance(executor, Executor):
        return results + [
            CheckResult("builds", False, f"factory() gave {type(executor).__name__}, not a ganbench.types.Executor")
        ]
    results.append(CheckResult("builds", True, "factory({'workers': 1})"))
    from ganbench.trial import run_trial  # trial draws pictures (torchvision, matplotlib): only this check needs it

    partners = choose_partners(registry, plugins or PluginOptions())
    jobs = _jobs(partners)
    try:
        got = list(executor.run(jobs, run_trial))
    except Exception as error:
        return results + [CheckResult("runs every job once", False, error_line(error))]
    return results + [_every_job_once(partners, jobs, got)]


def choose_partners(registry: Registry, plugins: PluginOptions) -> Partners:
    """Installed partners that declare they fit, else the reference ones (then the workers load their module)."""
    found = _installed_partners(registry)
    if found is not None:
        model, loss, dataset = found
        return Partners(model, loss, dataset, plugins)
    modules = plugins.modules if REFERENCE_PLUGIN in plugins.modules else (*plugins.modules, REFERENCE_PLUGIN)
    return Partners(
        REFERENCE_MODEL, REFERENCE_LOSS.name, REFERENCE_RING.name, dataclasses.replace(plugins, modules=modules)
    )


def _installed_partners(registry: Registry) -> tuple[ModelSpec, str, str] | None:
    offline = [s for s in registry.all("datasets") if s.offline and not s.takes_argument]
    for spec in sorted(offline, key=lambda s: (s.kind != "vector", s.name)):  # vectors train faster
        try:
            shape = spec.load(OFFLINE).shape
        except Exception:  # its own check says why; another data set will do
            continue
        for model in registry.all("models"):
            if model.supports(shape) is not None:
                continue
            for loss in registry.all("losses"):
                plan = TrialPlan(model, loss, (), 0, model.hparams, shape)
                if check_trial(registry, plan).skip_reason is None:
                    return model, loss.name, spec.name
    return None


def _jobs(partners: Partners) -> list[TrialJob]:
    """Two two-step trials (seeds 0 and 1) with no metrics, as `ganbench run` would send them."""
    from ganbench.trial import SessionKey, TrialJob

    key = SessionKey(partners.plugins, partners.dataset, OFFLINE, "cpu", (), (), tempfile.gettempdir())
    hp = partners.model.hparams.replace(batch_size=BATCH).as_dict()
    return [
        TrialJob(partners.model.name, partners.loss, (), seed, hp, Budget("steps", 2), 1, key, position=seed)
        for seed in (0, 1)
    ]


def _every_job_once(partners: Partners, jobs: list[TrialJob], got: list) -> CheckResult:
    """run() must yield exactly one TrialResult per job; the partners' trials must then be 'done'."""
    name = "runs every job once"
    strays = [r for r in got if not isinstance(r, TrialResult)]
    if strays:
        return CheckResult(name, False, f"run() yielded {type(strays[0]).__name__}: it must yield TrialResults")
    expected, seen = Counter(job.id for job in jobs), Counter(r.id for r in got)
    if seen != expected:
        missing, extra = sorted(expected - seen), sorted(seen - expected)
        return CheckResult(
            name,
            False,
            f"{len(jobs)} jobs, {len(got)} results (missing {missing or 'none'}, extra {extra or 'none'}): "
            "yield exactly one result per job, with the job's id",
        )
    failed = [r for r in got if r.status != "done"]
    if failed:
        return CheckResult(
            name,
            False,
            f"the trials of {partners} ended {failed[0].status}: {failed[0].reason or 'no reason given'} "
            "(run each job with run_one(job), in a process that can import the job's plugins)",
        )
    return CheckResult(name, True, f"{len(jobs)} trials of {partners}, {len(got)} results, all done")
