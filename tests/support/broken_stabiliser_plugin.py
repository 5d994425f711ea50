"""Deliberately broken stabilisers for the conformance check: each trains, and each is wrong.

``dragan-no-graph`` is DRAGAN's penalty with the input gradient taken without ``create_graph``: the
penalty is a constant, so D never feels it. ``detaching-aug``, ``rounding-aug`` and
``half-detaching-aug`` augment D's inputs in ways that cut G off: the first detaches the batch, the
second rounds it (a zero gradient), the third detaches the half it flips, so G still learns from
the other half and the G-update check alone lets it through.
"""

import torch

from ganbench import hookimpl
from ganbench.types import Stabiliser, StabiliserSpec


class DraganNoGraph(Stabiliser):
    def d_penalty(self, critic, real, fake):
        x_hat = (real + 0.5 * real.std() * torch.rand_like(real)).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat)  # no create_graph: no graph back to D
        return 10.0 * (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


class DetachingAugmentation(Stabiliser):
    def critic_input(self, x, progress):
        return x.detach().flip(-1)


class RoundingAugmentation(Stabiliser):
    def critic_input(self, x, progress):
        return torch.round(x * 4) / 4


class HalfDetachingAugmentation(Stabiliser):
    def critic_input(self, x, progress):
        half = len(x) // 2
        return torch.cat([x[:half].detach().flip(-1), x[half:]])


@hookimpl
def ganbench_stabilisers():
    return [
        StabiliserSpec(name="dragan-no-graph", description="DRAGAN without create_graph", factory=DraganNoGraph),
        StabiliserSpec(name="detaching-aug", description="detaches D's inputs", factory=DetachingAugmentation),
        StabiliserSpec(name="rounding-aug", description="rounds D's inputs", factory=RoundingAugmentation),
        StabiliserSpec(name="half-detaching-aug", description="detaches half", factory=HalfDetachingAugmentation),
    ]
