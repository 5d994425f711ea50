"""A stabiliser's checks: its factory builds with the defaults, then it trains with the reference partners."""

from __future__ import annotations

from ganbench.conformance.reference import REFERENCE_LOSS, REFERENCE_MODEL, reference_images, reference_vectors
from ganbench.conformance.results import CheckResult, described, error_line
from ganbench.conformance.watch import training_checks, trial_plan
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
        return results + training_checks(
            registry,
            plan,
            data,
            strict_d=False,
            strict_g=False,
            g_subject=f"G's loss as {spec.name} amends it",
            d_subject=f"D's loss with {spec.name}",
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
