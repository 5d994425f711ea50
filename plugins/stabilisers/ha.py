"""Historical averaging: Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, Improved
Techniques for Training GANs, arXiv:1606.03498 (section 3.3).

A player's cost gains ``weight * ||theta - (1/t) sum_{i=1}^{t} theta[i]||^2``, theta[i] being
its parameters at past time i, the average kept as a running mean (one copy of the
parameters, not t). D's penalty is added at every D step; the average holds D's parameters at
every earlier D step, so the first step's penalty is zero.

With ``g=true`` G's cost gains the same term, its average over G's earlier steps. The
stabiliser contract hands the generator only to ``after_g_step``, so the instance keeps a
reference from there: G's term starts at the second G step and its average starts with G's
parameters after the first update (the initial ones are never shown to a stabiliser).
"""

from __future__ import annotations

import torch
from torch import nn

from ganbench.types import Critic, Stabiliser, StabiliserSpec

from . import _params

NAME = "ha"
PARAMS = {"weight": 1.0, "g": False}


class RunningAverage:
    """The mean of a module's parameters over the times it was shown, by name."""

    def __init__(self) -> None:
        self.count = 0
        self.mean: dict[str, torch.Tensor] = {}

    def distance_then_add(self, module: nn.Module) -> torch.Tensor:
        """``||theta - mean of the earlier thetas||^2`` (0 the first time), then theta joins the mean."""
        params = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        distance = torch.zeros((), device=params[0][1].device if params else None)
        for name, p in params:
            if name in self.mean:
                distance = distance + (p - self.mean[name]).pow(2).sum()
        self.count += 1
        with torch.no_grad():
            for name, p in params:
                if name in self.mean:
                    self.mean[name] += (p.detach() - self.mean[name]) / self.count
                else:
                    self.mean[name] = p.detach().clone()
        return distance


class HistoricalAveraging(Stabiliser):
    def __init__(self, weight: float = PARAMS["weight"], g: bool = PARAMS["g"]):
        self.weight = _params.number(NAME, "weight", weight, minimum=0)
        self.g = _params.flag(NAME, "g", g)
        self.critic_average = RunningAverage()
        self.generator_average = RunningAverage()
        self.generator: nn.Module | None = None

    def d_penalty(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor | None:
        return self.weight * self.critic_average.distance_then_add(critic)

    def g_loss(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor, adversarial: torch.Tensor) -> torch.Tensor:
        if not self.g or self.generator is None:
            return adversarial
        return adversarial + self.weight * self.generator_average.distance_then_add(self.generator)

    def after_g_step(self, generator: nn.Module) -> None:
        self.generator = generator


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="historical averaging: weight * ||theta - mean of past thetas||^2 on D (and G with g=true)",
        source="Salimans et al. 2016, Improved Techniques for Training GANs, arXiv:1606.03498",
        params=dict(PARAMS),
        factory=_params.factory(NAME, HistoricalAveraging, PARAMS),
    )
