"""Stabilisers: a trick that overrides the methods it needs, called at fixed points of the training step."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ganbench.types.data import DataShape
from ganbench.types.models import Critic, HParams
from ganbench.types.records import Record

if TYPE_CHECKING:
    from ganbench.types.plans import TrialPlan


class Stabiliser:
    """A stabilisation trick. Override only what the method needs; the defaults do nothing.

    One instance is made per trial, so any state (running averages, schedules) lives with
    that trial. The training step calls, in order:

    ``critic_shape``/``wrap_critic``/``own_module`` once when the trial is built; then every step
    ``critic_input`` on real and fake batches, ``d_penalty`` and ``d_scores`` added to D's loss,
    ``after_d_step``; ``g_loss`` to add to or replace G's loss, ``g_penalty`` added to it,
    ``after_g_step``; ``scalars`` after the step, for the log.
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

    def d_scores(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor | None:
        """D's raw scores on this update's real and fake batches, exactly as the loss saw them (with their
        graph, so no second forward pass): a term added to D's loss (LeCam), or None for a stabiliser
        that only reads them (ADA's overfitting heuristic)."""
        return None

    def g_loss(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor, adversarial: torch.Tensor) -> torch.Tensor:
        """G's loss given its adversarial loss: return it, add to it or replace it."""
        return adversarial

    def own_module(self, shape: DataShape, hparams: HParams) -> nn.Module | None:
        """A module of the stabiliser's own that trains with G (MRGAN's encoder), built once with the trial.

        ``shape`` is the data's, ``hparams`` the trial's. The core moves it to the device and gives it an
        optimiser of its own, made like G's (``optimizer``, ``lr_g``, ``betas``), stepped right after G's
        from the gradient of G's loss. Keep a reference: ``g_penalty`` is where it is used.
        """
        return None

    def g_penalty(
        self, generator: nn.Module, real: torch.Tensor, adversarial: Callable[[torch.Tensor], torch.Tensor]
    ) -> torch.Tensor | None:
        """A term added to G's loss that needs G itself, or None.

        ``real`` is the last data batch D saw, as drawn (before ``critic_input``: in the data's shape);
        ``adversarial(x)`` is the run's G loss on samples ``x`` as D sees them (every ``critic_input``,
        then D, then the loss's ``g_loss``), which MRGAN's mode term asks of G(E(x)).
        """
        return None

    def after_d_step(self, critic: Critic) -> None:
        pass

    def after_g_step(self, generator: nn.Module) -> None:
        pass

    def scalars(self) -> dict[str, float]:
        """Values of the stabiliser's own to follow over training (ADA's p), read after every step and
        recorded with the trial's losses whenever one changes; the report draws them beside the losses."""
        return {}


@dataclass(kw_only=True)
class StabiliserSpec(Record):
    """A stabiliser: ``factory(**params)`` makes a fresh :class:`Stabiliser` for one trial."""

    factory: Callable[..., Stabiliser]
    params: Mapping[str, Any] = field(default_factory=dict)  # name -> default (its type is the param's)
    search_space: Mapping[str, Any] = field(default_factory=dict)  # param -> range, for --tune
    source: str = ""
    # Its D penalty differentiates a gradient of D (gradient penalty, R1): torch.compile's graphs do not
    # support that double backward, so under --compile such a trial compiles G alone and runs D eagerly.
    double_backward: bool = False
