"""The watched step: real training, with the gradients each update applies looked at.

The optimisers are wrapped, not replaced: at the first D and G updates the wrapper notes which
parameters hold a gradient, then steps as usual. That is how "D's loss reaches D and nothing of
G" and "G's loss reaches G" are checked, through :func:`ganbench.train.train` itself rather than
a copy of it, so a check can never pass on a step the harness does not take.

A stabiliser's penalties and ``critic_input`` are wrapped the same way, on the instance: each
call notes whether what it returned still carries a gradient (to D's parameters for a penalty,
back to G's samples for an augmented fake), so that a penalty with no graph or an augmentation
that detaches is named for what it does, not only seen as a weaker update.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import torch

from ganbench.budget import Budget, TrainingClock
from ganbench.conformance.results import BATCH, CPU, CheckResult, error_line
from ganbench.grid import check_trial
from ganbench.registry import Registry
from ganbench.train import Setup, build_setup, train
from ganbench.types import Dataset, LossSpec, ModelSpec, StabiliserChoice, TrialPlan


class _Watched:
    """An optimiser that reports the gradients it is about to apply, then applies them."""

    def __init__(self, optimiser: torch.optim.Optimizer, on_step: Callable[[], None]):
        self._optimiser, self._on_step = optimiser, on_step

    def zero_grad(self, set_to_none: bool = True) -> None:
        self._optimiser.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        self._on_step()
        self._optimiser.step()

    def __getattr__(self, name):
        return getattr(self._optimiser, name)


class Run(NamedTuple):
    numbers: list[tuple[int, str, float]]  # the step's logged scalars
    generator_state: dict[str, torch.Tensor]
    d_grads: dict[str, str]  # "D."/"G." param name -> "none" | "zero" | "ok", at the first D update
    g_grads: dict[str, str]  # the same at the first G update
    # stabiliser method -> what its calls gave: penalties "none" | "no graph" | "zero" | "ok" (a gradient to D);
    # critic_input on G's samples "cut" | "flat" | "partly" | "ok" (a gradient back to all, some or none of them).
    stabiliser_calls: dict[str, set[str]]


def _grad_state(p: torch.Tensor) -> str:
    if p.grad is None:
        return "none"
    return "ok" if bool(p.grad.abs().sum() > 0) else "zero"


def train_once(registry: Registry, plan: TrialPlan, data: Dataset, steps: int = 2) -> Run | str:
    """``steps`` generator steps of the real training loop on the CPU; a skip reason if the grid would skip it."""
    planned = check_trial(registry, plan)
    if planned.skip_reason:
        return planned.skip_reason
    setup = build_setup(plan, registry, CPU)
    seen: dict[str, dict[str, str]] = {}

    def snapshot(which: str) -> Callable[[], None]:
        def on_step() -> None:
            if which not in seen:  # the first update of each is enough, and later ones cost time
                seen[which] = {
                    **{f"G.{n}": _grad_state(p) for n, p in setup.generator.named_parameters() if p.requires_grad},
                    **{f"D.{n}": _grad_state(p) for n, p in setup.critic.named_parameters() if p.requires_grad},
                }

        return on_step

    setup.opt_d = _Watched(setup.opt_d, snapshot("d"))  # type: ignore[assignment]
    setup.opt_g = _Watched(setup.opt_g, snapshot("g"))  # type: ignore[assignment]
    calls: dict[str, set[str]] = {}
    _watch_stabilisers(setup, calls)
    outcome = train(
        setup,
        data,
        Budget("steps", steps),
        TrainingClock(CPU),
        checkpoints=0,
        on_checkpoint=lambda index, usage: None,
        log_every=1,
    )
    state = {k: v.detach().clone() for k, v in setup.generator.state_dict().items()}
    numbers = [(s.step, s.name, s.value) for s in outcome.scalars]
    return Run(numbers, state, seen.get("d", {}), seen.get("g", {}), calls)


def _watch_stabilisers(setup: Setup, calls: dict[str, set[str]]) -> None:
    """Wrap each stabiliser's penalties and critic_input on its instance, noting what each call returns."""
    d_params = [p for p in setup.critic.parameters() if p.requires_grad]
    for stabiliser in setup.stabilisers:
        for method in ("d_penalty", "d_scores"):
            noted = calls.setdefault(method, set())
            setattr(stabiliser, method, _noting_penalty(getattr(stabiliser, method), d_params, noted))
        noted = calls.setdefault("critic_input", set())
        stabiliser.critic_input = _noting_input(stabiliser.critic_input, noted)  # type: ignore[method-assign]


def _noting_penalty(method: Callable, d_params: list[torch.Tensor], noted: set[str]) -> Callable:
    def penalty(*args):
        result = method(*args)
        if result is None:
            noted.add("none")
        elif not isinstance(result, torch.Tensor) or not result.requires_grad:
            noted.add("no graph")
        else:
            grads = torch.autograd.grad(result, d_params, retain_graph=True, allow_unused=True)
            noted.add("ok" if any(g is not None and bool(g.abs().sum() > 0) for g in grads) else "zero")
        return result

    return penalty


def _noting_input(method: Callable, noted: set[str]) -> Callable:
    def critic_input(x: torch.Tensor, progress: float) -> torch.Tensor:
        out = method(x, progress)
        if x.requires_grad:  # G's samples (in G's update): G learns only through what comes back
            if not isinstance(out, torch.Tensor) or not out.requires_grad:
                noted.add("cut")
            else:
                # Random weights of a generator of its own: the training's random streams are left as they are.
                weights = torch.rand(out.shape, generator=torch.Generator().manual_seed(0)).to(out.device, out.dtype)
                (grad,) = torch.autograd.grad(out, x, weights, retain_graph=True, allow_unused=True)
                if grad is None or not bool(grad.abs().sum() > 0):
                    noted.add("flat")
                elif not bool((grad.flatten(1).abs().sum(dim=1) > 0).all()):  # some samples cut off, not all
                    noted.add("partly")
                else:
                    noted.add("ok")
        return out

    return critic_input


def trial_plan(
    model: ModelSpec, loss: LossSpec, data: Dataset, stabilisers: tuple[StabiliserChoice, ...] = (), seed: int = 0
) -> TrialPlan:
    """A trial of the model's own hyper-parameters but a small batch: a check takes seconds."""
    hp = model.hparams.replace(batch_size=BATCH)
    return TrialPlan(model, loss, stabilisers, seed, hp, data.shape)


def training_checks(
    registry: Registry,
    plan: TrialPlan,
    data: Dataset,
    *,
    strict_d: bool,
    strict_g: bool,
    g_subject: str,
    d_subject: str,
    also: Callable[[Run], list[CheckResult]] | None = None,
) -> list[CheckResult]:
    """One step runs; losses are finite; gradients go where they should; same seed, same numbers.

    ``strict_*``: every parameter must be reached (a model's own), not just some (a loss or a
    stabiliser cannot know which parameters the model has). ``*_subject`` names what is judged.
    ``also``: checks of the kind's own on the first run (a stabiliser's penalties and inputs).
    """
    try:
        first = train_once(registry, plan, data)
    except Exception as error:
        return _first_run_failed(error, g_subject)
    if isinstance(first, str):
        return [CheckResult("one CPU step", False, f"the trial would be skipped: {first}")]
    ran = f"{plan.model.name} x {plan.loss.name} x {plan.stabiliser_label} on {data.name}, 2 steps"
    return [
        CheckResult("one CPU step", True, ran),
        finite(first),
        _d_update(first, strict_d, d_subject),
        _g_update(first, strict_g, g_subject),
        *(also(first) if also is not None else []),
        _repeatable(first, lambda: train_once(registry, plan, data)),
    ]


def objective_checks(registry: Registry, plan: TrialPlan, data: Dataset) -> list[CheckResult]:
    """A model with its own objective (a VAE): one step runs, its terms are finite, its loss reaches every
    parameter of both its networks, and the same seed gives the same numbers."""
    try:
        first = train_once(registry, plan, data)
    except Exception as error:
        return _first_run_failed(error, f"{plan.model.name}'s objective")
    if isinstance(first, str):
        return [CheckResult("one CPU step", False, f"the trial would be skipped: {first}")]
    missing = _names(first.g_grads, "", {"none"})
    reached = _names(first.g_grads, "", {"ok"})
    if missing or not reached:
        reach = CheckResult("gradients: the objective", False, f"the objective never reaches {_short(missing)}")
    else:
        reach = CheckResult("gradients: the objective", True, f"{len(reached)} tensors of G and D")
    return [
        CheckResult("one CPU step", True, f"{plan.model.name} with its own objective on {data.name}, 2 steps"),
        finite(first),
        reach,
        _repeatable(first, lambda: train_once(registry, plan, data)),
    ]


def _first_run_failed(error: BaseException, g_subject: str) -> list[CheckResult]:
    """The errors that have a known cause are named for it; any other is shown as raised."""
    text = error_line(error)
    if "does not require grad" in text:  # backward() on a loss with no graph back to G
        detail = f"{g_subject} gives G no gradient at all: it must be computed from the scores it is given, not detached from them"
        return [CheckResult("one CPU step", False, text), CheckResult("gradients: G update", False, detail)]
    if "not finite" in text:  # the training loop's own divergence check
        return [CheckResult("one CPU step", True, "ran"), CheckResult("finite losses", False, text)]
    return [CheckResult("one CPU step", False, text)]


def finite(run: Run) -> CheckResult:
    values = {name: value for _, name, value in run.numbers}
    shown = ", ".join(f"{n} {v:.4g}" for n, v in values.items())
    bad = [n for n, v in values.items() if not math.isfinite(v)]
    return CheckResult("finite losses", not bad, f"{shown} (each must stay finite)" if bad else shown)


def _d_update(run: Run, strict: bool, subject: str) -> CheckResult:
    """D's loss must reach D and, with G's samples detached, nothing of G."""
    missing = _names(run.d_grads, "D.", {"none"} if strict else {"none", "zero"})
    reached = _names(run.d_grads, "D.", {"ok"})
    leaked = _names(run.d_grads, "G.", {"ok", "zero"})
    if not reached:
        return CheckResult("gradients: D update", False, f"{subject} gives no gradient to any parameter of D")
    if strict and missing:
        return CheckResult("gradients: D update", False, f"D's loss never reaches {_short(missing)}")
    if leaked:
        return CheckResult(
            "gradients: D update", False, f"D's update gives gradients to G: {_short(leaked)} (detach G's samples)"
        )
    return CheckResult("gradients: D update", True, f"{len(reached)} D tensors, no G tensor")


def _g_update(run: Run, strict: bool, subject: str) -> CheckResult:
    """G's loss must reach G."""
    missing = _names(run.g_grads, "G.", {"none"})
    reached = _names(run.g_grads, "G.", {"ok"})
    if not reached:
        return CheckResult(
            "gradients: G update", False, f"{subject} gives no (or only zero) gradient to G's parameters"
        )
    if strict and missing:
        return CheckResult("gradients: G update", False, f"G's loss never reaches {_short(missing)}")
    return CheckResult("gradients: G update", True, f"{len(reached)} G tensors")


def _repeatable(first: Run, run_again: Callable[[], Run | str]) -> CheckResult:
    """Seeds must decide everything, or two cells of a table cannot be compared."""
    try:
        again = run_again()
    except Exception as error:
        return CheckResult("same seed, same numbers", False, f"the second run failed: {error_line(error)}")
    if isinstance(again, Run) and _same(first, again):
        return CheckResult("same seed, same numbers", True, "two runs with seed 0 agree")
    return CheckResult(
        "same seed, same numbers", False, "two runs with seed 0 differ: draw randomness from torch's seeded generators"
    )


def _same(a: Run, b: Run) -> bool:
    return (
        a.numbers == b.numbers
        and a.generator_state.keys() == b.generator_state.keys()
        and all(torch.equal(a.generator_state[k], b.generator_state[k]) for k in a.generator_state)
    )


def _names(grads: dict[str, str], prefix: str, states: set[str]) -> list[str]:
    return [n for n, s in grads.items() if n.startswith(prefix) and s in states]


def _short(names: list[str], n: int = 4) -> str:
    return ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")
