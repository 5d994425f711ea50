"""Search spaces: the ranges a component declares for its hyper-parameters, for `ganbench run --tune N`.

A space maps a key to a range. Each range turns a coordinate u in [0, 1) (from a scrambled Sobol
sequence) into a value, so every variant of a run with the same space is tried at the same
points. The built-ins start from compare_gan's ranges (Lucic et al. 2018, "Are GANs Created
Equal?", and google/compare_gan's params.py): learning rate log-uniform on [1e-5, 1e-2], Adam's
beta1 uniform on [0, 1], discriminator steps 1 to 5, penalty weights log-uniform on [0.1, 100].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LogUniform:
    """Uniform in log space between ``low`` and ``high`` (both > 0): learning rates, penalty weights."""

    low: float
    high: float

    def value(self, u: float) -> float:
        return float(math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low))))

    def __str__(self) -> str:
        return f"log-uniform [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Uniform:
    """Uniform between ``low`` and ``high``: Adam's beta1."""

    low: float
    high: float

    def value(self, u: float) -> float:
        return float(self.low + u * (self.high - self.low))

    def __str__(self) -> str:
        return f"uniform [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class OneOf:
    """One of a few values, equally likely: an optimiser, a set of discriminator step counts."""

    choices: tuple[Any, ...]

    def value(self, u: float) -> Any:
        return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]

    def __str__(self) -> str:
        return "one of " + ", ".join(map(str, self.choices))


def IntRange(low: int, high: int) -> OneOf:  # noqa: N802 (reads as the range it builds)
    """A whole number from ``low`` to ``high`` inclusive, equally likely: n_critic 1 to 5."""
    return OneOf(tuple(range(low, high + 1)))


Range = LogUniform | Uniform | OneOf
