"""Stabilisers: a trick that overrides the methods it needs, called at fixed points of the training step."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ganbench.types.data import DataShape
from ganbench.types.models import Critic
from ganbench.types.records import Record

if TYPE_CHECKING:
    from ganbench.types.plans import TrialPlan


class Stabiliser:
    """A stabilisation trick. Override only what the method needs; the defaults do nothing.

    One instance is made per trial, so any state (running averages, schedules) lives with
    that trial. The training step calls, in order:

    ``critic_shape``/``wrap_critic`` once when the trial is built; then every step
    ``critic_input`` on real and fake batches, ``d_penalty`` added to D's loss,
    ``after_d_step``; ``g_loss`` to add to or replace G's loss, ``after_g_step``.
    """

    #: properties this stabiliser guarantees, e.g. {"lipschitz"}
    provides: frozenset[str] = frozenset()

    def check(self, trial: TrialPlan) -> str | None:
        """None if this stabiliser can work in the trial, else the reason to skip it."""
        return None

    def critic_shape(self, shape: DataShape) -> DataShape:
        """The shape of what D sees, if the stabiliser changes it (packing)."""
        return shape

    def wrap_critic(self, critic: Critic) -> Critic:
        return critic

    def critic_input(self, x: torch.Tensor, progress: float) -> torch.Tensor:
        """Transform a real or fake batch before D sees it; ``progress`` is the budget fraction used."""
        return x

    def real_target(self) -> float | None:
        """The target for real samples in a labelled loss (one-sided label smoothing)."""
        return None

    def d_penalty(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor | None:
        """A term added to D's loss; ``real`` and ``fake`` are D's inputs (after ``critic_input``)."""
        return None

    def g_loss(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor, adversarial: torch.Tensor) -> torch.Tensor:
        """G's loss given its adversarial loss: return it, add to it or replace it."""
        return adversarial

    def after_d_step(self, critic: Critic) -> None:
        pass

    def after_g_step(self, generator: nn.Module) -> None:
        pass


@dataclass(kw_only=True)
class StabiliserSpec(Record):
    """A stabiliser: ``factory(**params)`` makes a fresh :class:`Stabiliser` for one trial."""

    factory: Callable[..., Stabiliser]
    params: Mapping[str, Any] = field(default_factory=dict)  # name -> default (its type is the param's)
    search_space: Mapping[str, Any] = field(default_factory=dict)  # param -> range, for --tune
    source: str = ""
