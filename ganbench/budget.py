"""The compute budget every trial of a run gets: training time, generator steps or images.

Time counts training only: the clock is paused during evaluation, and on a GPU the device
is synchronised before the clock is read, so queued kernels are not mistaken for free time.
Images are real images shown to D (batch x n_critic per generator step), as in StyleGAN's kimg.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import torch

from ganbench.errors import UsageError
from ganbench.types import Usage

_UNITS = {
    "s": ("seconds", 1),
    "m": ("seconds", 60),
    "h": ("seconds", 3600),
    "step": ("steps", 1),
    "steps": ("steps", 1),
    "kstep": ("steps", 1000),
    "ksteps": ("steps", 1000),
    "img": ("images", 1),
    "kimg": ("images", 1000),
    "mimg": ("images", 1_000_000),
}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$")
_HELP = "use a training time (30s, 5m, 1h), generator steps (2000steps) or real images shown to D (50kimg)"


@dataclass(frozen=True)
class Budget:
    unit: str  # "seconds", "steps" or "images"
    amount: float

    @classmethod
    def parse(cls, text: str) -> Budget:
        if text.strip().startswith("-"):
            raise UsageError(f"budget '{text}' must be more than zero: {_HELP}")
        match = _PATTERN.match(text.lower())
        if not match or match.group(2) not in _UNITS:
            raise UsageError(f"budget '{text}' is not a budget: {_HELP}")
        unit, scale = _UNITS[match.group(2)]
        amount = float(match.group(1)) * scale
        if amount <= 0:
            raise UsageError(f"budget '{text}' must be more than zero: {_HELP}")
        if unit != "seconds" and amount != int(amount):
            raise UsageError(f"budget '{text}' must be a whole number of {unit}: {_HELP}")
        return cls(unit, amount)

    def __str__(self) -> str:
        if self.unit == "seconds":
            return f"{self.amount:g}s"
        if self.unit == "steps":
            return f"{int(self.amount)}steps"
        return f"{self.amount / 1000:g}kimg" if self.amount % 1000 == 0 else f"{int(self.amount)}img"

    def fraction(self, usage: Usage) -> float:
        """How much of the budget the usage has spent, 0..1 (may pass 1 by less than a step)."""
        return getattr(usage, self.unit) / self.amount

    def checkpoint_due(self, usage: Usage, done: int, total: int) -> bool:
        """True when checkpoint ``done + 1`` of ``total`` (at even fractions of the budget) is reached."""
        return done < total and self.fraction(usage) >= (done + 1) / total - 1e-9


class TrainingClock:
    """Wall-clock training time, paused during evaluation, synchronised with the device."""

    def __init__(self, device: torch.device):
        self.device = device
        self._spent = 0.0
        self._since: float | None = None

    def _now(self) -> float:
        synchronise(self.device)
        return time.perf_counter()

    def start(self) -> None:
        if self._since is None:
            self._since = self._now()

    def pause(self) -> None:
        if self._since is not None:
            self._spent += self._now() - self._since
            self._since = None

    @property
    def seconds(self) -> float:
        running = self._now() - self._since if self._since is not None else 0.0
        return self._spent + running


def synchronise(device: torch.device) -> None:
    """Wait for queued kernels, so that a clock read after this measures finished work."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
