"""One-sided label smoothing: Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016,
Improved Techniques for Training GANs, arXiv:1606.03498 (section 3.4).

D's target for real samples becomes ``target`` (0.9) instead of 1; the fake target stays 0
(smoothing it too would reward G for staying where it is). Only a loss with real/fake labels
has a target to smooth; with any other loss the trial is skipped with that reason.
"""

from __future__ import annotations

from ganbench.types import Stabiliser, StabiliserSpec, TrialPlan, Uniform

from . import _params

NAME = "ls"
PARAMS = {"target": 0.9}


class OneSidedLabelSmoothing(Stabiliser):
    def __init__(self, target: float = PARAMS["target"]):
        self.target = _params.number(NAME, "target", target, above=0, maximum=1)

    def check(self, trial: TrialPlan) -> str | None:
        if not trial.loss.uses_labels:
            return f"ls smooths the real label of a labelled loss; {trial.loss.name} has no real/fake labels"
        return None

    def real_target(self) -> float | None:
        return self.target


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="one-sided label smoothing: D's target for real samples is 0.9, not 1",
        source="Salimans et al. 2016, Improved Techniques for Training GANs, arXiv:1606.03498",
        params=dict(PARAMS),
        search_space={"target": Uniform(0.7, 1.0)},  # from no smoothing to Salimans et al.'s 0.9 and below
        factory=_params.factory(NAME, OneSidedLabelSmoothing, PARAMS),
    )
