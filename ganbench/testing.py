"""The testing kit for plugins: a tiny trial through the real harness, on the CPU, in seconds.

Installed with ganbench as a pytest plugin (entry point ``pytest11``), so a plugin package's
tests can use, with no conftest::

    import mylosses
    from ganbench.testing import assert_trial_ok

    def test_trains(ganbench_plugins):
        ganbench_plugins.register(mylosses)          # for this test only
        result = ganbench_plugins.run("mlp", "mylosses", dataset="ring8", steps=3)
        assert_trial_ok(result)

    def test_keeps_the_contract(ganbench_plugins):
        ganbench_plugins.register(mylosses)
        ganbench_plugins.assert_conforms("loss", "mylosses")

The fixture's registry holds the built-ins and the plugins registered in the test, never the
other installed plugins, and nothing registered in one test is seen by the next.
"""

from __future__ import annotations

import itertools
import math
import sys
import tempfile
import types
from collections.abc import Iterator

from ganbench.budget import Budget
from ganbench.grid import check_trial, own_objective_trial, stabiliser_sets
from ganbench.plugins import PluginOptions
from ganbench.registry import Registry, registry_for
from ganbench.trial import SessionKey, TrialJob, run_trial, session
from ganbench.types import DataOptions, TrialPlan, TrialResult

try:
    import pytest
except ImportError:  # the kit works without pytest; only the fixture needs it
    pytest = None  # type: ignore[assignment]


def run_tiny_trial(
    model: str,
    loss: str,
    stabilisers: str = "none",
    dataset: str | None = None,
    steps: int = 3,
    seed: int = 0,
    *,
    metrics: tuple[str, ...] = (),
    plugins: PluginOptions = PluginOptions(),
    checkpoints: int = 1,
    hparams: dict | None = None,
    cache_dir: str | None = None,
    data: DataOptions = DataOptions(download=False),
) -> TrialResult:
    """One trial of ``steps`` generator steps on the CPU, exactly as `ganbench run` would train it.

    ``dataset=None`` trains on an offline data set the model can use (vectors before images, see
    :meth:`ganbench.registry.Registry.offline_dataset`). A combination the grid would skip comes
    back with status 'skipped' and its reason.
    """
    registry = registry_for(plugins)
    [choices] = stabiliser_sets(registry, [stabilisers])
    spec = registry.get("models", model)
    if dataset is None:
        # Vectors train fastest; a class-conditional model needs labels, which the offline images have.
        order = ("image", "vector") if spec.conditional else ("vector", "image")
        found = registry.offline_dataset(tuple(k for k in order if k in spec.data_kinds))
        if found is None:
            raise ValueError(f"no offline data set of the kinds {spec.name} takes is installed; name one with dataset=")
        dataset = found.name
    key = SessionKey(plugins, dataset, data, "cpu", tuple(metrics), (), cache_dir or tempfile.gettempdir())
    current = session(key)
    hp = spec.hparams.replace(**(hparams or {}))
    plan = TrialPlan(spec, registry.get("losses", loss), choices, seed, hp, current.dataset.shape)
    planned = check_trial(registry, plan) if spec.objective is None else own_objective_trial(plan, first_loss=True)
    job = TrialJob(
        spec.name, planned.plan.loss.name, choices, seed, hp.as_dict(), Budget("steps", steps), checkpoints, key
    )
    if planned.skip_reason:
        return TrialResult(job.id, "skipped", planned.skip_reason)
    return run_trial(job)


def forget_registries() -> None:
    """Drop the registries and sessions ganbench.trial caches per PluginOptions (they hold plugin records)."""
    registry_for.cache_clear()
    session.cache_clear()


def assert_trial_ok(result: TrialResult) -> None:
    """The trial finished ('done'), trained at least one step, and every logged loss is finite."""
    assert result.status == "done", f"trial ended '{result.status}': {result.reason}\n{result.traceback}"
    assert result.usage.steps > 0, "the trial trained no step"
    bad = [(s.step, s.name, s.value) for s in result.scalars if not math.isfinite(s.value)]
    assert not bad, f"not finite: {bad}"
    measured = [c.measurement for c in result.checkpoints]
    bad_metrics = [m.column for m in measured if not math.isfinite(m.value)]
    assert not bad_metrics, f"metrics not finite: {bad_metrics}"


def assert_conforms(results) -> None:
    """Every conformance check (from :func:`ganbench.conformance.check`) passed."""
    failed = [f"{r.check}: {r.detail}" for r in results if not r.passed]
    assert not failed, "conformance checks failed:\n  " + "\n  ".join(failed)


_numbers = itertools.count()


class PluginKit:
    """A registry of the built-ins plus the plugins registered here; what the fixture gives a test."""

    def __init__(self) -> None:
        self._names: list[str] = []
        self._owned: list[str] = []  # synthetic sys.modules entries to remove again

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a module (or any object with ``@hookimpl`` functions) for this test; returns its plugin name.

        It loads exactly as ``--plugin MODULE`` would: an importable module keeps its name, any
        other object is given a unique one.
        """
        if name is None and isinstance(plugin, types.ModuleType) and sys.modules.get(plugin.__name__) is plugin:
            name = plugin.__name__
        elif name is None or sys.modules.get(name) is not plugin:
            name = name or f"ganbench_test_plugin_{next(_numbers)}"
            if name in sys.modules:
                raise ValueError(f"'{name}' is already a module name; register under another")
            sys.modules[name] = plugin  # type: ignore[assignment]
            self._owned.append(name)
        if name not in self._names:
            self._names.append(name)
        forget_registries()
        return name

    def unregister(self, name: str) -> None:
        self._names.remove(name)
        if name in self._owned:
            self._owned.remove(name)
            del sys.modules[name]
        forget_registries()

    @property
    def options(self) -> PluginOptions:
        """Built-ins plus what was registered here; installed external plugins stay out."""
        return PluginOptions(external=False, modules=tuple(self._names), strict=True)

    @property
    def registry(self) -> Registry:
        return registry_for(self.options)

    def run(
        self,
        model: str,
        loss: str,
        stabilisers: str = "none",
        dataset: str | None = None,
        steps: int = 3,
        seed: int = 0,
        **options,
    ) -> TrialResult:
        """A tiny trial (CPU, ``steps`` generator steps) through the real harness; see :func:`run_tiny_trial`."""
        return run_tiny_trial(model, loss, stabilisers, dataset, steps, seed, plugins=self.options, **options)

    def check(self, kind: str | None, name: str):
        """The conformance checks of one component: a list of ``(check, passed, detail)``."""
        from ganbench.conformance import check

        return check(kind, name, registry=self.registry, plugins=self.options)

    def assert_conforms(self, kind: str | None, name: str) -> None:
        assert_conforms(self.check(kind, name))

    def close(self) -> None:
        for name in list(self._owned):
            del sys.modules[name]
        self._names.clear()
        self._owned.clear()
        forget_registries()


if pytest is not None:

    @pytest.fixture
    def ganbench_plugins() -> Iterator[PluginKit]:
        """A fresh registry of the built-ins; ``register(plugin)`` adds one for this test only."""
        forget_registries()
        kit = PluginKit()
        try:
            yield kit
        finally:
            kit.close()
