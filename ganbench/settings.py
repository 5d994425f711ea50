"""Hyper-parameters a user sets: `--set KEY=VALUE`, scoped (`dcgan.lr_d=4e-4`) or a grid axis (`lr_d=1e-4|4e-4`).

A key is a training hyper-parameter (``HParams``: z_dim, batch_size, optimizer, lr_g, lr_d, betas,
n_critic, plus the shorthands ``lr`` for both learning rates and ``beta1``/``beta2`` for one of
Adam's betas) or a parameter a component declares (a model's ``width``, a stabiliser's ``lambda``).
Unscoped, it applies to every component of the run that has it; scoped, to the one named. Values
are typed like the declared default and checked before anything runs; several values joined by
``|`` make a grid axis, and axes multiply.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ganbench.errors import UsageError
from ganbench.registry import Registry
from ganbench.types import HParams, ModelSpec, StabiliserChoice, normalise_name

HPARAMS = tuple(f.name for f in dataclasses.fields(HParams) if f.name != "model_params")
SHORTHANDS = {"lr": ("lr_g", "lr_d"), "beta1": ("betas",), "beta2": ("betas",)}
OPTIMIZERS = ("adam", "rmsprop")


@dataclass(frozen=True)
class Setting:
    """One `--set`: the component it is scoped to (None: all that have the key), the key, its values."""

    scope: str | None
    key: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.scope + '.' if self.scope else ''}{self.key}={'|'.join(self.values)}"


def parse_setting(text: str) -> Setting:
    """'dcgan.lr_d=1e-4|4e-4' -> Setting('dcgan', 'lr_d', ('1e-4', '4e-4'))."""
    left, eq, right = text.partition("=")
    scope, _, key = left.strip().rpartition(".")
    values = tuple(v.strip() for v in right.split("|"))
    if not eq or not key.strip() or not all(values):
        raise UsageError(f"--set '{text}': write KEY=VALUE, COMPONENT.KEY=VALUE or KEY=A|B|C (e.g. lr_d=2e-4)")
    return Setting(normalise_name(scope) if scope else None, key.strip(), values)


def typed(what: str, raw: str, default: Any) -> Any:
    """``raw`` read as the type of ``default``; one line saying what was expected otherwise."""
    kind = type(default)
    try:
        if kind is bool:
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError
        if kind is tuple:
            parts = [p for p in raw.strip("()[] ").replace(" ", "").split(",") if p]
            if len(parts) != len(default):
                raise ValueError
            return tuple(typed(what, p, d) for p, d in zip(parts, default))
        if kind is int and float(raw) != int(float(raw)):
            raise ValueError
        return kind(float(raw)) if kind is int else kind(raw)
    except ValueError:
        raise UsageError(f"{what}={raw} must be {_kind_word(default)} (default {default})") from None


def _kind_word(default: Any) -> str:
    if isinstance(default, tuple):
        return f"{len(default)} comma-separated numbers"
    return {int: "a whole number", float: "a number", bool: "true or false", str: "text"}.get(type(default), "valid")


def hparam_value(key: str, raw: str, base: HParams) -> dict[str, Any]:
    """The HParams fields one setting changes, typed and checked: 'lr' sets both learning rates."""
    what = f"--set {key}"
    if key == "lr":
        value = typed(what, raw, base.lr_g)
        return {"lr_g": _positive(what, value), "lr_d": _positive(what, value)}
    if key in ("beta1", "beta2"):
        value = typed(what, raw, base.betas[0])
        if not 0.0 <= value < 1.0:
            raise UsageError(f"{what}={raw}: Adam's betas lie in [0, 1)")
        index = 0 if key == "beta1" else 1
        betas = list(base.betas)
        betas[index] = value
        return {"betas": tuple(betas)}
    value = typed(what, raw, getattr(base, key))
    if key == "optimizer" and value not in OPTIMIZERS:
        raise UsageError(f"{what}={raw}: choose one of {', '.join(OPTIMIZERS)}")
    if key == "betas" and not all(0.0 <= b < 1.0 for b in value):
        raise UsageError(f"{what}={raw}: Adam's betas lie in [0, 1)")
    if key in ("lr_g", "lr_d"):
        _positive(what, value)
    if key in ("z_dim", "batch_size", "n_critic") and value < 1:
        raise UsageError(f"{what}={raw}: give a whole number of at least 1")
    if key == "ema" and not 0.0 <= value < 1.0:
        raise UsageError(f"{what}={raw}: an EMA decay lies in [0, 1), e.g. 0.999 (0: no average)")
    if key == "ema_start" and value < 0:
        raise UsageError(f"{what}={raw}: give the generator step the average starts at, 0 or more")
    return {key: value}


def _positive(what: str, value: float) -> float:
    if not value > 0:
        raise UsageError(f"{what}={value:g}: a learning rate must be more than zero")
    return value


def check_key(setting: Setting, known: Iterable[str]) -> None:
    """An unknown key is bad input: say the closest known one and what there is."""
    known = sorted(set(known))
    if setting.key in known:
        return
    close = difflib.get_close_matches(setting.key, known, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    where = f" of {setting.scope}" if setting.scope else ""
    raise UsageError(
        f"--set {setting}: no hyper-parameter or parameter '{setting.key}'{where}{hint} (known: {', '.join(known)})"
    )


def combinations(settings: list[Setting]) -> list[tuple[tuple[Setting, str], ...]]:
    """Every choice of one value per setting: the grid the axes span (one empty choice without settings)."""
    return list(itertools.product(*[[(s, v) for v in s.values] for s in settings]))


def applies_to(setting: Setting, component: str) -> bool:
    return setting.scope is None or setting.scope == component


def label(choice: Iterable[tuple[Setting, str]], axes: Mapping[Setting, bool] | None = None) -> str:
    """The values that vary across a run's trials, as its table shows them: 'lr_d=0.0001'."""
    shown = [(s, v) for s, v in choice if axes is None or axes.get(s, False)]
    return ", ".join(f"{s.scope + '.' if s.scope else ''}{s.key}={v}" for s, v in shown)


def model_keys(model: ModelSpec) -> set[str]:
    return set(HPARAMS) | set(SHORTHANDS) | set(model.params)


def check_settings(settings: list[Setting], registry: Registry, models, losses, stabiliser_sets) -> None:
    """Every setting names a component of the run (when scoped) and a key that component has."""
    components: dict[str, set[str]] = {}
    for choice in models:
        components[choice.name] = model_keys(registry.get("models", choice.name))
    for choice in losses:
        components[choice.name] = set(registry.get("losses", choice.name).params)
    for choices in stabiliser_sets:
        for choice in choices:
            components[choice.name] = set(registry.get("stabilisers", choice.name).params)
    for setting in settings:
        if setting.scope is not None and setting.scope not in components:
            raise UsageError(
                f"--set {setting}: '{setting.scope}' is no model, loss or stabiliser of this run "
                f"(the run's: {', '.join(sorted(components))})"
            )
        known = components[setting.scope] if setting.scope else set().union(*components.values())
        check_key(setting, known)
    probe = Assignment.of([(s, v) for s in settings for v in s.values])  # every value typed now, before data loads
    for model in models:
        for loss in losses:
            for choices in stabiliser_sets or [()]:
                probe.apply(
                    registry,
                    registry.get("models", model.name),
                    model,
                    registry.get("losses", loss.name),
                    loss,
                    choices,
                )


@dataclass(frozen=True)
class Applied:
    """One trial's resolved values: hyper-parameters (with the model's own), the loss's, the stabilisers'."""

    hparams: HParams
    loss_params: tuple[tuple[str, Any], ...]
    stabilisers: tuple[StabiliserChoice, ...]


@dataclass(frozen=True)
class Assignment:
    """Values for the trials of one grid point: (scope or None, key, text) each, as --set or --tune gave them."""

    values: tuple[tuple[str | None, str, str], ...] = ()
    label: str = ""  # how the table names this point ("lr_d=0.0001", "tune 3/8: ..."); "" when nothing varies
    phase: str = ""  # "tune" or "final" in a tuned run

    @classmethod
    def of(cls, choice: Iterable[tuple[Setting, str]], label: str = "", phase: str = "") -> Assignment:
        return cls(tuple((s.scope, s.key, v) for s, v in choice), label, phase)

    def apply(self, registry: Registry, model: ModelSpec, model_choice, loss, loss_choice, choices) -> Applied:
        """The values for this model, loss and stabiliser set; each key lands on every component that has it."""
        hparams = model.hparams.replace(model_params=dict(model_choice.params))
        loss_params = dict(loss_choice.params)
        stabilisers = [(choice, dict(choice.params)) for choice in choices]
        for scope, key, raw in self.values:
            if scope in (None, model.name) and key in model_keys(model):
                hparams = _set_model_value(model, hparams, key, raw)
            if scope in (None, loss.name) and key in loss.params:
                loss_params[key] = typed(f"--set {loss.name}.{key}", raw, loss.params[key])
            for choice, params in stabilisers:
                declared = registry.get("stabilisers", choice.name).params
                if scope in (None, choice.name) and key in declared:
                    params[key] = typed(f"--set {choice.name}.{key}", raw, declared[key])
        resolved = tuple(StabiliserChoice(c.name, tuple(sorted(p.items()))) for c, p in stabilisers)
        return Applied(hparams, tuple(sorted(loss_params.items())), resolved)


def _set_model_value(model: ModelSpec, hparams: HParams, key: str, raw: str) -> HParams:
    if key in model.params:
        value = typed(f"--set {model.name}.{key}", raw, model.params[key])
        return hparams.replace(model_params={**hparams.model_params, key: value})
    return hparams.replace(**hparam_value(key, raw, hparams))
