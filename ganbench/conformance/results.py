"""What a check returns, and the small pieces the checks of every kind share."""

from __future__ import annotations

from typing import NamedTuple

import torch

from ganbench.types import Record

CPU = torch.device("cpu")  # every check trains on the CPU: the same numbers on any machine
BATCH = 8  # small enough for seconds, large enough for BatchNorm and packing


class CheckResult(NamedTuple):
    """One check: ``detail`` is one line saying what was seen, and on failure how to fix it."""

    check: str
    passed: bool
    detail: str = ""


def described(record: Record) -> CheckResult:
    """`ganbench list` shows the description in a table cell: one line, not empty."""
    text = record.description.strip() if isinstance(record.description, str) else ""
    ok = bool(text) and "\n" not in text
    return CheckResult("described", ok, text if ok else "give the record a one-line description")


def error_line(error: BaseException) -> str:
    """'TypeError: the first line of its message': a detail is one line."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
