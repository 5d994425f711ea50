"""Instance noise: Sønderby, Caballero, Theis, Shi & Huszár 2016, Amortised MAP Inference for
Image Super-resolution, arXiv:1610.04490 (section 3.2); Arjovsky & Bottou 2017, Towards
Principled Methods for Training Generative Adversarial Networks, arXiv:1701.04862.

Gaussian noise is added to every input D sees, real and generated alike (in G's step too), so
the two distributions overlap and D's gradients stay informative. Its standard deviation is
annealed linearly from ``std`` at the start of the budget to zero at its end.
"""

from __future__ import annotations

import torch

from ganbench.types import LogUniform, Stabiliser, StabiliserSpec

from . import _params

NAME = "noise"
PARAMS = {"std": 0.1}


class InstanceNoise(Stabiliser):
    def __init__(self, std: float = PARAMS["std"]):
        self.std = _params.number(NAME, "std", std, minimum=0)

    def current_std(self, progress: float) -> float:
        """The noise's standard deviation when ``progress`` of the budget is used."""
        return self.std * (1.0 - min(max(progress, 0.0), 1.0))

    def critic_input(self, x: torch.Tensor, progress: float) -> torch.Tensor:
        std = self.current_std(progress)
        return x + std * torch.randn_like(x) if std > 0 else x


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="instance noise on D's inputs, std annealed linearly to zero over the budget",
        source="Sønderby et al. 2016, arXiv:1610.04490; Arjovsky & Bottou 2017, arXiv:1701.04862",
        params=dict(PARAMS),
        search_space={"std": LogUniform(0.01, 1.0)},  # two decades around Arjovsky & Bottou's 0.1
        factory=_params.factory(NAME, InstanceNoise, PARAMS),
    )
