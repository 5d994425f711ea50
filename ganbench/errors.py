"""The errors the command line turns into one line and exit code 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UsageError(Exception):
    """Bad input: the message is one line saying what was wrong and what would be right."""


def unknown_name(kind: str, name: str, choices: Iterable[str]) -> UsageError:
    """'unknown model 'dcgn'; did you mean 'dcgan'? choices: dcgan, mlp, wgan'."""
    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return UsageError(f"unknown {kind} '{name}'{hint} choices: {', '.join(choices) or '(none installed)'}")
