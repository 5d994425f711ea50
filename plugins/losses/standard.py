"""The standard adversarial losses, written on the critic's raw scores.

Every loss here takes raw scores s = D(x) (logits, never probabilities) and returns a scalar
mean to *minimise*. Wherever the paper writes log D(x) with D = sigmoid(s), we use the
identities

    -log sigmoid(s)     = softplus(-s)
    -log(1 - sigmoid(s)) = softplus(s)

which stay finite and keep their gradients for any score (log(sigmoid(-100)) in float32
would be log(0) = -inf).

The labelled losses (minimax, ns, lsgan) accept ``real_target=``: one-sided label smoothing
(Salimans et al. 2016) asks D for 0.9 instead of 1 on real samples; fake samples keep 0.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganbench.types import LossSpec

# --------------------------------------------------------------------------- the log losses


def log_d_loss(real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    """Binary cross-entropy of D: real against ``real_target``, fake against 0.

    BCE(s, t) = -t log sigmoid(s) - (1 - t) log(1 - sigmoid(s))
              = t softplus(-s) + (1 - t) softplus(s).
    The two means are added, as in Goodfellow et al.'s value function (so scores 0 give 2 log 2).
    """
    t = real_target
    real_term = t * F.softplus(-real) + (1.0 - t) * F.softplus(real)
    return real_term.mean() + F.softplus(fake).mean()


def minimax_g_loss(fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    """Goodfellow's original G objective: minimise log(1 - D(G(z))) = -softplus(s).

    It saturates: when D confidently rejects a sample (s << 0) the gradient -sigmoid(s) vanishes.
    """
    return -F.softplus(fake).mean()


def ns_g_loss(fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    """The non-saturating heuristic: minimise -log D(G(z)) = softplus(-s)."""
    return F.softplus(-fake).mean()


# --------------------------------------------------------------------------- Wasserstein


def wasserstein_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The critic maximises E[D(real)] - E[D(fake)], so it minimises the negation."""
    return fake.mean() - real.mean()


def wasserstein_g_loss(fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    return -fake.mean()


# --------------------------------------------------------------------------- hinge


def hinge_d_loss(real: torch.Tensor, fake: torch.Tensor, margin: float = 1.0) -> torch.Tensor:
    """D is only pushed while real scores are below the margin or fake scores above -margin."""
    return F.relu(margin - real).mean() + F.relu(margin + fake).mean()


def hinge_g_loss(fake: torch.Tensor, real: torch.Tensor | None = None, margin: float = 1.0) -> torch.Tensor:
    return -fake.mean()


# --------------------------------------------------------------------------- least squares

#: Mao et al.'s labels: fake a = 0, real b = 1, and G wants its samples scored c = 1.
LSGAN_A, LSGAN_B, LSGAN_C = 0.0, 1.0, 1.0


def lsgan_d_loss(real: torch.Tensor, fake: torch.Tensor, real_target: float = LSGAN_B) -> torch.Tensor:
    """1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2], with b = ``real_target``."""
    return 0.5 * (real - real_target).pow(2).mean() + 0.5 * (fake - LSGAN_A).pow(2).mean()


def lsgan_g_loss(fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    """1/2 E[(D(G(z)) - c)^2]."""
    return 0.5 * (fake - LSGAN_C).pow(2).mean()


# --------------------------------------------------------------------------- records

GOODFELLOW = "Goodfellow et al. 2014, Generative Adversarial Nets, NeurIPS (arXiv:1406.2661)"


def specs() -> list[LossSpec]:
    """Fresh records (the registry stamps them with their provider)."""
    return [
        LossSpec(
            name="minimax",
            description="original saturating GAN loss: G minimises log(1 - D(G(z)))",
            d_loss=log_d_loss,
            g_loss=minimax_g_loss,
            uses_labels=True,
            source=GOODFELLOW,
        ),
        LossSpec(
            name="ns",
            description="non-saturating GAN loss: G minimises -log D(G(z))",
            d_loss=log_d_loss,
            g_loss=ns_g_loss,
            uses_labels=True,
            source=GOODFELLOW + ", section 3",
        ),
        LossSpec(
            name="wasserstein",
            description="Wasserstein-1 critic loss; needs a Lipschitz critic (clipping, gradient penalty)",
            d_loss=wasserstein_d_loss,
            g_loss=wasserstein_g_loss,
            requires=frozenset({"lipschitz"}),
            source="Arjovsky, Chintala & Bottou 2017, Wasserstein GAN (arXiv:1701.07875)",
        ),
        LossSpec(
            name="hinge",
            description="hinge loss: D minimises relu(1 - real) + relu(1 + fake), G maximises D(G(z))",
            params={"margin": 1.0},  # Lim & Ye 2017 use 1; with a free critic scale it is only a unit
            d_loss=hinge_d_loss,
            g_loss=hinge_g_loss,
            source="Lim & Ye 2017, Geometric GAN (arXiv:1705.02894); Miyato et al. 2018, "
            "Spectral Normalization for GANs, ICLR (arXiv:1802.05957)",
        ),
        LossSpec(
            name="lsgan",
            description="least squares loss on raw scores, labels a=0 (fake), b=1 (real), c=1 (G's target)",
            d_loss=lsgan_d_loss,
            g_loss=lsgan_g_loss,
            uses_labels=True,
            source="Mao et al. 2017, Least Squares Generative Adversarial Networks, ICCV (arXiv:1611.04076)",
        ),
    ]
