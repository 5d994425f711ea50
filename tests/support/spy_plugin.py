"""Test doubles: a stabiliser that counts the step's calls, a loss that diverges, a loss that raises."""

import torch

from ganbench import hookimpl
from ganbench.types import LossSpec, Stabiliser, StabiliserSpec

CALLS = {"after_d_step": 0, "after_g_step": 0, "progress": []}


class Spy(Stabiliser):
    def critic_input(self, x, progress):
        CALLS["progress"].append(progress)
        return x

    def after_d_step(self, critic):
        CALLS["after_d_step"] += 1

    def after_g_step(self, generator):
        CALLS["after_g_step"] += 1


def nan_after_five(real, fake, _count=[0]):  # noqa: B006 (a call counter kept on purpose)
    _count[0] += 1
    loss = torch.nn.functional.softplus(-real).mean() + torch.nn.functional.softplus(fake).mean()
    return loss * float("nan") if _count[0] > 5 else loss


def broken_g_loss(fake, real):
    raise ValueError("this loss is broken on purpose")


@hookimpl
def ganbench_stabilisers():
    return [StabiliserSpec(name="spy", description="counts calls", factory=Spy)]


@hookimpl
def ganbench_losses():
    return [
        LossSpec(name="nan-loss", description="becomes NaN", d_loss=nan_after_five, g_loss=lambda f, r: -f.mean()),
        LossSpec(
            name="broken-loss", description="raises", d_loss=lambda r, f: f.mean() - r.mean(), g_loss=broken_g_loss
        ),
    ]


class SeedOneObserver:
    """An observer that raises for seed 1's checkpoints only: in an ensemble, only that member says so."""

    @staticmethod
    @hookimpl
    def ganbench_checkpoint(trial):
        if trial["seed"] == 1:
            raise RuntimeError("seed 1's observer is down")


class FailingObserver:
    """An observer that raises on every event: the trial must still finish and say so."""

    @staticmethod
    @hookimpl
    def ganbench_checkpoint(trial):
        raise RuntimeError("the logger is down")
