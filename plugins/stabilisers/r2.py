"""R2 regularisation: Mescheder, Geiger & Nowozin 2018, Which Training Methods for GANs do
actually Converge?, ICML 2018, arXiv:1801.04406 (eq. 10); with R1, the penalty pair of R3GAN
(Huang, Gokaslan, Kuleshov & Tompkin 2024, The GAN is dead; long live the GAN! A Modern GAN
Baseline, NeurIPS 2024, arXiv:2501.05441).

D's loss gains ``(gamma / 2) E_{x ~ G} ||grad D(x)||^2``: R1's penalty (see r1.py, the same
factor 1/2) taken on the generated batch D's loss saw instead of the real one. R3GAN uses both
(``r1+r2``), with one gamma.
"""

from __future__ import annotations

import torch

from ganbench.types import Critic, LogUniform, Stabiliser, StabiliserSpec

from . import _params
from .r1 import squared_gradient_norm

NAME = "r2"
PARAMS = {"gamma": 10.0}


class R2Penalty(Stabiliser):
    def __init__(self, gamma: float = PARAMS["gamma"]):
        self.gamma = _params.number(NAME, "gamma", gamma, minimum=0)

    def d_penalty(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor | None:
        if self.gamma == 0:
            return None
        return self.gamma / 2 * squared_gradient_norm(critic, fake)


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        double_backward=True,  # its penalty is a gradient's norm, differentiated again
        name=NAME,
        description="R2 penalty: (gamma / 2) E ||grad D(x)||^2 on generated samples",
        source="Mescheder, Geiger & Nowozin 2018, arXiv:1801.04406; Huang et al. 2024 (R3GAN), arXiv:2501.05441",
        params=dict(PARAMS),
        search_space={"gamma": LogUniform(1.0, 100.0)},  # two decades around the default 10, as r1's
        factory=_params.factory(NAME, R2Penalty, PARAMS),
    )
