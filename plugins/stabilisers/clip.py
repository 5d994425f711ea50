"""Weight clipping: Arjovsky, Chintala & Bottou 2017, Wasserstein GAN, arXiv:1701.07875 (Algorithm 1).

After every D step each of D's parameters is clamped to [-c, c], which keeps D in a compact
set of functions that are K-Lipschitz for some K: the constraint the original WGAN uses.
"""

from __future__ import annotations

import torch

from ganbench.types import Critic, LogUniform, Stabiliser, StabiliserSpec

from . import _params

NAME = "clip"
PARAMS = {"c": 0.01}


class WeightClipping(Stabiliser):
    provides = frozenset({"lipschitz"})

    def __init__(self, c: float = PARAMS["c"]):
        self.c = _params.number(NAME, "c", c, above=0)

    @torch.no_grad()
    def after_d_step(self, critic: Critic) -> None:
        for parameter in critic.parameters():
            parameter.clamp_(-self.c, self.c)


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="weight clipping of D's parameters to [-c, c] after each D step",
        source="Arjovsky, Chintala & Bottou 2017, Wasserstein GAN, arXiv:1701.07875",
        params=dict(PARAMS),
        search_space={"c": LogUniform(1e-3, 1.0)},  # compare_gan's wide range for WGAN's clipping bound, 10^-3 to 1
        factory=_params.factory(NAME, WeightClipping, PARAMS),
    )
