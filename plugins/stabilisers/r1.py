"""R1 regularisation: Mescheder, Geiger & Nowozin 2018, Which Training Methods for GANs do
actually Converge?, ICML 2018, arXiv:1801.04406 (eq. 9).

D's loss gains ``(gamma / 2) E_{x ~ data} ||grad D(x)||^2``: a penalty on D's gradient on real
data only. The paper states the factor of 1/2; the official GAN_stability code omits it
(its ``reg_param`` is the paper's gamma / 2). We follow the paper, so ``r1:gamma=10`` here
equals ``reg_param=5`` there.
"""

from __future__ import annotations

import torch

from ganbench.types import Critic, LogUniform, Stabiliser, StabiliserSpec

from . import _params

NAME = "r1"
PARAMS = {"gamma": 10.0}


def squared_gradient_norm(critic: Critic, batch: torch.Tensor) -> torch.Tensor:
    """E ||grad_x D(x)||^2 over ``batch``, with the graph kept so that the penalty trains D (R1 on reals, R2 on fakes)."""
    x = batch.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return grad.flatten(1).pow(2).sum(dim=1).mean()


class R1Penalty(Stabiliser):
    def __init__(self, gamma: float = PARAMS["gamma"]):
        self.gamma = _params.number(NAME, "gamma", gamma, minimum=0)

    def d_penalty(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor | None:
        if self.gamma == 0:
            return None
        return self.gamma / 2 * squared_gradient_norm(critic, real)


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        double_backward=True,  # its penalty is a gradient's norm, differentiated again
        name=NAME,
        description="R1 penalty: (gamma / 2) E ||grad D(x)||^2 on real data",
        source="Mescheder, Geiger & Nowozin 2018, Which Training Methods for GANs do actually Converge?, "
        "arXiv:1801.04406",
        params=dict(PARAMS),
        search_space={"gamma": LogUniform(0.1, 100.0)},  # the same decades as gp's weight (compare_gan has no R1 range)
        factory=_params.factory(NAME, R1Penalty, PARAMS),
    )
