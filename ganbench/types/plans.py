"""A trial before it runs: what the grid and every stabiliser's ``check`` look at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ganbench.types.data import DataShape
from ganbench.types.losses import LossSpec
from ganbench.types.models import HParams, ModelSpec


@dataclass(frozen=True)
class StabiliserChoice:
    """One stabiliser in a selection, with its parameters: 'gp:lambda=5'."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        return ":".join([self.name, *(f"{k}={v}" for k, v in self.params)])


@dataclass
class TrialPlan:
    """Everything one trial is, before it runs: what stabiliser checks and the grid look at."""

    model: ModelSpec
    loss: LossSpec
    stabilisers: tuple[StabiliserChoice, ...]
    seed: int
    hparams: HParams
    data_shape: DataShape
    loss_params: tuple[tuple[str, Any], ...] = ()  # the loss's own parameters that the run sets

    @property
    def stabiliser_label(self) -> str:
        return "+".join(map(str, self.stabilisers)) or "none"
