"""Feature matching: Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, Improved
Techniques for Training GANs, arXiv:1606.03498 (section 3.1).

G minimises ``||E_x f(x) - E_z f(G(z))||_2^2``, f being D's intermediate layer (the critic's
``features``), the expectations batch means. The paper's G uses it *instead of* the
adversarial loss (``mode=replace``, the default); ``mode=add`` adds it to that loss.

D is held fixed in this term: it is G's objective, so its gradient reaches G's parameters and
not D's (D's own loss is unchanged).
"""

from __future__ import annotations

import torch

from ganbench.types import Critic, Stabiliser, StabiliserSpec

from . import _params

NAME = "fm"
PARAMS = {"mode": "replace"}
MODES = ("replace", "add")


class FeatureMatching(Stabiliser):
    def __init__(self, mode: str = PARAMS["mode"]):
        self.mode = _params.choice(NAME, "mode", mode, MODES)

    def matching_loss(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            real_mean = critic.features(real).flatten(1).mean(dim=0)
        # Freeze D's parameters for this forward pass only, so the graph leads back to G alone.
        trainable = [p for p in critic.parameters() if p.requires_grad]
        for p in trainable:
            p.requires_grad_(False)
        try:
            fake_mean = critic.features(fake).flatten(1).mean(dim=0)
        finally:
            for p in trainable:
                p.requires_grad_(True)
        return (real_mean - fake_mean).pow(2).sum()

    def g_loss(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor, adversarial: torch.Tensor) -> torch.Tensor:
        matching = self.matching_loss(critic, real.detach(), fake)
        return matching if self.mode == "replace" else adversarial + matching


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="feature matching: G matches the batch mean of D's features on real data",
        source="Salimans et al. 2016, Improved Techniques for Training GANs, arXiv:1606.03498",
        params=dict(PARAMS),
        factory=_params.factory(NAME, FeatureMatching, PARAMS),
    )
