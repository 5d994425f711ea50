"""The relativistic pairing loss (RpGAN): Jolicoeur-Martineau 2019, The relativistic discriminator:
a key element missing from standard GAN, ICLR 2019, arXiv:1807.00734 (RSGAN); in the form R3GAN
builds on, Huang, Gokaslan, Kuleshov & Tompkin 2024, The GAN is dead; long live the GAN! A
Modern GAN Baseline, NeurIPS 2024, arXiv:2501.05441 (eq. 2).

D judges pairs: the i-th generated sample against the i-th real one of the batch (two
independent draws, so pairing by index is a random pairing). With raw scores,

    D minimises  E[softplus(D(fake_i) - D(real_i))]   (= -log sigmoid(D(real_i) - D(fake_i)))
    G minimises  E[softplus(D(real_i) - D(fake_i))]

G's loss reads D(real) (``g_uses_real``): the training step gives it D's scores on the last real
batch D saw, computed without a gradient, so G learns through D(fake) alone.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganbench.types import LossSpec


def _paired(real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    n = min(len(real), len(fake))  # equal in the training step; a shorter batch pairs its first n
    return real[:n], fake[:n]


def rpgan_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    real, fake = _paired(real, fake)
    return F.softplus(fake - real).mean()


def rpgan_g_loss(fake: torch.Tensor, real: torch.Tensor | None) -> torch.Tensor:
    if real is None:
        raise ValueError("rpgan's G loss pairs D(fake) with D(real): it needs the real scores (g_uses_real)")
    real, fake = _paired(real, fake)
    return F.softplus(real - fake).mean()


def specs() -> list[LossSpec]:
    return [
        LossSpec(
            name="rpgan",
            description="relativistic pairing: D minimises softplus(D(fake) - D(real)), G the reverse, paired by index",
            d_loss=rpgan_d_loss,
            g_loss=rpgan_g_loss,
            g_uses_real=True,
            source="Jolicoeur-Martineau 2019, arXiv:1807.00734; Huang et al. 2024, R3GAN, arXiv:2501.05441",
        )
    ]
