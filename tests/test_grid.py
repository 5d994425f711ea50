import re

import pytest

from ganbench.errors import UsageError
from ganbench.grid import parse_stabiliser_choice, plan_trials, select, split_list, stabiliser_sets
from ganbench.registry import load_registry
from ganbench.types import DataShape, Stabiliser, StabiliserSpec


class Needs64(Stabiliser):
    def __init__(self, m=2, strength=1.0, on=True):
        self.m = m

    def check(self, plan):
        return (
            None
            if plan.hparams.batch_size % 64 == 0
            else f"needs a batch divisible by 64, not {plan.hparams.batch_size}"
        )


class Plugin:
    from ganbench import hookimpl

    @staticmethod
    @hookimpl
    def ganbench_stabilisers():
        return [
            StabiliserSpec(
                name="needs64", description="x", factory=Needs64, params={"m": 2, "strength": 1.0, "on": True}
            ),
            StabiliserSpec(name="plain", description="y", factory=Stabiliser),
        ]


@pytest.fixture(scope="module")
def registry():
    registry = load_registry(extra_modules=("toy_plugin",))
    # A test stabiliser plugin registered on the side: the grid must not care where it comes from.
    from ganbench.registry import build_registry

    registry.plugins.manager.register(Plugin, name="grid-test")
    return build_registry(registry.plugins)


def test_all_means_every_registered_name(registry):
    assert select(registry, "losses", ["all"]) == registry.names("losses")
    assert select(registry, "losses", ["toy-ns", "TOY_NS"]) == ["toy-ns"]


def test_stabiliser_parameters_are_typed_like_their_defaults(registry):
    choice = parse_stabiliser_choice(registry, "needs64:m=4:strength=0.5:on=false")
    assert dict(choice.params) == {"m": 4, "strength": 0.5, "on": False}
    assert str(choice) == "needs64:m=4:on=False:strength=0.5"


@pytest.mark.parametrize(
    "text, message",
    [
        ("needs64:m=abc", "must be a whole number"),
        ("needs64:strength=x", "must be a number"),
        ("needs64:k=1", "has no parameter 'k'"),
        ("needs64:m", "write parameters as"),
        ("nedds64", "did you mean 'needs64'"),
    ],
)
def test_bad_stabiliser_parameters(registry, text, message):
    with pytest.raises(UsageError, match=message):
        parse_stabiliser_choice(registry, text)


def test_stabilisers_all_is_none_plus_each_alone(registry):
    sets = stabiliser_sets(registry, ["all"])
    assert sets[0] == () and len(sets) == 1 + len(registry.names("stabilisers"))
    assert all(len(s) == 1 for s in sets[1:])
    assert [tuple(c.name for c in s) for s in stabiliser_sets(registry, ["needs64+plain", "none"])] == [
        ("needs64", "plain"),
        (),
    ]


def test_every_combination_is_a_trial_and_skips_carry_reasons(registry):
    shape = DataShape("vector", (2,))
    trials = plan_trials(
        registry, shape, ["toy-mlp"], ["toy-ns"], stabiliser_sets(registry, ["none", "needs64"]), [0, 1, 2]
    )
    assert len(trials) == 6
    skipped = [t for t in trials if t.skip_reason]
    assert len(skipped) == 3 and all("divisible by 64, not 32" in t.skip_reason for t in skipped)
    image_trials = plan_trials(registry, DataShape("image", (1, 16, 16)), ["toy-mlp"], ["toy-ns"], [()], [0])
    assert "needs vector data" in image_trials[0].skip_reason


def test_split_list():
    assert split_list(" a, b,,c ") == ["a", "b", "c"]


def test_a_list_option_must_name_something_and_names_each_thing_once():
    from ganbench.grid import option_list, repeated_names

    assert option_list("--models", " a, b,,c ") == ["a", "b", "c"]
    for text in ("", ",,,", " , "):
        with pytest.raises(UsageError, match=f"--models '{text}' names nothing"):
            option_list("--models", text)
    assert option_list("--metrics", "fid,kid,FID") == ["fid", "kid"]  # a name twice is kept once
    assert repeated_names("fid,kid,FID,fid") == ["FID", "fid"] and repeated_names("a,b") == []


def test_a_stabiliser_twice_in_one_set_is_refused(registry):
    for text in ("needs64+needs64", "needs64:m=4+plain+needs64"):
        with pytest.raises(UsageError, match=re.escape(f"stabiliser set '{text}' has needs64 twice")):
            stabiliser_sets(registry, [text])
    assert len(stabiliser_sets(registry, ["needs64", "needs64"])) == 1  # the same set twice is one set


def test_a_grid_is_counted_before_it_is_planned():
    from ganbench.grid import MAX_TRIALS, check_grid_size

    check_grid_size(10, 10, 10, MAX_TRIALS // 1000)
    with pytest.raises(UsageError, match=r"the grid has 10,000,000 trials \(1 x 1 x 1 x 10,000,000"):
        check_grid_size(1, 1, 1, 10_000_000)


def test_a_conditional_model_needs_labelled_data_and_trains_with_stabilisers_but_packing():
    from ganbench.plugins import PluginOptions
    from ganbench.registry import registry_for

    builtins = registry_for(PluginOptions(external=False))
    images = DataShape("image", (1, 16, 16))
    [unlabelled] = plan_trials(builtins, images, ["cdcgan"], ["ns"], [()], [0])
    assert "cdcgan is class-conditional: it needs a labelled data set" in unlabelled.skip_reason
    labelled = DataShape("image", (1, 16, 16), classes=10)
    sets = stabiliser_sets(builtins, ["none", "gp", "pack"])
    plain, with_gp, packed = plan_trials(builtins, labelled, ["cdcgan"], ["ns"], sets, [0])
    assert plain.skip_reason is None and with_gp.skip_reason is None
    assert packed.skip_reason == "pack judges 2 samples as one, and cdcgan's D judges each sample with its label"
