"""From a selection (the command line's words) to the list of trials, with a reason for every skip."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ganbench.errors import UsageError
from ganbench.registry import Registry
from ganbench.types import (
    DataShape,
    StabiliserChoice,
    TrialPlan,
    normalise_name,
)


@dataclass
class PlannedTrial:
    plan: TrialPlan
    skip_reason: str | None = None
    notes: list[str] = field(default_factory=list)


#: the most trials one run may hold: a typo in --seeds must not plan (and hold in memory) millions
MAX_TRIALS = 100_000


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def option_list(option: str, text: str) -> list[str]:
    """A comma list given on the command line: it must name something; a name given twice is kept once
    (``repeated_names`` says which, for the note)."""
    words = split_list(text)
    if not words:
        raise UsageError(f"{option} '{text}' names nothing; give comma-separated names, or all")
    kept: dict[str, str] = {}
    for word in words:
        kept.setdefault(normalise_name(word), word)
    return list(kept.values())


def repeated_names(text: str) -> list[str]:
    """The names a comma list gives more than once ('fid,kid,FID' -> ['FID'])."""
    seen: set[str] = set()
    repeated = []
    for word in split_list(text):
        if normalise_name(word) in seen and word not in repeated:
            repeated.append(word)
        seen.add(normalise_name(word))
    return repeated


def check_grid_size(models: int, losses: int, stabiliser_sets: int, seeds: int) -> None:
    """Refuse a grid of more than MAX_TRIALS trials, counted before any trial is planned."""
    trials = models * losses * stabiliser_sets * seeds
    if trials > MAX_TRIALS:
        raise UsageError(
            f"the grid has {trials:,} trials ({models} x {losses} x {stabiliser_sets} x {seeds:,}: models x losses "
            f"x stabiliser sets x seeds); a run holds at most {MAX_TRIALS:,}: name fewer, or split it into several runs"
        )


def select(registry: Registry, kind: str, words: list[str]) -> list[str]:
    """Names chosen by a list option: 'all' means every registered one; unknown names are errors."""
    if any(normalise_name(w) == "all" for w in words):
        return registry.names(kind)
    chosen = [registry.get(kind, word).name for word in words]
    return list(dict.fromkeys(chosen))


def parse_stabiliser_choice(registry: Registry, text: str) -> StabiliserChoice:
    """'gp:lambda=5' -> StabiliserChoice('gp', (('lambda', 5.0),)), each value typed like its default."""
    name, *assignments = [p.strip() for p in text.split(":")]
    spec = registry.get("stabilisers", name)
    params: dict[str, Any] = {}
    for assignment in assignments:
        key, eq, raw = assignment.partition("=")
        key = key.strip()
        if not eq or not key:
            raise UsageError(f"stabiliser '{text}': write parameters as {spec.name}:name=value, got '{assignment}'")
        if key not in spec.params:
            known = ", ".join(f"{k}={v}" for k, v in spec.params.items()) or "none"
            raise UsageError(f"stabiliser '{text}': {spec.name} has no parameter '{key}' (its parameters: {known})")
        params[key] = _typed(spec.name, key, raw.strip(), spec.params[key])
    return StabiliserChoice(spec.name, tuple(sorted(params.items())))


def _typed(stabiliser: str, key: str, raw: str, default: Any) -> Any:
    kind = type(default)
    try:
        if kind is bool:
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError
        return kind(raw)
    except ValueError:
        raise UsageError(
            f"stabiliser parameter {stabiliser}:{key}={raw} must be {_kind_word(kind)} (default {default})"
        ) from None


def _kind_word(kind: type) -> str:
    return {int: "a whole number", float: "a number", bool: "true or false", str: "text"}.get(kind, kind.__name__)


def stabiliser_sets(registry: Registry, words: list[str]) -> list[tuple[StabiliserChoice, ...]]:
    """'none', 'gp+sn', 'pack:m=4' ...; 'all' means none plus each stabiliser alone, not every subset."""
    sets: list[tuple[StabiliserChoice, ...]] = []
    for word in words:
        if normalise_name(word) == "all":
            sets += [()] + [(StabiliserChoice(name),) for name in registry.names("stabilisers")]
        elif normalise_name(word) == "none":
            sets.append(())
        else:
            sets.append(stabiliser_set(registry, word))
    return list(dict.fromkeys(sets))


def stabiliser_set(registry: Registry, word: str) -> tuple[StabiliserChoice, ...]:
    """'gp+sn' -> (gp, sn); a stabiliser twice in one set ('gp+gp') is refused: it would apply twice."""
    chosen = tuple(parse_stabiliser_choice(registry, part) for part in word.split("+"))
    names = [choice.name for choice in chosen]
    for name in names:
        if names.count(name) > 1:
            raise UsageError(f"stabiliser set '{word}' has {name} twice; give each stabiliser once in a set")
    return chosen


def plan_trials(
    registry: Registry,
    shape: DataShape,
    models: list[str],
    losses: list[str],
    stabiliser_choices: list[tuple[StabiliserChoice, ...]],
    seeds: list[int],
    overrides: dict[str, Any] | None = None,
) -> list[PlannedTrial]:
    """Every (model, loss, stabiliser set, seed), in that order, each checked before anything trains."""
    trials = []
    for model_name in models:
        model = registry.get("models", model_name)
        hparams = model.hparams.replace(**(overrides or {}))
        for loss_name in losses:
            loss = registry.get("losses", loss_name)
            for choices in stabiliser_choices:
                for seed in seeds:
                    plan = TrialPlan(model, loss, choices, seed, hparams, shape)
                    trials.append(check_trial(registry, plan))
    return trials


def check_trial(registry: Registry, plan: TrialPlan) -> PlannedTrial:
    """A skip reason if the combination cannot work; notes for what works but is worth knowing."""
    reason = plan.model.supports(plan.data_shape) or plan.model.incompatible_losses.get(plan.loss.name)
    provides = set(plan.model.provides)
    if reason is None:
        for choice in plan.stabilisers:
            spec = registry.get("stabilisers", choice.name)
            stabiliser = spec.factory(**dict(choice.params))  # UsageError for a bad value: the user must fix it
            reason = stabiliser.check(plan)
            if reason:
                break
            provides |= set(stabiliser.provides)
    notes = []
    missing = set(plan.loss.requires) - provides
    if reason is None and "lipschitz" in missing:
        notes.append(f"{plan.loss.name} expects a Lipschitz critic and nothing here constrains it (try gp, sn or clip)")
        missing.discard("lipschitz")
    if reason is None and missing:
        notes.append(f"{plan.loss.name} expects {', '.join(sorted(missing))}, which nothing here provides")
    return PlannedTrial(plan, reason, notes)
