"""ganbench.testing: the `ganbench_plugins` fixture (from the pytest11 entry point) and its helpers."""

import types

import pytest
import toy_plugin

from ganbench import hookimpl
from ganbench.errors import UsageError
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.testing import PluginKit, assert_trial_ok, run_tiny_trial
from ganbench.types import LossSpec, TrialResult

SEEN = {}


def test_the_fixture_comes_from_the_installed_pytest_plugin(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("ganbench")


def test_built_ins_only_until_something_is_registered(ganbench_plugins):
    registry = ganbench_plugins.registry
    assert {p.name for p in registry.plugins.loaded} <= {
        "models",
        "losses",
        "stabilisers",
        "datasets",
        "metrics",
        "executors",
        "loggers",
    }
    assert all(p.builtin for p in registry.plugins.loaded)


def test_a_module_registers_and_trains(ganbench_plugins):
    assert ganbench_plugins.register(toy_plugin) == "toy_plugin"
    assert "toy-ns" in ganbench_plugins.registry.names("losses")
    result = ganbench_plugins.run("toy-mlp", "toy-ns", dataset="toy-line", steps=3)
    assert_trial_ok(result)
    SEEN["id"] = result.id


def test_registrations_do_not_leak_into_the_next_test(ganbench_plugins):
    assert "toy-ns" not in ganbench_plugins.registry.names("losses")
    assert "toy-ns" not in registry_for(PluginOptions(external=False)).names("losses")


def test_an_object_registers_under_a_name_of_its_own_and_is_removed_after():
    class Plugin:
        @hookimpl
        def ganbench_losses(self):
            return [LossSpec(name="object-loss", description="d", d_loss=None, g_loss=None)]

    kit = PluginKit()
    name = kit.register(Plugin())
    assert kit.registry.get("losses", "object-loss").plugin == name
    kit.unregister(name)
    assert "object-loss" not in kit.registry.names("losses")
    kit.register(types.SimpleNamespace(ganbench_losses=Plugin().ganbench_losses))
    kit.close()
    assert not any(n.startswith("ganbench_test_plugin_") for n in __import__("sys").modules)


def test_a_plugin_that_fails_to_load_fails_the_test(ganbench_plugins):
    class Broken:
        @hookimpl
        def ganbench_models(self):
            raise RuntimeError("cannot list my models")

    ganbench_plugins.register(Broken())
    with pytest.raises(UsageError, match="cannot list my models"):
        _ = ganbench_plugins.registry


def test_assert_trial_ok_names_what_went_wrong():
    assert_trial_ok(
        run_tiny_trial("toy-mlp", "toy-ns", dataset="toy-line", plugins=PluginOptions(modules=("toy_plugin",)))
    )
    with pytest.raises(AssertionError, match="ended 'diverged': d_loss is not finite"):
        assert_trial_ok(TrialResult("x", "diverged", "d_loss is not finite at step 3"))


def test_run_tiny_trial_keeps_its_signature():
    import inspect

    params = list(inspect.signature(run_tiny_trial).parameters)
    assert params[:6] == ["model", "loss", "stabilisers", "dataset", "steps", "seed"]
    assert {"metrics", "plugins", "checkpoints", "hparams", "cache_dir"} <= set(params)


def test_conformance_from_the_kit(ganbench_plugins):
    ganbench_plugins.register(toy_plugin)
    ganbench_plugins.assert_conforms("loss", "toy-ns")
    assert all(passed for _, passed, _ in ganbench_plugins.check("model", "toy-mlp"))
