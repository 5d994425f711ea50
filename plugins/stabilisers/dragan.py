"""DRAGAN: Kodali, Abernethy, Hays & Kira 2017, On Convergence and Stability of GANs,
arXiv:1705.07215 (section 5 and its code).

D's loss gains ``lambda * E[(||grad D(x_hat)||_2 - 1)^2]`` at ``x_hat = x + c * std(x) * u``,
u ~ U[0, 1) per element and std(x) the standard deviation of the whole real batch: a gradient
penalty in a noisy neighbourhood of the real data only, where the paper finds the sharp
gradients that come with mode collapse. As for gp, the gradient is taken with ``create_graph``
so that the penalty itself trains D.
"""

from __future__ import annotations

import torch

from ganbench.types import Critic, LogUniform, Stabiliser, StabiliserSpec

from . import _params

NAME = "dragan"
PARAMS = {"lambda": 10.0, "c": 0.5}


class Dragan(Stabiliser):
    def __init__(self, weight: float = PARAMS["lambda"], c: float = PARAMS["c"]):
        self.weight = _params.number(NAME, "lambda", weight, minimum=0)
        self.c = _params.number(NAME, "c", c, minimum=0)

    def perturbed(self, real: torch.Tensor) -> torch.Tensor:
        """``x + c * std(x) * U[0, 1)``, the points the penalty is taken at."""
        return real + self.c * real.std() * torch.rand_like(real)

    def d_penalty(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor | None:
        if self.weight == 0:
            return None
        x_hat = self.perturbed(real.detach()).requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        return self.weight * (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        double_backward=True,  # its penalty is a gradient's norm, differentiated again
        name=NAME,
        description="DRAGAN: lambda * (||grad D|| - 1)^2 at real samples plus c * std * uniform noise",
        source="Kodali et al. 2017, On Convergence and Stability of GANs, arXiv:1705.07215",
        params=dict(PARAMS),
        search_space={"lambda": LogUniform(1.0, 100.0)},  # two decades around the paper's 10
        factory=_params.factory(NAME, Dragan, PARAMS, rename={"lambda": "weight"}),
    )
