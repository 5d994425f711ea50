"""WGAN: Arjovsky, Chintala and Bottou (2017), arXiv:1701.07875, with weight clipping.

The DCGAN generator, and a DCGAN-shaped critic without BatchNorm (a batch-dependent layer
makes each score depend on the rest of the batch, which the Wasserstein critic should not).
The critic is kept (roughly) K-Lipschitz by clipping every weight to [-c, c] after each of its
optimiser steps, c = 0.01 as in the paper's Algorithm 1; the harness calls
:meth:`ClippedCritic.constrain` there. The paper's defaults: RMSProp at 5e-5, five critic
updates per generator update, batches of 64.
"""

from __future__ import annotations

import torch
from torch import nn

from ganbench.types import Critic, DataShape, HParams, ModelSpec

from . import dcgan, spaces

CLIP = 0.01

HPARAMS = HParams(z_dim=100, batch_size=64, optimizer="rmsprop", lr_g=5e-5, lr_d=5e-5, n_critic=5)


class ClippedCritic(Critic):
    """A critic whose parameters are clipped to [-clip, clip] after every optimiser step."""

    def __init__(self, features: nn.Module, head: nn.Module, clip: float = CLIP):
        super().__init__(features, head)
        self.clip = clip

    @torch.no_grad()
    def constrain(self) -> None:
        for parameter in self.parameters():
            parameter.clamp_(-self.clip, self.clip)


def critic(shape: DataShape, hp: HParams) -> Critic:
    features, n_features = dcgan.critic_layers(shape, batch_norm=False, width=hp.model_params.get("width"))
    model = ClippedCritic(features, nn.Linear(n_features, 1), clip=hp.model_params.get("clip", CLIP))
    model.apply(dcgan.init_weights)
    # Start inside the constraint set, so even the first scores come from a clipped critic.
    model.constrain()
    return model


def spec() -> ModelSpec:
    return ModelSpec(
        name="wgan",
        description="WGAN: DCGAN generator, BatchNorm-free critic with weights clipped to 0.01",
        source="Arjovsky, Chintala & Bottou 2017, Wasserstein GAN, arXiv:1701.07875",
        generator=dcgan.generator,
        critic=critic,
        hparams=HPARAMS.replace(),
        params={"width": 0, "clip": CLIP},
        # A clipped critic at RMSprop 5e-5 learns slowly. On the bundled digits (wasserstein, seed 0,
        # 2026-12-02): 1000 steps FID 559 and 1 class, 2000 steps 141 and 9 classes, 3000 steps 82 and 10.
        min_steps=2000,
        search_space=spaces.RMSPROP_CLIPPED,
        data_kinds=("image",),
        image_sizes=(16, 64),
        channels=(1, 3),
        provides=frozenset({"lipschitz"}),
    )
