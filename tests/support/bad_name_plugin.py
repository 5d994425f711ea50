"""Losses that work but whose names the command line cannot take: for the conformance name check."""

from torch.nn import functional as F

from ganbench import hookimpl
from ganbench.types import LossSpec

#: name -> what the check must say about it
BAD_NAMES = {
    "toy,ns": "','",  # --losses toy,ns is two names
    "toy+ns": "'+'",
    "toy:ns": "':'",
    "toy=ns": "'='",
    "toy|ns": "'|'",
    "all": "reserved word",  # --losses all is every loss
    "none": "reserved word",
    "-toy-ns": "starts with '-'",  # --losses -toy-ns is an option
}


@hookimpl
def ganbench_losses():
    return [
        LossSpec(
            name=name,
            description="the non-saturating loss, badly named",
            d_loss=lambda real, fake: F.softplus(-real).mean() + F.softplus(fake).mean(),
            g_loss=lambda fake, real: F.softplus(-fake).mean(),
        )
        for name in BAD_NAMES
    ]
