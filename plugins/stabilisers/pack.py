"""Packing (PacGAN): Lin, Khetan, Fanti & Oh 2018, PacGAN: The Power of Two Samples in
Generative Adversarial Networks, NeurIPS 2018, arXiv:1712.04086.

D judges ``m`` samples at once, all real or all generated, concatenated along the channels
(images) or the features (vectors); only D's input layer changes, so the critic is built for
the packed shape. A batch of N becomes N / m packed samples, hence the batch size must be a
multiple of m: a configuration error the user must fix, reported before anything trains.
"""

from __future__ import annotations

import torch

from ganbench.errors import UsageError
from ganbench.types import DataShape, IntRange, Stabiliser, StabiliserSpec, TrialPlan

from . import _params

NAME = "pack"
PARAMS = {"m": 2}


class Packing(Stabiliser):
    def __init__(self, m: int = PARAMS["m"]):
        self.m = _params.integer(NAME, "m", m, minimum=2)

    def _indivisible(self, batch_size: int) -> UsageError:
        return UsageError(
            f"pack: the batch size {batch_size} is not divisible by m={self.m}; "
            f"use a batch size that is a multiple of {self.m}, or another m"
        )

    def check(self, trial: TrialPlan) -> str | None:
        if trial.data_shape.kind not in ("image", "vector"):
            return f"pack concatenates images or vectors, not {trial.data_shape.kind}s"
        if trial.model.conditional:
            return f"pack judges {self.m} samples as one, and {trial.model.name}'s D judges each sample with its label"
        if trial.hparams.batch_size % self.m:
            raise self._indivisible(trial.hparams.batch_size)
        return None

    def critic_shape(self, shape: DataShape) -> DataShape:
        return DataShape(shape.kind, (shape.shape[0] * self.m, *shape.shape[1:]))

    def critic_input(self, x: torch.Tensor, progress: float) -> torch.Tensor:
        n = x.shape[0]
        if n % self.m:
            raise self._indivisible(n)
        # Consecutive samples are independent draws, so grouping neighbours is a random packing.
        return x.reshape(n // self.m, self.m * x.shape[1], *x.shape[2:])


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="PacGAN packing: D judges m samples at once, concatenated along channels or features",
        source="Lin et al. 2018, PacGAN: The Power of Two Samples in GANs, arXiv:1712.04086",
        params=dict(PARAMS),
        search_space={"m": IntRange(2, 4)},  # PacGAN's packing degrees 2 to 4
        factory=_params.factory(NAME, Packing, PARAMS),
    )
