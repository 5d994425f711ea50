"""--set: hyper-parameters and components' parameters, typed and checked, scoped, and as grid axes."""

import pytest

from ganbench.errors import UsageError
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.settings import Assignment, check_settings, combinations, hparam_value, parse_setting
from ganbench.types import HParams, StabiliserChoice

BUILTINS = PluginOptions(external=False)


def test_a_setting_reads_scope_key_and_the_values_of_an_axis():
    assert str(parse_setting("dcgan.lr_d=1e-4|4e-4")) == "dcgan.lr_d=1e-4|4e-4"
    setting = parse_setting(" lr_d = 2e-4 ")
    assert (setting.scope, setting.key, setting.values) == (None, "lr_d", ("2e-4",))
    for bad in ("lr_d", "=3", "lr_d=", "lr_d=1e-4||2e-4"):
        with pytest.raises(UsageError, match="write KEY=VALUE"):
            parse_setting(bad)


def test_axes_multiply():
    settings = [parse_setting("lr_d=1|2|3"), parse_setting("n_critic=1|5")]
    assert len(combinations(settings)) == 6 and combinations([]) == [()]


def test_values_are_typed_like_the_defaults_and_checked():
    base = HParams()
    assert hparam_value("lr", "3e-4", base) == {"lr_g": 3e-4, "lr_d": 3e-4}
    assert hparam_value("beta1", "0", base) == {"betas": (0.0, 0.999)}
    assert hparam_value("betas", "0.0,0.9", base) == {"betas": (0.0, 0.9)}
    assert hparam_value("n_critic", "5", base) == {"n_critic": 5}
    for key, raw, message in [
        ("lr_g", "abc", "--set lr_g=abc must be a number"),
        ("lr_d", "-1", "a learning rate must be more than zero"),
        ("n_critic", "2.5", "must be a whole number"),
        ("optimizer", "sgd", "choose one of adam, rmsprop"),
        ("beta1", "1.5", "Adam's betas lie in [0, 1)"),
    ]:
        with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
            hparam_value(key, raw, base)


def check(*texts, models=("dcgan",), losses=("ns",), stabilisers=((),)):
    registry = registry_for(BUILTINS)
    check_settings(
        [parse_setting(t) for t in texts], registry, [StabiliserChoice(m) for m in models],
        [StabiliserChoice(loss) for loss in losses], list(stabilisers),
    )  # fmt: skip


def test_unknown_keys_and_scopes_are_refused_with_what_would_be_right():
    with pytest.raises(UsageError, match="no hyper-parameter or parameter 'lr_gg'; did you mean 'lr_g'"):
        check("lr_gg=1e-4")
    with pytest.raises(UsageError, match="'wgan' is no model, loss or stabiliser of this run"):
        check("wgan.lr_d=1e-4")
    with pytest.raises(UsageError, match="no hyper-parameter or parameter 'margin' of dcgan"):
        check("dcgan.margin=2", losses=("hinge",))
    check("hinge.margin=2", "width=32", "gp.lambda=1|5", losses=("hinge",), stabilisers=((StabiliserChoice("gp"),),))


def test_an_assignment_lands_on_every_component_that_has_the_key():
    registry = registry_for(BUILTINS)
    dcgan, hinge, gp = registry.get("models", "dcgan"), registry.get("losses", "hinge"), StabiliserChoice("gp")
    values = Assignment.of(
        [(parse_setting(t), t.split("=")[1]) for t in ("lr=1e-3", "dcgan.width=32", "margin=2", "gp.lambda=5")]
    )
    applied = values.apply(registry, dcgan, StabiliserChoice("dcgan"), hinge, StabiliserChoice("hinge"), (gp,))
    assert (applied.hparams.lr_g, applied.hparams.lr_d, applied.hparams.model_params) == (1e-3, 1e-3, {"width": 32})
    assert applied.loss_params == (("margin", 2.0),) and applied.stabilisers == (
        StabiliserChoice("gp", (("lambda", 5.0),)),
    )
    assert dcgan.hparams.lr_g == 2e-4  # the model's defaults are left as they were
