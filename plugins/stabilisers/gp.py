"""Gradient penalty (WGAN-GP): Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville 2017,
Improved Training of Wasserstein GANs, arXiv:1704.00028 (Algorithm 1).

D's loss gains ``lambda * E[(||grad D(x_hat)||_2 - 1)^2]`` where ``x_hat = eps x + (1 - eps) x~``
interpolates a real and a generated sample with one ``eps ~ U[0, 1]`` per sample. The gradient
is taken with ``create_graph`` so the penalty itself trains D (a soft 1-Lipschitz constraint).
"""

from __future__ import annotations

import torch

from ganbench.types import Critic, LogUniform, Stabiliser, StabiliserSpec

from . import _params

NAME = "gp"
PARAMS = {"lambda": 10.0}


class GradientPenalty(Stabiliser):
    def __init__(self, weight: float = PARAMS["lambda"]):
        self.weight = _params.number(NAME, "lambda", weight, minimum=0)

    def d_penalty(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor | None:
        if self.weight == 0:
            return None
        n = min(len(real), len(fake))
        real, fake = real[:n].detach(), fake[:n].detach()
        eps = torch.rand((n,) + (1,) * (real.dim() - 1), device=real.device, dtype=real.dtype)
        x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        return self.weight * (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        double_backward=True,  # its penalty is a gradient's norm, differentiated again
        name=NAME,
        description="gradient penalty: lambda * (||grad D|| - 1)^2 on real/fake interpolates",
        source="Gulrajani et al. 2017, Improved Training of Wasserstein GANs, arXiv:1704.00028",
        params=dict(PARAMS),
        search_space={"lambda": LogUniform(0.1, 100.0)},  # compare_gan's wide range for WGAN-GP's lambda, 10^-1 to 10^2
        factory=_params.factory(NAME, GradientPenalty, PARAMS, rename={"lambda": "weight"}),
    )
