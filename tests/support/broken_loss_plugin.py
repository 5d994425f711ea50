"""Deliberately broken losses for the conformance check: their generator terms never reach G."""

from torch.nn import functional as F

from ganbench import hookimpl
from ganbench.types import LossSpec


def d_loss(real, fake):
    return F.softplus(-real).mean() + F.softplus(fake).mean()


@hookimpl
def ganbench_losses():
    return [
        # detached: G's loss has no graph back to G at all
        LossSpec(
            name="detached-g",
            description="G's term is cut off from G",
            d_loss=d_loss,
            g_loss=lambda fake, real: F.softplus(-fake.detach()).mean(),
        ),
        # a graph, but a flat one: every gradient G gets is zero
        LossSpec(
            name="flat-g",
            description="G's term does not depend on the scores",
            d_loss=d_loss,
            g_loss=lambda fake, real: 0.0 * fake.mean(),
        ),
    ]
