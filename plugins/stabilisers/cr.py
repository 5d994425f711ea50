"""Consistency regularisation (CR): Zhang, Zhang, Odena & Lee 2020, Consistency Regularization
for Generative Adversarial Networks, ICLR 2020, arXiv:1910.12027 (Algorithm 1).

D's loss gains ``lambda * E ||D(x) - D(T(x))||^2`` on the real batch: D should score an image
and a semantics-preserving transform of it alike. D(x) is D's raw score (the paper's last layer
before the activation); T is the paper's flip-and-shift: a left-right flip with probability 1/2,
then a shift of up to 1/8 of the side in whole pixels per axis, edges mirrored. The gradient
flows through both scores, as in the paper. Only the penalty sees T(x): D's loss itself still
sees x (unlike diffaug and ada, which change what D's loss sees).
"""

from __future__ import annotations

import torch

from ganbench.types import Critic, LogUniform, Stabiliser, StabiliserSpec, TrialPlan

from . import _augment, _params

NAME = "cr"
PARAMS = {"lambda": 10.0}
SHIFT_RATIO = 1 / 8


def flip_and_shift(x: torch.Tensor) -> torch.Tensor:
    """The paper's T: flip left-right with probability 1/2, then shift by up to 1/8 of the side (mirrored edges)."""
    n, _, h, w = x.shape
    x = _augment.flip(x, torch.rand(n, device=x.device) < 0.5)
    most_h, most_w = int(h * SHIFT_RATIO + 0.5), int(w * SHIFT_RATIO + 0.5)
    shift_h = torch.randint(-most_h, most_h + 1, (n,), device=x.device)
    shift_w = torch.randint(-most_w, most_w + 1, (n,), device=x.device)
    return _augment.translate(x, shift_h, shift_w, pad="reflect")


def consistency(critic: Critic, x: torch.Tensor) -> torch.Tensor:
    """``E ||D(x) - D(T(x))||^2`` over the batch."""
    return (critic(x) - critic(flip_and_shift(x))).pow(2).mean()


class ConsistencyRegularisation(Stabiliser):
    def __init__(self, weight: float = PARAMS["lambda"]):
        self.weight = _params.number(NAME, "lambda", weight, minimum=0)

    def check(self, trial: TrialPlan) -> str | None:
        return _augment.images_only(NAME, trial)

    def d_penalty(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor | None:
        if self.weight == 0:
            return None
        return self.weight * consistency(critic, real.detach())


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="consistency regularisation: lambda * ||D(x) - D(T(x))||^2 on reals, T a flip and shift",
        source="Zhang et al. 2020, Consistency Regularization for GANs, arXiv:1910.12027",
        params=dict(PARAMS),
        search_space={"lambda": LogUniform(1.0, 100.0)},  # two decades around the paper's 10
        factory=_params.factory(NAME, ConsistencyRegularisation, PARAMS, rename={"lambda": "weight"}),
    )
