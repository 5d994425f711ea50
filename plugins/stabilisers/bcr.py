"""Balanced consistency regularisation (bCR): Zhao, Zhang, Chen, Singh & Zhang 2021, Improved
Consistency Regularization for GANs, AAAI 2021, arXiv:2002.04724 (Algorithm 1).

CR's term on the real batch (see cr.py: the same T, a flip and a shift) and the same on the
generated batch D's loss saw: ``lambda_real * E ||D(x) - D(T(x))||^2 + lambda_fake *
E ||D(G(z)) - D(T(G(z)))||^2``, the paper's lambda_real = lambda_fake = 10. Penalising reals
alone lets D tell augmented images from generated ones, which leaks the augmentation into G;
penalising both keeps D equally blind to T on either side.
"""

from __future__ import annotations

import torch

from ganbench.types import Critic, LogUniform, Stabiliser, StabiliserSpec, TrialPlan

from . import _augment, _params
from .cr import consistency

NAME = "bcr"
PARAMS = {"lambda_real": 10.0, "lambda_fake": 10.0}


class BalancedConsistencyRegularisation(Stabiliser):
    def __init__(self, lambda_real: float = PARAMS["lambda_real"], lambda_fake: float = PARAMS["lambda_fake"]):
        self.lambda_real = _params.number(NAME, "lambda_real", lambda_real, minimum=0)
        self.lambda_fake = _params.number(NAME, "lambda_fake", lambda_fake, minimum=0)

    def check(self, trial: TrialPlan) -> str | None:
        return _augment.images_only(NAME, trial)

    def d_penalty(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor | None:
        terms = [
            weight * consistency(critic, batch.detach())
            for weight, batch in ((self.lambda_real, real), (self.lambda_fake, fake))
            if weight > 0
        ]
        return sum(terms[1:], terms[0]) if terms else None


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="balanced consistency regularisation: CR's ||D(x) - D(T(x))||^2 on reals and on fakes",
        source="Zhao et al. 2021, Improved Consistency Regularization for GANs, arXiv:2002.04724",
        params=dict(PARAMS),
        search_space={"lambda_real": LogUniform(1.0, 100.0), "lambda_fake": LogUniform(1.0, 100.0)},
        factory=_params.factory(NAME, BalancedConsistencyRegularisation, PARAMS),
    )
