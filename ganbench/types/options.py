"""Command-line options that plugins add to `ganbench run`, through the ``ganbench_add_options`` hook."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

#: where an option's value goes: "executor" options reach ``ExecutorSpec.factory(options)``, "metric"
#: options reach ``MetricContext.options``, "logger" options reach ``LogContext.options``
OPTION_KINDS = ("executor", "metric", "logger")


class RunOptions:
    """What ``ganbench_add_options`` is given: ``add(kind, *flags, **argparse_keywords)``.

    ``kind`` says where the value goes. Executor and logger options change how trials run or where
    they are followed, never what they measure, so they are not part of a trial's id; metric options are, so a run with another
    ``--fid-samples`` is another experiment. The key is the option's argparse ``dest``
    (``--fid-samples`` -> ``fid_samples``); a value left at None (not given, no default) is not
    passed at all. A bad value is refused by argparse (``type=`` raising ``ValueError`` or
    ``argparse.ArgumentTypeError``) in one line with exit code 2, before anything runs.
    """

    def __init__(self, parser: argparse.ArgumentParser | argparse._ArgumentGroup):
        self._parser = parser
        self.kinds: dict[str, str] = {}  # dest -> kind

    def add(self, kind: str, *flags: str, **kwargs: Any) -> argparse.Action:
        if kind not in OPTION_KINDS:
            raise ValueError(f"option kind '{kind}' is not one of {', '.join(OPTION_KINDS)}")
        action = self._parser.add_argument(*flags, **kwargs)
        self.kinds[action.dest] = kind
        return action

    def values(self, namespace: argparse.Namespace, kind: str) -> dict[str, Any]:
        """The given (or defaulted) values of one kind's options, by dest."""
        found = {dest: getattr(namespace, dest, None) for dest, of in self.kinds.items() if of == kind}
        return {dest: value for dest, value in found.items() if value is not None}


def whole_number(minimum: int, too_few: str, maximum: int | None = None, too_many: str = "") -> Callable[[str], int]:
    """An argparse ``type=`` for a whole number of at least ``minimum`` (and at most ``maximum``, if given);
    ``too_few`` and ``too_many`` say why a number outside fails.

    ``type=whole_number(1, "at least 1 worker is needed")``: ``--workers 0`` is refused in one line,
    ``argument --workers: 0: at least 1 worker is needed``.
    """

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"{number}: {too_few}")
        if maximum is not None and number > maximum:
            raise argparse.ArgumentTypeError(f"{number}: {too_many or f'at most {maximum:,}'}")
        return number

    parse.__name__ = f"at_least_{minimum}"
    return parse
