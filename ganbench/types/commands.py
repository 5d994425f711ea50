"""Commands that plugins add to `ganbench`, through the ``ganbench_add_commands`` hook."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ganbench.types.data import Dataset


@dataclass(frozen=True)
class CommandContext:
    """What a plugin's command is given beside its parsed arguments: what `ganbench run` would use.

    ``cache_dir`` is ganbench's cache (``GANBENCH_CACHE``, else ``~/.cache/ganbench``): a metric's
    cached statistics are there. ``device`` is ``--device`` resolved (``"cpu"``, ``"cuda:0"``) for
    a command added with ``data=True``, else ``"cpu"``. ``load_dataset(name)`` loads a data set by
    name (``digits``, ``folder:PATH``) on that device, exactly as `run` loads it: with the data
    options the command line gave (``data=True``), else their defaults.
    """

    cache_dir: str
    device: str
    load_dataset: Callable[[str], Dataset]


#: what a plugin's command is: its parsed arguments and the context in, the exit code out (None is 0)
CommandHandler = Callable[[argparse.Namespace, CommandContext], int | None]


class Commands:
    """What ``ganbench_add_commands`` is given: ``add(name, help=..., run=handler, data=False)``.

    ``add`` returns the command's own ``argparse`` parser, for its arguments. ``run(args,
    context)`` does the work and returns the exit code; a ``ganbench.errors.UsageError`` it
    raises (like a bad value refused by a ``type=``) ends in one line and exit code 2, as for
    every command. ``data=True`` gives the command `run`'s data options (``--data-root``,
    ``--image-size``, ``--no-download``, ``--data-workers``) and ``--device``, with the same
    defaults and checks, which ``context.load_dataset`` and ``context.device`` then follow.
    """

    def __init__(self, subparsers: Any, add_data_options: Callable[[argparse.ArgumentParser], None]):
        self._subparsers = subparsers  # argparse's sub-parsers action: its choices are the names in use
        self._add_data_options = add_data_options

    def add(self, name: str, *, help: str, run: CommandHandler, data: bool = False) -> argparse.ArgumentParser:
        if name in self._subparsers.choices:  # ganbench's own, or another plugin's
            raise ValueError(f"the command '{name}' already exists")
        if not name or name.startswith("-") or any(c.isspace() for c in name):
            raise ValueError(f"'{name}' is not a command name: a word, not starting with '-'")
        parser = self._subparsers.add_parser(name, help=help, description=help)
        if data:
            self._add_data_options(parser)
        parser.set_defaults(plugin_command=run, plugin_command_data=data)
        return parser
