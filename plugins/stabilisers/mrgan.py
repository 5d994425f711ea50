"""Mode-regularised GAN (MRGAN): Che, Li, Jacob, Bengio & Li 2017, Mode Regularized Generative
Adversarial Networks, ICLR 2017, arXiv:1612.02136 (section 3.2, "Regularized-GAN").

An encoder E maps real samples to latents, and G's loss gains, on the last real batch D saw,

    lambda1 * E_x ||x - G(E(x))||^2          the geometric term: G(E(x)) reconstructs x
  + lambda2 * (G's loss on G(E(x)))          the mode term: G(E(x)) must also fool D

E is trained on the same two terms (the paper's T_E) and G on them plus its adversarial loss
(the paper's T_G). Since every real sample has a latent that G must turn back into it, G cannot
drop the mode that sample belongs to. The paper writes the mode term as log D(G(E(x))); here it
is the run's own G loss (the ns loss gives the paper's -log D), so the term is well defined for
every loss. ||.||^2 is the squared Euclidean distance of each sample, averaged over the batch.

The paper's encoder mirrors its D; ganbench cannot know a model's layers, so E is a small MLP
(flatten, ``width`` hidden units with LeakyReLU(0.2), z_dim outputs) built through the
contract's ``own_module``: the core gives it an optimiser like G's and steps it with G's.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ganbench.types import DataShape, HParams, LogUniform, Stabiliser, StabiliserSpec

from . import _params

NAME = "mrgan"
PARAMS = {"lambda1": 0.2, "lambda2": 0.4, "width": 256}


def encoder(shape: DataShape, z_dim: int, width: int) -> nn.Module:
    size = 1
    for side in shape.shape:
        size *= side
    return nn.Sequential(nn.Flatten(), nn.Linear(size, width), nn.LeakyReLU(0.2), nn.Linear(width, z_dim))


class ModeRegularisation(Stabiliser):
    def __init__(self, lambda1: float = PARAMS["lambda1"], lambda2: float = PARAMS["lambda2"], width: int = 256):
        self.lambda1 = _params.number(NAME, "lambda1", lambda1, minimum=0)
        self.lambda2 = _params.number(NAME, "lambda2", lambda2, minimum=0)
        self.width = _params.integer(NAME, "width", width, minimum=1)
        self.encoder: nn.Module | None = None

    def own_module(self, shape: DataShape, hparams: HParams) -> nn.Module:
        self.encoder = encoder(shape, hparams.z_dim, self.width)
        return self.encoder

    def g_penalty(
        self, generator: nn.Module, real: torch.Tensor, adversarial: Callable[[torch.Tensor], torch.Tensor]
    ) -> torch.Tensor | None:
        if self.encoder is None:
            raise RuntimeError("mrgan: g_penalty before own_module: the encoder is built with the trial")
        x = real.detach()
        reconstructed = generator(self.encoder(x))
        geometric = (x - reconstructed).flatten(1).pow(2).sum(dim=1).mean()
        return self.lambda1 * geometric + self.lambda2 * adversarial(reconstructed)


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="mode regularisation: an encoder E, G's loss + l1 ||x - G(E(x))||^2 + l2 G-loss(G(E(x)))",
        source="Che et al. 2017, Mode Regularized Generative Adversarial Networks, arXiv:1612.02136",
        params=dict(PARAMS),
        search_space={"lambda1": LogUniform(0.02, 2.0), "lambda2": LogUniform(0.04, 4.0)},  # two decades each
        factory=_params.factory(NAME, ModeRegularisation, PARAMS),
    )
