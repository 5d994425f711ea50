"""``acgan``: the auxiliary classifier GAN of Odena, Olah & Shlens (2017), Conditional Image Synthesis
with Auxiliary Classifier GANs, ICML (arXiv:1610.09585).

D has two outputs: the source score (real or fake) and class logits from a classifier on its
features, which ganbench attaches for this loss (``LossSpec.uses_classes``). With the paper's

    L_S = E[log P(S = real | x_real)] + E[log P(S = fake | x_fake)]
    L_C = E[log P(C = c | x_real)] + E[log P(C = c | x_fake)]

D maximises L_S + L_C and G maximises L_C - L_S. As everywhere in ganbench the source term is the
non-saturating loss on raw scores (``ns``: G minimises -log D(G(z)), not log(1 - D(G(z)))), and
each class term is a cross-entropy over the logits, weighted by ``weight`` (the paper: 1):

    d_loss = BCE_ns(real, fake) + weight * (CE(logits(x_real), y_real) + CE(logits(x_fake), y_fake))
    g_loss = softplus(-s_fake).mean()  + weight * CE(logits(x_fake), y_fake)

so D learns to classify real and generated samples alike, and G to make samples of the class it
was asked for. It needs a class-conditional G and a critic whose features read the image alone
(``ModelSpec.label_free_features``: the projection critics of ``pdcgan`` and ``biggan``); other models are skipped with the
reason. One-sided label smoothing (``real_target=``) applies to the source term.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganbench.types import ClassLogits, LogUniform, LossSpec

from .standard import log_d_loss, ns_g_loss

WEIGHT = 1.0  # the class terms' weight: the paper adds L_S and L_C unweighted


def acgan_d_loss(
    real: torch.Tensor, fake: torch.Tensor, *, classes: ClassLogits, real_target: float = 1.0, weight: float = WEIGHT
) -> torch.Tensor:
    """The source loss of D plus the classifier's cross-entropy on the real and the generated batch."""
    assert classes.real_logits is not None and classes.real_labels is not None, "D's step classifies both batches"
    class_terms = F.cross_entropy(classes.real_logits, classes.real_labels) + F.cross_entropy(
        classes.fake_logits, classes.fake_labels
    )
    return log_d_loss(real, fake, real_target) + weight * class_terms


def acgan_g_loss(
    fake: torch.Tensor, real: torch.Tensor | None = None, *, classes: ClassLogits, weight: float = WEIGHT
) -> torch.Tensor:
    """G's non-saturating source loss plus the cross-entropy of its samples against the asked classes."""
    return ns_g_loss(fake) + weight * F.cross_entropy(classes.fake_logits, classes.fake_labels)


def specs() -> list[LossSpec]:
    return [
        LossSpec(
            name="acgan",
            description="auxiliary classifier GAN: ns plus a classifier's cross-entropy on D's features, "
            "real and fake (conditional models)",
            d_loss=acgan_d_loss,
            g_loss=acgan_g_loss,
            uses_labels=True,
            uses_classes=True,
            params={"weight": WEIGHT},
            search_space={"weight": LogUniform(0.1, 10.0)},
            source="Odena, Olah & Shlens 2017, Conditional Image Synthesis with Auxiliary Classifier GANs, "
            "ICML (arXiv:1610.09585)",
        )
    ]
