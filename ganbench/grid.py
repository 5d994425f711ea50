"""From a selection (the command line's words) to the list of trials, with a reason for every skip."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ganbench.choices import parse_choice, split_components
from ganbench.errors import UsageError
from ganbench.registry import Registry
from ganbench.settings import Assignment
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
    settings: str = ""  # what --set or --tune chose for it, as its table shows it
    phase: str = ""  # "tune" or "final" in a tuned run


#: the most trials one run may hold: a typo in --seeds must not plan (and hold in memory) millions
MAX_TRIALS = 100_000


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def option_list(option: str, text: str) -> list[str]:
    """A comma list given on the command line: it must name something; a name given twice is kept once
    (``repeated_names`` says which, for the note)."""
    words = split_components(text)
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
    for word in split_components(text):
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
    return parse_choice(registry, "stabilisers", text)


def select_choices(registry: Registry, kind: str, words: list[str]) -> list[StabiliserChoice]:
    """Like :func:`select`, each name with its parameters ('dcgan:width=32', 'hinge:margin=2')."""
    if any(normalise_name(w) == "all" for w in words):
        return [StabiliserChoice(name) for name in registry.names(kind)]
    return list(dict.fromkeys(parse_choice(registry, kind, word) for word in words))


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


def as_choice(item: StabiliserChoice | str) -> StabiliserChoice:
    """A bare name is the component with its defaults."""
    return item if isinstance(item, StabiliserChoice) else StabiliserChoice(item)


def plan_trials(
    registry: Registry,
    shape: DataShape,
    models: list[StabiliserChoice] | list[str],
    losses: list[StabiliserChoice] | list[str],
    stabiliser_choices: list[tuple[StabiliserChoice, ...]],
    seeds: list[int],
    assignments: list[Assignment] | None = None,
) -> list[PlannedTrial]:
    """Every (model, loss, stabiliser set, setting, seed), in that order, each checked before anything trains."""
    trials = []
    own_trained: set[str] = set()  # a model with its own objective: each (hparams, seed) trains once
    for model_choice in map(as_choice, models):
        model = registry.get("models", model_choice.name)
        for index, loss_choice in enumerate(map(as_choice, losses)):
            loss = registry.get("losses", loss_choice.name)
            for choices in stabiliser_choices:
                for assignment in assignments or [Assignment()]:
                    applied = assignment.apply(registry, model, model_choice, loss, loss_choice, choices)
                    for seed in seeds:
                        plan = TrialPlan(
                            model, loss, applied.stabilisers, seed, applied.hparams, shape, applied.loss_params
                        )
                        if model.objective is None:
                            planned = check_trial(registry, plan)
                        else:
                            planned = own_objective_trial(plan, first_loss=index == 0)
                            planned = once_per_setting(planned, own_trained, assignment.label)
                        planned.settings, planned.phase = assignment.label, assignment.phase
                        trials.append(planned)
    return trials


def once_per_setting(planned: PlannedTrial, trained: set[str], label: str) -> PlannedTrial:
    """A setting that changes only a loss's or a stabiliser's parameters (--set hinge.margin=1|2)
    leaves a model with its own objective as it was: the second such trial is skipped, saying so."""
    if planned.skip_reason is not None:
        return planned
    plan = planned.plan
    key = f"{plan.model.name} {plan.seed} {sorted(plan.hparams.as_dict().items())}"
    if key in trained:
        own = f"{plan.model.name} trains with its own objective"
        return PlannedTrial(plan, f"{own}: the setting {label or '(none)'} changes only what does not apply to it")
    trained.add(key)
    return planned


def own_objective_trial(plan: TrialPlan, first_loss: bool) -> PlannedTrial:
    """A model that brings its own objective (ModelSpec.objective) trains once per setting and seed, in
    place of the first loss named and without stabilisers; its loss column reads OWN_OBJECTIVE."""
    model = plan.model
    assert model.objective is not None
    own = f"{model.name} trains with its own objective ({model.objective.name})"
    reason = model.supports(plan.data_shape)
    if reason is None and plan.stabilisers:
        reason = f"{own}: stabilisers do not apply to it"
    elif reason is None and not first_loss:
        reason = f"{own}: it trains once, not once per loss (its row is under the first loss named)"
    if reason is None:
        plan = dataclasses.replace(plan, loss=model.objective_loss(), loss_params=())
    return PlannedTrial(plan, reason)


def classifier_reason(plan: TrialPlan) -> str | None:
    """Why a loss that reads class logits (acgan) cannot train this model, if it cannot."""
    model, loss = plan.model.name, plan.loss.name
    if not plan.model.conditional:
        return f"{loss} classifies the samples by the class G was asked for, and {model} is not class-conditional"
    if not plan.model.label_free_features:
        return (
            f"{loss} puts a classifier on D's features, and {model}'s read the label beside the sample "
            "(the classifier would read it back, not learn it)"
        )
    return None


def check_trial(registry: Registry, plan: TrialPlan) -> PlannedTrial:
    """A skip reason if the combination cannot work; notes for what works but is worth knowing."""
    reason = plan.model.supports(plan.data_shape) or plan.model.incompatible_losses.get(plan.loss.name)
    if reason is None and plan.loss.uses_classes:
        reason = classifier_reason(plan)
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
