"""ganbench.conformance.metrics: a metric is judged on streamed reference data, by what it returns and what it names."""

import pytest

from ganbench.conformance import check, failures
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for

PLUGINS = PluginOptions(external=False, modules=("bad_metric_plugin",))


def failed(name):
    """{check: detail} of the checks the bad metric fails."""
    results = check("metric", name, registry=registry_for(PLUGINS), plugins=PLUGINS)
    return {r.check: r.detail for r in failures(results)}


@pytest.mark.parametrize(
    "name, says",
    [
        ("returns-float", "returned float 1.0, not a list: compute() must return a list of ganbench.types.Measurement"),
        ("no-direction", "higher_is_better=None: it must be True or False"),
        ("bool-value", "with value bool True: it must be an int or float"),
        ("tensor-value", "with value Tensor tensor(1.): it must be an int or float"),
        ("unnamed", "its name must be a non-empty string"),
    ],
)
def test_a_bad_record_from_compute_fails_computes_and_says_what_it_must_be(name, says):
    got = failed(name)
    assert list(got) == ["computes"] and says in got["computes"], got


def test_a_metric_reading_dataset_x_fails_with_the_readers_to_use():
    detail = failed("reads-x")["builds"]
    assert "reads dataset.x" in detail and "gather(index)" in detail and "sample(n)" in detail, detail


def test_a_measurement_named_like_another_metrics_fails_naming_that_metric():
    detail = failed("modes-again")["distinct names"]
    assert "'modes' is also reported by metric 'mode-coverage'" in detail and "choose a distinctive name" in detail


def test_a_measurement_not_declared_in_measures_fails():
    detail = failed("undeclared")["declared measures"]
    assert "reports gaps, not in measures=('gap',)" in detail, detail


def test_a_built_in_metric_passes_on_streamed_data_and_declares_what_it_reports():
    results = check("metric", "mode-coverage", registry=registry_for(PLUGINS))
    assert not failures(results), failures(results)
    passed = {r.check: r.detail for r in results}
    assert "streamed" in passed["builds"] and "modes" in passed["declared measures"]


def test_a_conditional_metric_is_checked_on_a_label_blind_conditional_generator():
    results = check("metric", "conditional-accuracy", registry=registry_for(PLUGINS))
    assert not failures(results), failures(results)
    value = float({r.check: r.detail for r in results}["computes"].split()[-1])
    assert value == pytest.approx(0.1, abs=0.04)  # ten reference classes: chance
