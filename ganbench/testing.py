"""Helpers for testing plugins: a tiny trial through the real harness, on the CPU, in seconds."""
from __future__ import annotations

import tempfile

from ganbench.budget import Budget
from ganbench.grid import check_trial, stabiliser_sets
from ganbench.trial import PluginOptions, SessionKey, TrialJob, TrialResult, registry_for, run_trial, session
from ganbench.types import DataOptions, TrialPlan


def run_tiny_trial(
    model: str,
    loss: str,
    stabilisers: str = "none",
    dataset: str = "ring8",
    steps: int = 3,
    seed: int = 0,
    *,
    metrics: tuple[str, ...] = (),
    plugins: PluginOptions = PluginOptions(),
    checkpoints: int = 1,
    hparams: dict | None = None,
    cache_dir: str | None = None,
) -> TrialResult:
    """One trial of ``steps`` generator steps on the CPU, exactly as `ganbench run` would train it.

    A combination the grid would skip comes back with status 'skipped' and its reason.
    """
    registry = registry_for(plugins)
    [choices] = stabiliser_sets(registry, [stabilisers])
    key = SessionKey(plugins, dataset, DataOptions(download=False), "cpu", tuple(metrics), (),
                     cache_dir or tempfile.gettempdir())
    current = session(key)
    spec = registry.get("models", model)
    hp = spec.hparams.replace(**(hparams or {}))
    planned = check_trial(registry, TrialPlan(spec, registry.get("losses", loss), choices, seed, hp, current.dataset.shape))
    job = TrialJob(spec.name, planned.plan.loss.name, choices, seed, hp.as_dict(), Budget("steps", steps), checkpoints, key)
    if planned.skip_reason:
        return TrialResult(job.id, "skipped", planned.skip_reason)
    return run_trial(job)
