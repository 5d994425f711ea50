"""Plugin discovery through entry points: built-ins, external ones, broken ones, the switch."""

import sys
import textwrap

import pytest

from ganbench.errors import UsageError
from ganbench.plugins import DISABLE_EXTERNAL_ENV, load_plugins
from ganbench.registry import build_registry

BUILTINS = {"models", "losses", "stabilisers", "datasets", "metrics", "executors", "loggers"}


def install_fake_distribution(root, name, module_source, entry_name="main"):
    """A real (if minimal) installed distribution: dist-info with an entry point, and its module."""
    module = f"{name.replace('-', '_')}_module"
    (root / f"{module}.py").write_text(textwrap.dedent(module_source))
    info = root / f"{name.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[ganbench]\n{entry_name} = {module}\n")
    return module


@pytest.fixture
def site(tmp_path, monkeypatch, external_plugins):
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    # Forget only the modules this test wrote: a broad pattern (e.g. "*_module") would also
    # drop library modules such as torch.fx.graph_module and leave two copies of their classes.
    for path in tmp_path.glob("*_module.py"):
        sys.modules.pop(path.stem, None)


def test_builtins_come_through_the_entry_point_group():
    plugins = load_plugins(external=False)
    assert {p.name for p in plugins.loaded} == BUILTINS
    assert all(p.builtin and p.distribution == "ganbench" for p in plugins.loaded)


def test_broken_plugin_is_reported_and_the_rest_load(site):
    install_fake_distribution(site, "ganbench-broken", "raise ImportError('needs a missing library')")
    plugins = load_plugins()
    assert BUILTINS <= {p.name for p in plugins.loaded}
    [failure] = plugins.failures
    assert failure.distribution == "ganbench-broken"
    assert "needs a missing library" in str(failure) and "ganbench-broken" in str(failure)


def test_strict_plugins_make_a_failure_fatal(site):
    install_fake_distribution(site, "ganbench-broken", "raise ImportError('nope')")
    with pytest.raises(UsageError, match="ganbench-broken.*nope"):
        load_plugins(strict=True)


def test_environment_switch_turns_external_plugins_off(site, monkeypatch):
    install_fake_distribution(site, "ganbench-extra", "x = 1")
    assert any(p.distribution == "ganbench-extra" for p in load_plugins().loaded)
    monkeypatch.setenv(DISABLE_EXTERNAL_ENV, "1")
    loaded = load_plugins().loaded
    assert {p.name for p in loaded} == BUILTINS


def test_two_providers_of_one_name_stop_with_both_named(site):
    install_fake_distribution(
        site,
        "ganbench-clash",
        """
        from ganbench import hookimpl
        from ganbench.types import LossSpec

        @hookimpl
        def ganbench_losses():
            return [LossSpec(name="toy-ns", description="a clash", d_loss=None, g_loss=None)]
        """,
    )
    plugins = load_plugins(extra_modules=("toy_plugin",))
    with pytest.raises(UsageError, match=r"two plugins provide the loss 'toy-ns': ganbench-clash.* and toy_plugin"):
        build_registry(plugins)


def test_records_are_stamped_with_their_provider(site):
    install_fake_distribution(
        site,
        "ganbench-extra",
        """
        from ganbench import hookimpl
        from ganbench.types import LossSpec

        @hookimpl
        def ganbench_losses():
            return [LossSpec(name="Extra_Loss", description="x", d_loss=None, g_loss=None)]
        """,
    )
    registry = build_registry(load_plugins())
    record = registry.get("losses", "extra-loss")  # names are normalised
    assert (record.distribution, record.version) == ("ganbench-extra", "1.2.3")
    assert "ganbench-extra" in record.provider


def test_a_hook_that_raises_is_reported_like_an_import_failure(site):
    install_fake_distribution(
        site,
        "ganbench-raises",
        """
        from ganbench import hookimpl

        @hookimpl
        def ganbench_models():
            raise RuntimeError("cannot build my list")
        """,
    )
    plugins = load_plugins(extra_modules=("toy_plugin",))
    registry = build_registry(plugins)
    assert any("cannot build my list" in str(f) and "ganbench-raises" in str(f) for f in plugins.failures)
    assert "toy-mlp" in registry.names("models")  # the rest still loads


def test_a_misspelt_hook_fails_its_plugin_naming_the_hook_it_meant(site):
    (site / "typo_losses.py").write_text(
        "from ganbench import hookimpl\n\n@hookimpl\ndef ganbench_loss():\n    return []\n"
    )
    plugins = load_plugins(external=False, extra_modules=("typo_losses",))
    [failure] = plugins.failures
    assert str(failure) == (
        "plugin 'typo_losses' from --plugin failed to load: UnknownHook: it implements 'ganbench_loss', "
        "which is not a ganbench hook; did you mean 'ganbench_losses'?"
    )
    assert "typo_losses" not in {p.name for p in plugins.loaded}
    assert plugins.manager.get_plugin("typo_losses") is None  # unregistered: none of its hooks is called
    sys.modules.pop("typo_losses", None)
    with pytest.raises(UsageError, match="did you mean 'ganbench_losses'"):
        load_plugins(external=False, extra_modules=("typo_losses",), strict=True)
    sys.modules.pop("typo_losses", None)
