"""LeCam regularisation: Tseng, Jiang, Liu, Yang & Yang 2021, Regularizing Generative Adversarial
Networks under Limited Data, CVPR 2021, arXiv:2104.03310 (eq. 3).

D's loss gains ``lambda * (E[relu(D(x) - a_F)^2] + E[relu(a_R - D(G(z)))^2])``, a_R and a_F
exponential moving averages (``decay`` 0.99) of D's mean raw score on real and on generated
batches. It keeps D's scores on reals from drifting above what it gives fakes on average (and
fakes' below reals'), which bounds a LeCam divergence instead of letting D overfit a small data
set. The scores are those D's loss saw (``d_scores``): no second forward pass. As in the
authors' code the averages start at 0 and are updated with the batch before the term is taken;
they are constants in the term (no gradient through them).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganbench.types import LogUniform, Stabiliser, StabiliserSpec

from . import _params

NAME = "lecam"
PARAMS = {"lambda": 0.3, "decay": 0.99}


class LeCam(Stabiliser):
    def __init__(self, weight: float = PARAMS["lambda"], decay: float = PARAMS["decay"]):
        self.weight = _params.number(NAME, "lambda", weight, minimum=0)
        self.decay = _params.number(NAME, "decay", decay, minimum=0, maximum=1)
        self.real_average: torch.Tensor | float = 0.0  # a_R
        self.fake_average: torch.Tensor | float = 0.0  # a_F

    def d_scores(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor | None:
        keep = self.decay
        self.real_average = keep * self.real_average + (1 - keep) * real_scores.detach().mean()
        self.fake_average = keep * self.fake_average + (1 - keep) * fake_scores.detach().mean()
        if self.weight == 0:
            return None
        real_term = F.relu(real_scores - self.fake_average).pow(2).mean()
        fake_term = F.relu(self.real_average - fake_scores).pow(2).mean()
        return self.weight * (real_term + fake_term)


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="LeCam: lambda * (relu(D(x) - a_F)^2 + relu(a_R - D(G(z)))^2), a_R, a_F moving averages",
        source="Tseng et al. 2021, Regularizing Generative Adversarial Networks under Limited Data, arXiv:2104.03310",
        params=dict(PARAMS),
        search_space={"lambda": LogUniform(0.03, 3.0)},  # two decades around the paper's 0.3
        factory=_params.factory(NAME, LeCam, PARAMS, rename={"lambda": "weight"}),
    )
