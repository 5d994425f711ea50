"""The plugin contract stays documented and exercised: every hookspec is in docs/plugins.md with
its exact signature, has an example in its docstring, and is called during a tiny run."""

import inspect
import re
from pathlib import Path

import pytest

from ganbench import hookimpl, hookspecs
from ganbench.cli import build_parser
from ganbench.types import (
    DatasetSpec,
    Executor,
    ExecutorSpec,
    LoggerSpec,
    LossSpec,
    MetricSpec,
    ModelSpec,
    StabiliserSpec,
    TrialLogger,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
HOOKS = sorted(name for name in vars(hookspecs) if name.startswith("ganbench_"))


def signature(name: str) -> str:
    """'ganbench_checkpoint(trial: dict, ...) -> None', from the spec itself (quotes of lazy annotations dropped)."""
    return f"{name}{inspect.signature(getattr(hookspecs, name))}".replace("'", "")


def test_there_are_hooks_to_check():
    assert {"ganbench_models", "ganbench_losses", "ganbench_trial_finished"} <= set(HOOKS)
    assert all(hasattr(getattr(hookspecs, n), "ganbench_spec") for n in HOOKS)


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_documented_with_its_exact_signature(name):
    text = DOCS.read_text()
    assert f"### {name}\n" in text, f"docs/plugins.md has no section '### {name}'"
    section = text.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
    assert f"def {signature(name)}" in section, f"docs/plugins.md does not show def {signature(name)}"
    assert "@hookimpl" in section, f"the docs section of {name} has no example"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_docstring_has_an_example(name):
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    assert "::" in doc and "@hookimpl" in doc and f"def {name}(" in doc


def test_the_docs_document_no_hook_that_does_not_exist():
    documented = set(re.findall(r"^### (ganbench_\w+)$", DOCS.read_text(), flags=re.M))
    assert documented == set(HOOKS)


class EveryHook:
    """Implements every hook, with the fewest arguments the spec allows for some, and records the calls."""

    def __init__(self):
        self.calls = {name: 0 for name in HOOKS}

    def _called(self, name):
        self.calls[name] += 1

    @hookimpl
    def ganbench_models(self):
        self._called("ganbench_models")
        return [ModelSpec(name="every-model", description="d", generator=None, critic=None)]

    @hookimpl
    def ganbench_losses(self):
        self._called("ganbench_losses")
        return [LossSpec(name="every-loss", description="d", d_loss=None, g_loss=None)]

    @hookimpl
    def ganbench_stabilisers(self):
        self._called("ganbench_stabilisers")
        return [StabiliserSpec(name="every-stabiliser", description="d", factory=None)]

    @hookimpl
    def ganbench_datasets(self):
        self._called("ganbench_datasets")
        return [DatasetSpec(name="every-dataset", description="d", load=None)]

    @hookimpl
    def ganbench_metrics(self):
        self._called("ganbench_metrics")
        return [MetricSpec(name="every-metric", description="d", factory=None)]

    @hookimpl
    def ganbench_executors(self):
        self._called("ganbench_executors")
        return [ExecutorSpec(name="every-executor", description="d", factory=lambda options: Executor())]

    @hookimpl
    def ganbench_loggers(self):
        self._called("ganbench_loggers")
        return [LoggerSpec(name="every-logger", description="d", start_trial=lambda context, trial: TrialLogger())]

    @hookimpl
    def ganbench_add_options(self, options):
        self._called("ganbench_add_options")
        options.add("metric", "--every-option", default=3)

    @hookimpl
    def ganbench_add_commands(self, commands):
        self._called("ganbench_add_commands")
        commands.add("every-command", help="d", run=lambda args, context: 0)

    @hookimpl
    def ganbench_trial_started(self, trial):
        self._called("ganbench_trial_started")
        self.started = trial

    @hookimpl
    def ganbench_checkpoint(self, trial, checkpoint, step, seconds, measurements):
        self._called("ganbench_checkpoint")
        self.checkpoints = getattr(self, "checkpoints", []) + [(checkpoint, step, [m.name for m in measurements])]

    @hookimpl
    def ganbench_trial_finished(self, trial, status):  # fewer arguments than the spec: allowed
        self._called("ganbench_trial_finished")
        self.finished = status


def test_every_hook_is_called_discovery_by_the_registry_events_by_a_run(ganbench_plugins):
    observer = EveryHook()
    ganbench_plugins.register(observer)
    ganbench_plugins.register(__import__("toy_plugin"))
    registry = ganbench_plugins.registry
    args = build_parser(registry).parse_args(["run"])
    assert build_parser(registry).parse_args(["every-command"]).plugin_command(None, None) == 0
    assert args.plugin_options.values(args, "metric") == {"every_option": 3, "fid_extractor": "auto"}
    for kind in ("models", "losses", "stabilisers", "datasets", "metrics", "executors", "loggers"):
        assert f"every-{kind.rstrip('s').replace('losse', 'loss')}" in registry.names(kind)
    result = ganbench_plugins.run(
        "toy-mlp", "toy-ns", dataset="toy-line", steps=4, checkpoints=2, metrics=("mean-gap",)
    )
    assert result.status == "done", result.reason
    assert observer.started["model"] == "toy-mlp" and observer.started["id"] == result.id
    assert observer.checkpoints == [(0, 2, ["mean-gap"]), (1, 4, ["mean-gap"])]
    assert observer.finished == "done"
    never = [name for name, count in observer.calls.items() if count == 0]
    assert not never, f"hooks never called: {never}"
