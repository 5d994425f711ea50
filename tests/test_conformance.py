"""`ganbench check-plugin` and ganbench.conformance: built-ins pass, broken plugins fail with a clear line."""

from pathlib import Path

import pytest

from ganbench.cli import main
from ganbench.conformance import check, failures, kind_of
from ganbench.errors import UsageError
from ganbench.plugins import BUILTIN_DISTRIBUTION, PluginOptions
from ganbench.registry import registry_for

BUILTINS = PluginOptions(external=False)
CHECKED = ("models", "losses", "stabilisers", "datasets", "executors")


def builtin_names():
    registry = registry_for(BUILTINS)
    return [
        (kind, name)
        for kind in CHECKED
        for name in registry.names(kind)
        if registry.get(kind, name).distribution == BUILTIN_DISTRIBUTION
    ]


@pytest.mark.parametrize("kind, name", builtin_names())
def test_every_built_in_keeps_the_contract(kind, name):
    results = check(kind, name, registry=registry_for(BUILTINS), plugins=BUILTINS)
    assert not failures(results), failures(results)
    assert len(results) >= 3


@pytest.mark.parametrize("name", ["detached-g", "flat-g"])
def test_a_loss_whose_generator_term_does_not_reach_g_fails(name, capsys):
    code = main(["--plugin", "broken_loss_plugin", "check-plugin", name])
    out = capsys.readouterr().out
    assert code == 1
    fail_lines = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert fail_lines, out
    assert any("G" in line and "gradient" in line for line in fail_lines), fail_lines
    assert f"loss '{name}' fails the contract" in out


def test_check_plugin_prints_a_line_per_check_and_exits_0(capsys):
    code = main(["--plugin", "toy_plugin", "check-plugin", "toy-ns"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "pass gradients: G update" in out and "pass same seed, same numbers" in out
    assert "loss 'toy-ns' keeps the contract" in out


def test_unknown_names_exit_2_with_the_closest_match(capsys):
    assert main(["check-plugin", "hinje"]) == 2
    assert "unknown component 'hinje'; did you mean 'hinge'?" in capsys.readouterr().err


def test_kind_disambiguates_and_is_checked():
    registry = registry_for(PluginOptions(modules=("toy_plugin",)))
    assert check("loss", "toy-ns", registry=registry)[0].passed
    with pytest.raises(UsageError, match="unknown loss 'toy-mlp'"):
        check("loss", "toy-mlp", registry=registry)
    assert kind_of("Data_Set") == "datasets" and kind_of("losses") == "losses"
    with pytest.raises(UsageError, match="unknown kind"):
        kind_of("optimiser")


def test_the_fail_line_docs_plugins_md_quotes_is_what_check_plugin_prints(ganbench_plugins):
    """docs/plugins.md quotes a FAIL line as an example; it stays the line a user would really see."""
    import re
    import types as module_types

    import torch.nn.functional as F

    from ganbench import hookimpl
    from ganbench.types import LossSpec

    docs = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text()
    [quoted] = re.findall(r"`(FAIL gradients: G update: mylosses's [^`]+)`", docs)
    plugin = module_types.SimpleNamespace()

    @hookimpl
    def ganbench_losses():
        def d_loss(real, fake):
            return F.softplus(-real).mean() + F.softplus(fake).mean()

        def g_loss(fake, real):
            return F.softplus(-fake.detach()).mean()

        return [LossSpec(name="mylosses", description="a g_loss that detaches", d_loss=d_loss, g_loss=g_loss)]

    plugin.ganbench_losses = ganbench_losses
    ganbench_plugins.register(plugin, name="mylosses_docs_example")
    printed = [
        f"{'pass' if r.passed else 'FAIL'} {r.check}: {r.detail}" for r in ganbench_plugins.check("loss", "mylosses")
    ]
    assert quoted in printed


@pytest.mark.parametrize(
    "name, check_line",
    [
        ("dragan-no-graph", "FAIL gradients: D penalty: dragan-no-graph's d_penalty (its value has no graph back"),
        ("detaching-aug", "FAIL gradients: through critic_input: detaching-aug's critic_input cuts the gradient to G"),
        ("rounding-aug", "FAIL gradients: through critic_input: rounding-aug's critic_input cuts the gradient to G"),
        (
            "half-detaching-aug",
            "FAIL gradients: through critic_input: half-detaching-aug's critic_input cuts the gradient to G: in G's "
            "update the batch it returns has a zero gradient with respect to some of G's samples",
        ),
    ],
)
def test_a_stabiliser_that_cuts_a_gradient_fails_with_what_it_cut(name, check_line, capsys):
    code = main(["--plugin", "broken_stabiliser_plugin", "check-plugin", name])
    out = capsys.readouterr().out
    assert code == 1, out
    assert any(line.startswith(check_line) for line in out.splitlines()), out
    assert f"stabiliser '{name}' fails the contract" in out


def test_a_conditional_critic_whose_features_need_the_label_must_say_how_it_joins_them():
    """A concatenating critic that overrides forward(x, y) alone cannot give a stabiliser its features
    (feature matching reads them through the labels-bound critic): check-plugin names the override."""
    import dataclasses

    import torch
    from torch import nn

    from ganbench.conformance.models import check_model
    from ganbench.types import Critic

    class ForwardOnly(Critic):
        def forward(self, x, y):
            return self.head(self.features(torch.cat([x, nn.functional.one_hot(y, 3).to(x.dtype)], 1))).reshape(-1)

    registry = registry_for(PluginOptions(external=False))
    spec = dataclasses.replace(
        registry.get("models", "cmlp"),
        name="forward-only",
        critic=lambda shape, hp: ForwardOnly(nn.Sequential(nn.Linear(2 + 3, 8), nn.ReLU()), nn.Linear(8, 1)),
    )
    builds = next(result for result in check_model(registry, spec) if result.check == "builds")
    assert not builds.passed
    assert "D.score_and_features(x, y) must give forward's scores and the features (N, F) of x with its label" in (
        builds.detail
    )
    assert "override it where the label enters the critic" in builds.detail
