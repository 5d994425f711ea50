"""A component with its parameters on the command line: 'gp:lambda=5', several with ',' or ':'."""

import pytest

from ganbench.choices import parse_choice, split_components
from ganbench.errors import UsageError
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for

REGISTRY = registry_for(PluginOptions(external=False))


def test_a_parameter_after_a_comma_belongs_to_the_component_before_it():
    assert split_components("none,dragan:lambda=5,c=0.2,gp") == ["none", "dragan:lambda=5,c=0.2", "gp"]
    assert split_components("pack:m=4,gp+sn, ,hinge") == ["pack:m=4", "gp+sn", "hinge"]
    assert split_components("a=1,b") == ["a=1", "b"]  # no ':' before it: not a parameter


def test_parameters_are_typed_and_checked_for_every_kind_that_declares_them():
    assert parse_choice(REGISTRY, "stabilisers", "gp:lambda=5").params == (("lambda", 5.0),)
    assert parse_choice(REGISTRY, "losses", "hinge:margin=2").params == (("margin", 2.0),)
    assert parse_choice(REGISTRY, "models", "mlp:g_width=64:d_width=32").params == (("d_width", 32), ("g_width", 64))
    with pytest.raises(UsageError, match="stabiliser parameter gp:lambda=x must be a number"):
        parse_choice(REGISTRY, "stabilisers", "gp:lambda=x")
    with pytest.raises(UsageError, match="hinge has no parameter 'm' \\(its parameters: margin=1.0\\)"):
        parse_choice(REGISTRY, "losses", "hinge:m=1")
    with pytest.raises(UsageError, match="lambda is given twice"):
        parse_choice(REGISTRY, "stabilisers", "gp:lambda=1,lambda=2")
