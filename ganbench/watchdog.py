"""A trial that stops making progress is ended: a plugin's metric stuck in a loop, a logger waiting on a dead server.

The watchdog is an alarm (``signal.setitimer``) in the process that runs the trial, pushed back
every time the trial makes progress: a training step, a metric computed, an observer told. When
it rings, :class:`TrialTimeout` is raised in the frame that hung, so the trial's reason names the
plugin that did, and the grid goes on. Signals reach only a process's main thread, which is where
every built-in executor runs its trials; elsewhere (a thread of a notebook, say) there is no
watchdog, and Ctrl-C still works.
"""

from __future__ import annotations

import signal
import threading

DEFAULT_SECONDS = 600.0  # ten minutes without a step, a metric or an observer's return

_active: Watchdog | None = None


class TrialTimeout(Exception):
    """The trial made no progress for the watchdog's interval."""


class Watchdog:
    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.armed = False
        self._previous = None

    def __enter__(self) -> Watchdog:
        global _active
        usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        if self.seconds and usable:
            self._previous = signal.signal(signal.SIGALRM, self._ring)
            self.armed = True
            _active = self
            self.progress()
        return self

    def __exit__(self, *exc) -> None:
        global _active
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
            self.armed = False
            _active = None

    def progress(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def _ring(self, signum, frame) -> None:
        raise TrialTimeout(f"no progress for {self.seconds:g} s (a step, a metric or an observer hung)")


def progress() -> None:
    """The trial made progress: push the alarm back (nothing without an armed watchdog)."""
    if _active is not None:
        _active.progress()


def seconds_for(budget, given: float | None) -> float:
    """--trial-timeout, else ten minutes without progress, or half a long time budget (a long step is no hang)."""
    if given is not None:
        return given
    if budget.unit == "seconds":
        return max(DEFAULT_SECONDS, budget.amount / 2)
    return DEFAULT_SECONDS
