"""`--tune N`: the same tuning budget for every variant, in two phases, as compare_gan did.

Phase 1: every variant (model x loss x stabiliser set, x each --set grid point) trains the same N
configurations of its search space (ganbench.search: scrambled Sobol points from the run's seed)
with one seed, each an ordinary trial on any executor; a killed search resumes like any run. Each
is scored by a measurement fixed before the run (the metrics' own choice, or --select), against a
part of the real data the final table never scores against (the metric option ``real_part``:
"selection", then "final"). Phase 2: the best configuration of every variant trains again with
--seeds fresh seeds (1..S; phase 1 used seed 0) for the final table.

The search's facts (variants, their spaces and configurations, the trials of each, the choice)
are stored with the run, so the report tells the tuning from the database alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from ganbench.errors import UsageError
from ganbench.grid import PlannedTrial, plan_trials
from ganbench.registry import Registry
from ganbench.search import configurations
from ganbench.settings import SHORTHANDS, Assignment
from ganbench.store import Store
from ganbench.types import OWN_OBJECTIVE, DataShape, StabiliserChoice

SELECTION_SEED = 0  # every tuning trial's seed; the final trials use 1..S, never this one
REAL_PART = "real_part"  # the metric option naming the part of the real data a metric scores against


def fields_of(key: str) -> set[str]:
    """The hyper-parameters a key sets: 'lr' sets lr_g and lr_d, 'beta1' the betas."""
    return set(SHORTHANDS.get(key.rpartition(".")[2], (key.rpartition(".")[2],)))


@dataclass
class Variant:
    """One contestant of the tuning: its components, the --set point it sits at, and its search space."""

    model: StabiliserChoice
    loss: StabiliserChoice
    stabilisers: tuple[StabiliserChoice, ...]
    base: Assignment
    space: dict[str, Any]
    configs: list[dict[str, Any]] = field(default_factory=list)
    own_objective: bool = False  # its model trains with its own objective: its trials' loss reads so

    @property
    def name(self) -> str:
        loss = OWN_OBJECTIVE if self.own_objective else str(self.loss)
        parts = [str(self.model), loss, "+".join(map(str, self.stabilisers)) or "none"]
        return "/".join(parts) + (f" ({self.base.label})" if self.base.label else "")

    def assignment(self, index: int, phase: str, label: str) -> Assignment:
        """The base --set values, then configuration ``index``'s, each scoped to the component it belongs to."""
        values = [*self.base.values]
        for key, value in self.configs[index].items():
            scope, _, name = key.rpartition(".")
            values.append((scope or self.model.name, name, repr(value)))
        base = f"{self.base.label}; " if self.base.label else ""
        return Assignment(tuple(values), base + label, phase)


def variant_space(registry: Registry, model, loss, choices, fixed: set[str]) -> dict[str, Any]:
    """The ranges of a variant: its model's (keys as --set writes them), its loss's and stabilisers'
    (as 'gp.lambda'), minus whatever the command line fixed."""
    spec = registry.get("models", model.name)
    if not spec.search_space:
        raise UsageError(
            f"--tune: the model '{spec.name}' declares no search space (ModelSpec.search_space); "
            "tune models that declare one, or leave --tune out"
        )
    space = {k: r for k, r in spec.search_space.items() if not fields_of(k) & fixed and k not in dict(model.params)}
    loss_spec = registry.get("losses", loss.name)
    if spec.objective is None:  # a model with its own objective does not train with the loss
        space |= {f"{loss.name}.{k}": r for k, r in loss_spec.search_space.items() if k not in dict(loss.params)}
    for choice in choices:
        declared = registry.get("stabilisers", choice.name).search_space
        space |= {f"{choice.name}.{k}": r for k, r in declared.items() if k not in dict(choice.params)}
    return space


@dataclass
class Tuning:
    n: int
    sobol_seed: int
    final_seeds: int
    select: str | None
    variants: list[Variant]
    seed: int = SELECTION_SEED
    # (model, losses, stabiliser sets, point) of each model with its own objective: it is tuned once, with no
    # loss and no stabiliser, and the final table lists its other combinations skipped, as an untuned grid does.
    declined: list[tuple] = field(default_factory=list)

    @classmethod
    def plan(cls, request, registry: Registry, models, losses, stabiliser_sets, points: list[Assignment]) -> Tuning:
        if request.tune < 1:
            raise UsageError(f"--tune {request.tune}: give the number of configurations per variant, at least 1")
        fixed = {f for setting in request.settings for f in fields_of(setting.key)}
        variants, declined = [], []
        for model in models:
            own_objective = registry.get("models", model.name).objective is not None
            if own_objective:
                declined += [(model, losses, stabiliser_sets, replace(point, phase="final")) for point in points]
            for loss in losses:
                for choices in stabiliser_sets:
                    if own_objective and (loss is not losses[0] or choices):
                        continue  # it trains once, with no loss and no stabiliser (grid.own_objective_trial)
                    for point in points:
                        space = variant_space(registry, model, loss, choices, fixed)
                        variant = Variant(model, loss, choices, point, space, own_objective=own_objective)
                        variant.configs = configurations(space, request.tune, request.tune_seed)
                        variants.append(variant)
        return cls(request.tune, request.tune_seed, request.seeds, request.select, variants, declined=declined)

    def selection_key(self, key):
        """The session of phase 1: metrics score against the part of the real data kept for selection."""
        return _with_option(key, REAL_PART, "selection")

    def final_key(self, key):
        return _with_option(key, REAL_PART, "final")

    def first_phase(self, registry: Registry, shape: DataShape) -> list[PlannedTrial]:
        planned = []
        for variant in self.variants:
            labels = [f"tune {i + 1}/{self.n}: {describe(c)}" for i, c in enumerate(variant.configs)]
            points = [variant.assignment(i, "tune", labels[i]) for i in range(self.n)]
            planned += plan_trials(
                registry, shape, [variant.model], [variant.loss], [variant.stabilisers], [self.seed], points
            )
        return planned

    def check_selection(self, specs) -> str:
        """The measurement phase 1 selects by, fixed before anything trains; one line if there is none."""
        declared = {name: spec for spec in specs for name in spec.measures}
        if self.select is not None:
            if self.select not in declared:
                raise UsageError(
                    f"--select {self.select}: no metric of this run reports it (they report: {', '.join(sorted(declared)) or 'nothing'})"
                )
            return self.select
        candidates = [(spec.tuning_priority, spec.tuning_score) for spec in specs if spec.tuning_score]
        if not candidates:
            raise UsageError(
                "--tune needs a score to select by, and no metric of this run offers one: give --select NAME"
            )
        self.select = max(candidates)[1]
        return self.select

    def second_phase(self, registry: Registry, shape: DataShape, store: Store, jobs_by_variant) -> list[PlannedTrial]:
        """The best configuration of every variant with the final seeds; the choice is stored for the report."""
        scores = selection_scores(store, self.select)
        planned, facts = [], []
        seeds = list(range(SELECTION_SEED + 1, SELECTION_SEED + 1 + self.final_seeds))
        for variant, ids in zip(self.variants, jobs_by_variant):
            best = best_config(ids, scores)
            facts.append(self.facts(variant, ids, best))
            if best is None:
                continue  # every configuration failed: the variant has no final trials, the report says so
            point = variant.assignment(best, "final", f"tuned: best of {self.n}")
            planned += plan_trials(
                registry, shape, [variant.model], [variant.loss], [variant.stabilisers], seeds, [point]
            )
        for model, losses, stabiliser_sets, point in self.declined:  # saying why (grid.own_objective_trial)
            grid = plan_trials(registry, shape, [model], losses, stabiliser_sets, seeds, [point])
            planned += [trial for trial in grid if trial.skip_reason]  # its trained row is its variant's
        store.set("tuning", {"n": self.n, "sobol_seed": self.sobol_seed, "select": self.select, "variants": facts})
        return planned

    def facts(self, variant: Variant, ids: list[str | None], best: int | None) -> dict[str, Any]:
        return {
            "name": variant.name,
            "space": {k: str(r) for k, r in variant.space.items()},
            "configs": variant.configs,
            "trials": ids,
            "best": best,
        }


def describe(config: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(config.items()))


def selection_scores(store: Store, name: str | None) -> dict[str, tuple[float, bool]]:
    """Each finished trial's last value of the selection measurement, with its direction."""
    metrics = store.frame("metrics")
    trials = store.frame("trials")
    done = set(trials.loc[trials["status"] == "done", "id"])
    mine = metrics[(metrics["name"] == name) & metrics["trial_id"].isin(done)]
    if mine.empty:
        return {}
    last = mine[mine["checkpoint"] == mine.groupby("trial_id")["checkpoint"].transform("max")]
    return {r.trial_id: (float(r.value), bool(r.higher_is_better)) for r in last.itertuples()}


def best_config(ids: list[str | None], scores: dict[str, tuple[float, bool]]) -> int | None:
    """The index of the best-scoring configuration; failed, skipped and NaN-scored ones never win."""
    scored = [(i, scores[t]) for i, t in enumerate(ids) if t in scores and not pd.isna(scores[t][0])]
    if not scored:
        return None
    higher = scored[0][1][1]
    return max(scored, key=lambda item: item[1][0] if higher else -item[1][0])[0]


def _with_option(key, name: str, value: str):
    import dataclasses

    options = dict(key.metric_options)
    options[name] = value
    return dataclasses.replace(key, metric_options=tuple(sorted(options.items())))
