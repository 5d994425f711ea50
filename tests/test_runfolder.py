"""The run folder on a resume: the same command keeps its trials only while they were measured with the same
components (providers, versions, declared defaults); --resume-stale keeps them anyway, and the report says so."""

import html
import sqlite3

import pytest
import toy_plugin

from ganbench import hookimpl
from ganbench.cli import main
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.store import Store
from ganbench.types import Stabiliser, StabiliserSpec

TOY = PluginOptions(modules=("toy_plugin",))


@hookimpl
def toy_stabilisers():
    """A stabiliser with a declared parameter that changes nothing: the test is about the record, not training."""
    calm = StabiliserSpec(name="toy-calm", description="does nothing", params={"weight": 10.0}, factory=Stabiliser)
    return [calm]


@pytest.fixture(autouse=True)
def _toy_stabiliser(monkeypatch):
    # Set before the first command of a test builds the registry, which reads the module's hooks then.
    monkeypatch.setattr(toy_plugin, "ganbench_stabilisers", toy_stabilisers, raising=False)


def toy_run(out, *extra):
    """A tiny run whose stabiliser is used without parameters: its declared default is what it trains with."""
    components = ["--models", "toy-mlp", "--losses", "toy-ns", "--stabilisers", "toy-calm", "--dataset", "toy-line"]
    budget = ["--budget", "3steps", "--metrics", "none", "--device", "cpu"]
    return main(["--plugin", "toy_plugin", "run", *components, *budget, "--out", str(out), *extra])


def installed(kind, name):
    """The record the next command of this process uses (the registry is built once per process)."""
    return registry_for(TOY).get(kind, name)


def components(out):
    store = Store.open_existing(out)
    try:
        return store.get("components")
    finally:
        store.close()


def test_the_first_invocation_records_every_component_with_its_provider_version_and_defaults(tmp_path):
    out = tmp_path / "run"
    assert toy_run(out) == 0
    recorded = components(out)
    assert set(recorded) == {"model toy-mlp", "loss toy-ns", "stabiliser toy-calm", "data set toy-line"}
    assert recorded["stabiliser toy-calm"]["params"] == {"weight": 10.0}
    assert recorded["data set toy-line"]["provider"] == installed("datasets", "toy-line").provider
    assert recorded["model toy-mlp"]["hparams"]["lr_g"] == 0.001
    assert recorded["loss toy-ns"]["provider"] == installed("losses", "toy-ns").provider


def new_default(monkeypatch):
    monkeypatch.setitem(installed("stabilisers", "toy-calm").params, "weight", 5.0)


def new_version(monkeypatch):
    monkeypatch.setattr(installed("losses", "toy-ns"), "version", "0.2.0")


@pytest.mark.parametrize(
    "change, said",
    [
        (new_default, "stabiliser toy-calm: weight default 10.0 -> 5.0"),
        (new_version, "loss toy-ns: ganbench-toy 0.1.0 -> 0.2.0"),
    ],
)
def test_a_changed_component_is_refused_in_one_line_and_kept_with_resume_stale(
    tmp_path, capsys, monkeypatch, change, said
):
    # As if the toy plugin were a distribution: a version to change.
    monkeypatch.setattr(installed("losses", "toy-ns"), "distribution", "ganbench-toy")
    monkeypatch.setattr(installed("losses", "toy-ns"), "version", "0.1.0")
    out = tmp_path / "run"
    assert toy_run(out) == 0
    change(monkeypatch)  # what reinstalling the plugin with another default, or another version, does
    capsys.readouterr()
    assert toy_run(out) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("ganbench: error: --out ")
    assert "was measured with other components: " + said in err
    assert err.endswith("choose a new --out, or add --resume-stale to keep the trials measured before")
    assert components(out)["stabiliser toy-calm"]["params"] == {"weight": 10.0}  # refused: nothing written

    assert toy_run(out, "--resume-stale") == 0
    assert "(0 to run, 1 kept" in capsys.readouterr().out
    for name in ("report.md", "report.html"):
        assert "kept 1 trial measured with earlier components: " + said in html.unescape((out / name).read_text())
    assert toy_run(out) == 0  # the components are now those recorded: the same command resumes again


def test_a_folder_from_before_components_were_recorded_resumes_and_gains_the_fact(tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert toy_run(out) == 0
    with sqlite3.connect(out / "results.sqlite") as db:
        db.execute("DELETE FROM run WHERE key = 'components'")
    monkeypatch.setitem(installed("stabilisers", "toy-calm").params, "weight", 5.0)
    assert toy_run(out) == 0
    assert components(out)["stabiliser toy-calm"]["params"] == {"weight": 5.0}


def test_a_changed_default_hyper_parameter_is_named_when_the_grid_differs(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert toy_run(out) == 0
    monkeypatch.setattr(installed("models", "toy-mlp").hparams, "lr_g", 2e-3)  # part of every trial's id
    capsys.readouterr()
    assert toy_run(out) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "holds a run with a different grid" in err
    assert "model toy-mlp: lr_g default 0.001 -> 0.002" in err


@pytest.mark.parametrize(("model", "listed"), [("dcgan", False), ("cdcgan", True)])
def test_a_metric_of_conditional_trials_is_listed_as_prepared_only_where_one_trains(tmp_path, model, listed):
    out = tmp_path / "run"
    arguments = ["run", "--models", model, "--losses", "ns", "--dataset", "digits", "--budget", "2steps"]
    assert main([*arguments, "--metrics", "class-coverage,conditional-accuracy", "--out", str(out)]) == 0
    store = Store.open_existing(out)
    try:
        prepared = store.get("metric_info")
    finally:
        store.close()
    assert "class-coverage" in prepared and ("conditional-accuracy" in prepared) == listed
    report = (out / "report.md").read_text()
    assert ("**conditional-accuracy**" in report) == listed
