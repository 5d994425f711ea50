"""ganbench.conformance.executors: real trials through the executor, with partners chosen by what they declare."""

import re
from pathlib import Path

import pytest

import ganbench.conformance
from ganbench.conformance import check, failures
from ganbench.plugins import BUILTIN_DISTRIBUTION, PluginOptions
from ganbench.registry import Registry, registry_for
from ganbench.types import Executor, ExecutorSpec

BUILTINS = PluginOptions(external=False)


def executors_only(*extra: ExecutorSpec) -> Registry:
    """The built-in registry with every component but the executors taken out (and ``extra`` put in)."""
    full = registry_for(BUILTINS)
    records = {kind: {} for kind in full.records}
    records["executors"] = {**full.records["executors"], **{spec.name: spec for spec in extra}}
    return Registry(full.plugins, records)


@pytest.mark.parametrize("executor", ["local", "pool"])
def test_with_no_partner_installed_the_trials_run_with_the_reference_partners(executor):
    # pool: worker processes rebuild their registry, and find the reference partners by name
    results = check("executor", executor, registry=executors_only(), plugins=BUILTINS)
    assert not failures(results), failures(results)
    assert results[-1].detail == "2 trials of reference-mlp x reference-ns on reference-ring, 2 results, all done"


def test_installed_partners_are_chosen_by_what_they_declare():
    [*_, ran] = check("executor", "local", registry=registry_for(BUILTINS), plugins=BUILTINS)
    assert ran.passed and "reference" not in ran.detail, ran  # an offline vector data set was installed


class Liar(Executor):
    """Yields a string for every job instead of its result."""

    def run(self, jobs, run_one, on_log=None):
        yield from ("done" for _ in jobs)


def test_an_executor_that_yields_no_trial_results_fails_and_says_what_to_yield():
    spec = ExecutorSpec(name="liar", description="yields strings", factory=lambda options: Liar())
    [*_, ran] = check("executor", "liar", registry=executors_only(spec), plugins=BUILTINS)
    assert not ran.passed and "run() yielded str: it must yield TrialResults" in ran.detail, ran


def test_the_conformance_core_names_no_built_in_component():
    registry = registry_for(BUILTINS)
    builtins = {
        name
        for kind in registry.records
        for name, record in registry.records[kind].items()
        if record.distribution == BUILTIN_DISTRIBUTION
    }
    for path in sorted(Path(ganbench.conformance.__file__).parent.glob("*.py")):
        quoted = set(re.findall(r"""["']([\w-]+)["']""", path.read_text()))
        assert not quoted & builtins, f"{path.name} names the built-in {sorted(quoted & builtins)}"
