"""A loss's checks: scalars from scores, then training the reference MLP pair on the reference ring."""

from __future__ import annotations

import torch

from ganbench.conformance.reference import REFERENCE_CONDITIONAL_MODEL, REFERENCE_MODEL, reference_vectors
from ganbench.conformance.results import CheckResult, described, error_line
from ganbench.conformance.watch import training_checks, trial_plan
from ganbench.registry import Registry
from ganbench.types import ClassLogits, LossSpec


def check_loss(registry: Registry, spec: LossSpec) -> list[CheckResult]:
    results = [described(spec), _builds(spec)]
    if not results[-1].passed:
        return results
    data = reference_vectors()
    # A loss that reads class logits (acgan) trains a conditional pair whose critic's features it classifies.
    partner = REFERENCE_CONDITIONAL_MODEL if spec.uses_classes else REFERENCE_MODEL
    return results + training_checks(
        registry,
        trial_plan(partner, spec, data),
        data,
        strict_d=False,  # a loss cannot know which parameters a model has: reaching some is its part
        strict_g=False,
        g_subject=f"{spec.name}'s g_loss",
        d_subject=f"{spec.name}'s d_loss",
    )


def _builds(spec: LossSpec) -> CheckResult:
    """Both terms, called on a few scores as the step calls them, must give scalar tensors."""
    real, fake = torch.tensor([1.0, -0.5, 2.0]), torch.tensor([-1.0, 0.5, 0.0])
    logits, labels = torch.tensor([[2.0, -1.0], [0.0, 0.5], [1.0, 1.0]]), torch.tensor([0, 1, 1])
    d_classes = {"classes": ClassLogits(logits, labels, logits.flip(0), labels)} if spec.uses_classes else {}
    g_classes = {"classes": ClassLogits(None, None, logits.flip(0), labels)} if spec.uses_classes else {}
    try:
        values = {
            "d_loss": spec.d_loss(real, fake, **d_classes),
            "g_loss": spec.g_loss(fake, real if spec.g_uses_real else None, **g_classes),
        }
        if spec.uses_labels:
            values["d_loss(real_target=0.9)"] = spec.d_loss(real, fake, real_target=0.9, **d_classes)
    except Exception as error:
        hint = " (a loss that reads D(real) in g_loss must set g_uses_real=True)" if not spec.g_uses_real else ""
        return CheckResult("builds", False, f"calling the loss on scores: {error_line(error)}{hint}")
    wrong = [
        f"{k} gives {tuple(v.shape) if torch.is_tensor(v) else type(v).__name__}"
        for k, v in values.items()
        if not (torch.is_tensor(v) and v.dim() == 0)
    ]
    if wrong:
        return CheckResult("builds", False, "; ".join(wrong) + " (each must return a scalar tensor)")
    return CheckResult("builds", True, "d_loss and g_loss return scalars")
