"""The bookkeeping of one trial's training, kept out of the loop so that the loop reads like a GAN.

After every generator step the loop tells the ledger, which counts what the budget has spent,
keeps the throughput window (steps/s over the timed part, warm-up excluded), logs the losses and
checks they are finite, runs the checkpoints that are due with the clock paused, and times the
waits for real batches (a loader that cannot keep up shows there, not in the model's steps/s).
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import torch
from torch.utils.flop_counter import FlopCounterMode

from ganbench.budget import Budget, TrainingClock
from ganbench.threads import flop_counter
from ganbench.types import Scalar, Usage
from ganbench.watchdog import progress

#: under a time budget the device is synchronised every this many steps, and every step near the end
SYNC_EVERY = 50
NEAR_END_SHARE = 0.02
#: how often a step is counted in FLOPs after the first: at every 1/RECOUNTS of the budget
RECOUNTS = 16


class Diverged(Exception):
    """A loss became NaN or infinite."""

    def __init__(self, step: int, what: str):
        super().__init__(f"{what} is not finite at step {step}")
        self.step = step


@dataclass
class TrainingOutcome:
    usage: Usage
    steps_per_s: float
    images_per_s: float
    scalars: list[Scalar] = field(default_factory=list)
    data_wait_share: float = 0.0  # of the throughput window, spent waiting for real batches
    stretches: list[tuple[int, float]] = field(default_factory=list)  # (steps, seconds) between checkpoints
    diverged: Diverged | None = None  # a batched ensemble's member whose losses stopped being finite


class TrainingLedger:
    """One trial's budget, clock, logs and checkpoints; ``step_done`` after each generator step.

    A batched ensemble's ``members`` share the budget, the clock and the checkpoints; each keeps its
    own logs (the logged tensors hold the members' values one after another), and one whose losses
    stop being finite is set aside as diverged while the others train on.
    """

    def __init__(
        self,
        budget: Budget,
        clock: TrainingClock,
        *,
        images_per_step: int,
        checkpoints: int,
        on_checkpoint: Callable[[int, Usage], None],
        on_log: Callable[[Usage, dict[str, float], int], None],
        log_every: int = 10,
        warmup_steps: int = 5,
        on_first_step: Callable[[int | None], None] | None = None,
        stabiliser_scalars: Callable[[], Mapping[str, float]] = dict,
        members: int = 1,
    ):
        self.budget, self.clock = budget, clock
        self.images_per_step, self.checkpoints = images_per_step, checkpoints
        self.on_checkpoint, self.on_log = on_checkpoint, on_log
        self.log_every, self.warmup_steps = log_every, warmup_steps
        self.usage = Usage()
        self.members = members
        self.books: list[list[Scalar]] = [[] for _ in range(members)]  # each member's logged values
        self.diverged: dict[int, Diverged] = {}
        self.checkpoints_done = 0
        self.warm_seconds = 0.0
        self.waits = {"warm-up": 0.0, "all": 0.0}  # seconds spent drawing real batches
        self.stretches: list[tuple[int, float]] = []  # steps and training seconds between checkpoints
        self.stretch_start = (0, 0.0)
        self.device_lag = 0.0  # how far the host's clock was seen to run ahead of the device, in seconds
        # The first step is counted in FLOPs (torch.utils.flop_counter: matrix products and convolutions)
        # as it trains: what a step costs, told to on_first_step (the trial chooses its threads by it).
        # A step's cost may change as training goes (an augmentation switched on, a model that grows),
        # so a step is counted again at every 1/RECOUNTS of the budget and each step is charged the
        # latest count: the FLOPs used follow a growing model, and a FLOP budget ends within one step.
        self.on_first_step = on_first_step
        self.counting = on_first_step is not None or budget.unit == "flops"
        self.counter: FlopCounterMode | None = None
        self.step_flops: int | None = None
        self.recount_at = 1 / RECOUNTS  # the share of the budget at which the next step is counted
        # Stabilisers' own values (ADA's p): read after every step, recorded at each step one changed.
        self.stabiliser_scalars = stabiliser_scalars
        self.last_recorded: dict[str, float] = {}

    @property
    def progress(self) -> float:
        """The share of the budget spent, 0 to 1: what progress-aware stabilisers are told."""
        return self.budget.fraction(self.usage)

    @property
    def spent(self) -> bool:
        return self.progress >= 1.0 or len(self.diverged) == self.members

    @property
    def scalars(self) -> list[Scalar]:
        return self.books[0]

    @contextlib.contextmanager
    def real_batches(self, batches: Iterator[torch.Tensor]) -> Iterator[Iterator[torch.Tensor]]:
        """The training clock runs inside: real batches, each draw timed, the iterator closed after.

        The first batch is drawn before the clock starts: a loader's start-up (its workers, the
        first decode) is preparation and spends no budget. Closing the iterator stops the workers.
        """
        try:
            first = next(batches)
            if self.counting:
                self._count_next_step()
            self.clock.start()
            try:
                yield self._timed(itertools.chain([first], batches))
            finally:
                if self.counter is not None:  # a counted step never finished
                    self.counter.__exit__(None, None, None)
                    self.counter = None
                self.clock.pause()
                self.usage.seconds = self.clock.seconds
        finally:
            close = getattr(batches, "close", None)  # a generator; a data set's plain iterator has nothing to stop
            if close is not None:
                close()

    def _timed(self, batches: Iterator[torch.Tensor]) -> Iterator[torch.Tensor]:
        while True:
            started = time.perf_counter()
            try:
                real = next(batches)
            except StopIteration:
                return
            waited = time.perf_counter() - started
            self.waits["all"] += waited
            if self.usage.steps < self.warmup_steps:  # starting the loader's workers is warm-up, as compiling is
                self.waits["warm-up"] += waited
            yield real

    def step_done(self, logged: Mapping[str, torch.Tensor]) -> None:
        """One generator step is done; ``logged`` are its losses and D's scores, read only when logged."""
        usage = self.usage
        usage.steps += 1
        usage.images += self.images_per_step
        if self.counter is not None:
            self._counted()
        if self.step_flops is not None:
            usage.flops += self.step_flops
        if self.budget.unit == "seconds":
            usage.seconds = self._time_spent()
        elif usage.steps == self.warmup_steps:
            usage.seconds = self.clock.seconds
        if usage.steps == self.warmup_steps:
            self.warm_seconds = usage.seconds
        if usage.steps % self.log_every == 0 or usage.steps == 1:
            self._log(logged)
        self._record_changes()
        progress()  # for the watchdog: this trial is alive
        if self.budget.checkpoint_due(usage, self.checkpoints_done, self.checkpoints):
            self._checkpoints_due()
        if self.counting and self.counter is None and not self.spent and self.progress >= self.recount_at:
            self._count_next_step()  # after any evaluation: the next step's operations alone are counted
            self.recount_at = (math.floor(self.progress * RECOUNTS) + 1) / RECOUNTS

    def _time_spent(self) -> float:
        """Training seconds under a time budget, with as few device synchronisations as keep it honest.

        The host's clock is read every step; the device is waited for every SYNC_EVERY steps (which
        measures how far the host has run ahead of it) and at every step once the host's reading is
        within that lead, or 2% of the budget, of the end, so a trial overshoots its budget by at most
        one step. On a CPU both readings are one.
        """
        host = self.clock.host_seconds
        near_end = host >= self.budget.amount - max(NEAR_END_SHARE * self.budget.amount, 2 * self.device_lag)
        if not near_end and self.usage.steps % SYNC_EVERY:
            return host
        synced = self.clock.seconds
        self.device_lag = max(self.device_lag, synced - host)
        return synced

    def _count_next_step(self) -> None:
        self.counter = flop_counter()
        self.counter.__enter__()

    def _counted(self) -> None:
        """The counted step is done: its FLOPs are what every step costs from here on."""
        assert self.counter is not None
        self.counter.__exit__(None, None, None)
        counted, self.counter = int(self.counter.get_total_flops()), None
        self.step_flops = counted // self.members  # an ensemble's step is its members' steps: each is charged its own
        if self.step_flops == 0 and self.budget.unit == "flops":  # it would never end
            raise RuntimeError(
                "a FLOP budget needs a step torch's FLOP counter can see, and this one counted 0 FLOPs "
                "(no matrix product or convolution): give it a step or time budget"
            )
        if self.usage.steps == 1 and self.on_first_step is not None:
            self.on_first_step(counted)  # what this process computes per step, for its threads

    def _log(self, logged: Mapping[str, torch.Tensor]) -> None:
        names = list(logged)
        # Each member's mean of each value, read from the device in one transfer.
        means = torch.stack([t.detach().float().reshape(self.members, -1).mean(1) for t in logged.values()])
        seconds = self.clock.seconds
        usage = dataclasses.replace(self.usage, seconds=seconds)  # a copy: the seconds of this log
        for member, column in enumerate(means.T.tolist()):
            if member in self.diverged:
                continue
            values = dict(zip(names, column, strict=True))
            broken = next((name for name, value in values.items() if not math.isfinite(value)), None)
            if broken is not None:
                if self.members == 1:
                    raise Diverged(self.usage.steps, broken)
                self.diverged[member] = Diverged(self.usage.steps, broken)
                continue
            self.books[member] += [Scalar(self.usage.steps, seconds, name, value) for name, value in values.items()]
            self.on_log(usage, values, member)

    def _record_changes(self) -> None:
        """A stabiliser's value is kept at every step where it changed (and at its first), not only every
        ``log_every`` steps: ADA's p moves every few steps and its curve is what shows the heuristic work."""
        changed = {n: float(v) for n, v in self.stabiliser_scalars().items() if self.last_recorded.get(n) != v}
        if changed:
            seconds = self.clock.host_seconds  # for the curve's x axis: no reason to wait for the device
            for book in self.books:
                book += [Scalar(self.usage.steps, seconds, name, value) for name, value in changed.items()]
            self.last_recorded.update(changed)

    def _checkpoints_due(self) -> None:
        """Evaluate with the clock paused, as often as the step crossed a checkpoint's fraction."""
        self.clock.pause()
        self.usage.seconds = self.clock.seconds
        before = self.stretch_start
        self.stretches.append((self.usage.steps - before[0], self.usage.seconds - before[1]))
        self.stretch_start = (self.usage.steps, self.usage.seconds)
        while self.budget.checkpoint_due(self.usage, self.checkpoints_done, self.checkpoints):
            self.on_checkpoint(self.checkpoints_done, self.usage)
            self.checkpoints_done += 1
        if not self.spent:
            self.clock.start()

    def outcomes(self) -> list[TrainingOutcome]:
        """Each member's outcome: the shared usage and throughput, its own logs and divergence."""
        shared = self.outcome()
        return [
            dataclasses.replace(shared, scalars=book, diverged=self.diverged.get(member))
            for member, book in enumerate(self.books)
        ]

    def outcome(self) -> TrainingOutcome:
        """Throughput over the timed part: the first ``warmup_steps`` steps (compiling, loader start) excluded."""
        usage = self.usage
        warm = usage.steps > self.warmup_steps
        timed_steps = usage.steps - self.warmup_steps if warm else usage.steps
        timed_seconds = usage.seconds - self.warm_seconds if warm else usage.seconds
        timed_wait = self.waits["all"] - self.waits["warm-up"] if warm else self.waits["all"]
        steps_per_s = timed_steps / timed_seconds if timed_seconds > 0 else float("nan")
        return TrainingOutcome(
            usage,
            steps_per_s,
            steps_per_s * self.images_per_step,
            self.scalars,
            timed_wait / timed_seconds if timed_seconds > 0 else 0.0,
            self.stretches,
        )
