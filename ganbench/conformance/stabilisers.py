"""A stabiliser's checks: its factory builds with the defaults, then it trains with the reference partners,
unconditional and class-conditional (where D and G reach the stabiliser with the step's labels bound)."""

from __future__ import annotations

from ganbench.conformance.reference import (
    REFERENCE_CONDITIONAL_MODEL,
    REFERENCE_LOSS,
    REFERENCE_MODEL,
    reference_images,
    reference_vectors,
)
from ganbench.conformance.results import CheckResult, described, error_line
from ganbench.conformance.watch import Run, finite, train_once, training_checks, trial_plan
from ganbench.grid import check_trial
from ganbench.registry import Registry
from ganbench.types import Stabiliser, StabiliserChoice, StabiliserSpec


def check_stabiliser(registry: Registry, spec: StabiliserSpec) -> list[CheckResult]:
    results = [described(spec), _builds(spec)]
    if not results[-1].passed:
        return results
    reasons = []
    # Vectors first (cheaper); a stabiliser for images only (packing channels, say) declines them in check().
    for data in (reference_vectors(), reference_images()):
        plan = trial_plan(REFERENCE_MODEL, REFERENCE_LOSS, data, (StabiliserChoice(spec.name),))
        try:
            reason = check_trial(registry, plan).skip_reason
        except Exception as error:
            reason = error_line(error)
        if reason:
            reasons.append(f"{data.name}: {reason}")
            continue
        return (
            results
            + training_checks(
                registry,
                plan,
                data,
                strict_d=False,
                strict_g=False,
                g_subject=f"G's loss as {spec.name} amends it",
                d_subject=f"D's loss with {spec.name}",
                also=lambda run: [_penalties_reach_d(spec.name, run), _inputs_pass_gradients(spec.name, run)],
            )
            + [_conditional(registry, spec.name)]
        )
    return results + [
        CheckResult("one CPU step", False, "skipped with every reference data set: " + "; ".join(reasons))
    ]


def _builds(spec: StabiliserSpec) -> CheckResult:
    """The factory with the declared defaults: what `--stabilisers NAME` builds."""
    try:
        made = spec.factory(**dict(spec.params))
    except Exception as error:
        return CheckResult("builds", False, f"factory with the default parameters: {error_line(error)}")
    if not isinstance(made, Stabiliser):
        return CheckResult("builds", False, f"factory() gave {type(made).__name__}, not a ganbench.types.Stabiliser")
    return CheckResult("builds", True, f"factory({', '.join(f'{k}={v}' for k, v in spec.params.items())})")


def _conditional(registry: Registry, name: str) -> CheckResult:
    """Two steps with a class-conditional pair, whose D scores (x, y): the stabiliser gets D and G with the
    step's labels bound (ganbench.conditioning.CriticGiven), so calling ``critic(x)`` must just work. A
    stabiliser that cannot apply (packing several samples into one) may decline in check(), saying why."""
    check, model = "conditional trial", REFERENCE_CONDITIONAL_MODEL.name
    declined = []
    for data in (reference_vectors(), reference_images()):
        plan = trial_plan(REFERENCE_CONDITIONAL_MODEL, REFERENCE_LOSS, data, (StabiliserChoice(name),))
        try:
            run = train_once(registry, plan, data)
        except Exception as error:
            return CheckResult(check, False, f"{model} on {data.name}: {error_line(error)}")
        if isinstance(run, str):
            declined.append(f"{data.name}: {run}")
            continue
        for result in (finite(run), _penalties_reach_d(name, run)):
            if not result.passed:
                return CheckResult(check, False, f"{model} on {data.name}: {result.detail}")
        return CheckResult(check, True, f"{model} on {data.name}, 2 steps, D(x, y) and G(z, y) with the labels bound")
    return CheckResult(check, True, "declined, with the reason: " + "; ".join(declined))


def _penalties_reach_d(name: str, run: Run) -> CheckResult:
    """A penalty D's loss gains must train D: one with no graph back to D's parameters only adds a constant.

    Every call of the two steps counts (a penalty may be 0 at first, as historical averaging's is), so it
    fails only if no call ever gave D a gradient: the mark of a gradient penalty written without
    ``create_graph=True``, or of scores detached before the penalty.
    """
    check = "gradients: D penalty"
    failed = []
    for method in ("d_penalty", "d_scores"):
        noted = run.stabiliser_calls.get(method, set()) - {"none"}
        if noted and "ok" not in noted:
            how = "its value has no graph back to D's parameters" if "no graph" in noted else "its gradient to D is 0"
            failed.append(f"{method} ({how})")
    if failed:
        return CheckResult(
            check,
            False,
            f"{name}'s {' and '.join(failed)} gives D no gradient: the penalty only adds a constant to D's loss; "
            "take input gradients with torch.autograd.grad(..., create_graph=True) and keep D's scores attached",
        )
    given = [m for m in ("d_penalty", "d_scores") if run.stabiliser_calls.get(m, set()) - {"none"}]
    verb = "reaches" if len(given) == 1 else "reach"
    return CheckResult(check, True, f"{' and '.join(given)} {verb} D" if given else "no penalty on D")


def _inputs_pass_gradients(name: str, run: Run) -> CheckResult:
    """What critic_input makes of G's samples in G's update must let G's gradient back through."""
    check = "gradients: through critic_input"
    noted = run.stabiliser_calls.get("critic_input", set())
    hows = {
        "cut": "is detached from G's samples",
        "flat": "has a zero gradient with respect to G's samples",
        "partly": "has a zero gradient with respect to some of G's samples",
    }
    found = [how for state, how in hows.items() if state in noted]
    if found:
        how = found[0]
        return CheckResult(
            check,
            False,
            f"{name}'s critic_input cuts the gradient to G: in G's update the batch it returns {how}; keep the "
            "transform differentiable (torch operations on the tensor, no .detach(), .item() or NumPy round trip)",
        )
    return CheckResult(check, True, "G's samples keep their gradient" if noted else "no batch with a gradient seen")
