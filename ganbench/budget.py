"""The compute budget every trial of a run gets: training time, generator steps, images or FLOPs.

Time counts training only: the clock is paused during evaluation, and on a GPU the device
is synchronised before the clock is read, so queued kernels are not mistaken for free time.
Images are real images shown to D (batch x n_critic per generator step), as in StyleGAN's kimg.
FLOPs are those torch's FLOP counter finds in a whole step (every D update and the G update,
forward and backward, a penalty's double backward included), counted on real batches: the same
work on any machine, and equal compute between models whose steps cost differently.
"""

from __future__ import annotations

import math
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
    "gflop": ("flops", 10**9),
    "tflop": ("flops", 10**12),
    "pflop": ("flops", 10**15),
}
#: how a FLOP budget is written back, largest first: 500tflop, not 5e+14flop
_FLOP_UNITS = (("pflop", 10**15), ("tflop", 10**12), ("gflop", 10**9))
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$")
_HELP = (
    "use a training time (30s, 5m, 1h), generator steps (2000steps), real images shown to D (50kimg) "
    "or FLOPs counted by torch (500tflop; also gflop, pflop)"
)
#: the most a trial may be given: far beyond any benchmark, and a typo (a 400-digit number) is not read as "for ever"
MAXIMUM = {"seconds": 7 * 24 * 3600, "steps": 10**9, "images": 10**12, "flops": 10**21}
MAXIMUM_TEXT = {"seconds": "1 week (168h)", "steps": "10^9 steps", "images": "10^12 images", "flops": "10^21 FLOPs"}
#: checkpoints a trial is evaluated at when --checkpoints is not given, and the most it may have
DEFAULT_CHECKPOINTS = 4
MAX_CHECKPOINTS = 1000


@dataclass(frozen=True)
class Budget:
    unit: str  # "seconds", "steps", "images" or "flops"
    amount: float

    @classmethod
    def parse(cls, text: str) -> Budget:
        shown = text if len(text) <= 40 else f"{text[:20]}...{text[-10:]}"  # a 400-digit typo is not echoed whole
        if text.strip().startswith("-"):
            raise UsageError(f"budget '{shown}' must be more than zero: {_HELP}")
        match = _PATTERN.match(text.lower())
        if not match or match.group(2) not in _UNITS:
            raise UsageError(f"budget '{shown}' is not a budget: {_HELP}")
        unit, scale = _UNITS[match.group(2)]
        amount = float(match.group(1)) * scale  # 400 digits: inf, refused below
        if amount <= 0:
            raise UsageError(f"budget '{shown}' must be more than zero: {_HELP}")
        if not math.isfinite(amount) or amount > MAXIMUM[unit]:
            raise UsageError(f"budget '{shown}' is more than a trial may have, {MAXIMUM_TEXT[unit]}: {_HELP}")
        if unit in ("steps", "images") and amount != int(amount):
            raise UsageError(f"budget '{shown}' must be a whole number of {unit}: {_HELP}")
        return cls(unit, amount)

    def __str__(self) -> str:
        if self.unit == "seconds":
            return f"{self.amount:g}s"
        if self.unit == "steps":
            return f"{int(self.amount)}steps"
        if self.unit == "flops":
            name, scale = next(((n, s) for n, s in _FLOP_UNITS if self.amount >= s), _FLOP_UNITS[-1])
            return f"{self.amount / scale:g}{name}"
        return f"{self.amount / 1000:g}kimg" if self.amount % 1000 == 0 else f"{int(self.amount)}img"

    def checkpoints(self, given: int | None) -> int:
        """How many checkpoints a trial has: ``given`` if it fits, else refused; not given, DEFAULT_CHECKPOINTS,
        or one a step for a step budget with fewer steps than that."""
        if given is None:
            return min(DEFAULT_CHECKPOINTS, int(self.amount)) if self.unit == "steps" else DEFAULT_CHECKPOINTS
        check_checkpoints(given)
        if self.unit == "steps" and given > self.amount:
            raise UsageError(
                f"--checkpoints {given} is more than the budget's {int(self.amount)} steps: "
                f"a trial is evaluated at most once a step, so give at most {int(self.amount)}"
            )
        return given

    def fraction(self, usage: Usage) -> float:
        """How much of the budget the usage has spent, 0..1 (may pass 1 by less than a step)."""
        return getattr(usage, self.unit) / self.amount

    def checkpoint_due(self, usage: Usage, done: int, total: int) -> bool:
        """True when checkpoint ``done + 1`` of ``total`` (at even fractions of the budget) is reached."""
        return done < total and self.fraction(usage) >= (done + 1) / total - 1e-9


def check_checkpoints(checkpoints: int) -> None:
    if checkpoints < 1:
        raise UsageError(f"--checkpoints {checkpoints}: at least 1 checkpoint is needed")
    if checkpoints > MAX_CHECKPOINTS:
        raise UsageError(f"--checkpoints {checkpoints}: at most {MAX_CHECKPOINTS:,} checkpoints a trial")


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

    @property
    def host_seconds(self) -> float:
        """The time so far as the host sees it, without waiting for the device: a GPU still working
        through queued kernels is behind it, so this may fall short of ``seconds``, never exceed it."""
        running = time.perf_counter() - self._since if self._since is not None else 0.0
        return self._spent + running


def synchronise(device: torch.device) -> None:
    """Wait for queued kernels, so that a clock read after this measures finished work."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
