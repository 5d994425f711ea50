"""Relativistic average GAN losses (Jolicoeur-Martineau 2018, arXiv:1807.00734).

A standard discriminator estimates the probability that x is real. A relativistic average
one estimates the probability that x is *more* real than the average sample of the other
kind: with raw scores C(x),

    D~(x_real) = sigmoid(C(x_real) - E C(x_fake)),   D~(x_fake) = sigmoid(C(x_fake) - E C(x_real)).

RaSGAN puts these into the usual cross-entropy, for D with real labelled 1 and fake 0, for G
with the labels swapped: G gains both by raising its own scores and by lowering real ones
relative to its own, which is why G's loss needs D(real) (``g_uses_real=True``; ganbench passes
those scores without a gradient, so G's update reaches G only through its samples).

BCE(s, 1) = softplus(-s) and BCE(s, 0) = softplus(s) keep everything finite. The sums follow the
paper's equations; the author's code halves both losses, a constant factor that Adam absorbs.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from ganbench.types import LossSpec

SOURCE = (
    "Jolicoeur-Martineau 2018, The relativistic discriminator: a key element missing from "
    "standard GAN, arXiv:1807.00734"
)


def rasgan_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """BCE(real - mean(fake), 1) + BCE(fake - mean(real), 0)."""
    return F.softplus(-(real - fake.mean())).mean() + F.softplus(fake - real.mean()).mean()


def rasgan_g_loss(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """BCE(fake - mean(real), 1) + BCE(real - mean(fake), 0): D's loss with the roles swapped."""
    return F.softplus(-(fake - real.mean())).mean() + F.softplus(real - fake.mean()).mean()


def ralsgan_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E[(real - mean(fake) - 1)^2] + E[(fake - mean(real) + 1)^2]: least squares with targets +-1."""
    return (real - fake.mean() - 1).pow(2).mean() + (fake - real.mean() + 1).pow(2).mean()


def ralsgan_g_loss(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """E[(fake - mean(real) - 1)^2] + E[(real - mean(fake) + 1)^2]."""
    return (fake - real.mean() - 1).pow(2).mean() + (real - fake.mean() + 1).pow(2).mean()


def specs() -> list[LossSpec]:
    return [
        LossSpec(
            name="ragan",
            description="relativistic average standard GAN loss (RaSGAN)",
            d_loss=rasgan_d_loss,
            g_loss=rasgan_g_loss,
            g_uses_real=True,
            source=SOURCE,
        ),
        LossSpec(
            name="rals",
            description="relativistic average least squares GAN loss (RaLSGAN)",
            d_loss=ralsgan_d_loss,
            g_loss=ralsgan_g_loss,
            g_uses_real=True,
            source=SOURCE,
        ),
    ]
