"""The Python API: ``ganbench.run(...)`` and ``ganbench.load(RUN_DIR)``, for notebooks and scripts.

``run`` takes `ganbench run`'s options as keywords, by their names on the command line
(``--fid-samples`` -> ``fid_samples``, plugins' options too) and hands them to the very parser
and the very function the command line uses, so the two cannot drift: the same checks, the same
run folder, the same report. Bad input raises :class:`ganbench.errors.UsageError` with the line
the command line would print. Both return a :class:`Results`, read from the run's database.

    import ganbench
    results = ganbench.run(models="mlp", losses=["ns", "hinge"], dataset="ring8", budget="300steps")
    results.summary   # one row per configuration: mean, interval, n per metric (summary.csv)
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ganbench import exports
from ganbench.errors import UsageError
from ganbench.report import summarise
from ganbench.store import Store
from ganbench.tables import trial_table

#: keywords that go before `run` on the command line rather than after it
PROCESS_OPTIONS = ("plugins", "strict_plugins")


@dataclass
class Results:
    """A run folder's results as DataFrames, read from its database alone (nothing is recomputed).

    ``summary``: a row per configuration, each metric's mean, 95% interval, n and mark (summary.csv);
    ``summary_long``: a row per configuration and metric, with std and the Welch p-value (summary_long.csv);
    ``trials``: a row per trial, indexed by trial id (results.csv); ``metrics``: every metric at every
    checkpoint (step, training seconds); ``scalars``: the training logs (losses, D(x), D(G(z)), ADA's p).
    """

    folder: Path
    summary: pd.DataFrame
    summary_long: pd.DataFrame
    trials: pd.DataFrame
    metrics: pd.DataFrame
    scalars: pd.DataFrame
    facts: dict[str, Any] = field(default_factory=dict)  # the manifest: command, versions, device, plugins

    @property
    def report(self) -> Path:
        return self.folder / "report.md"


def load(run_dir: str | Path) -> Results:
    """A finished (or interrupted) run folder, read back."""
    folder = Path(run_dir)
    store = Store.open_existing(folder)
    try:
        summary = summarise([(store, folder.name)])
        return Results(
            folder,
            exports.wide_frame(summary),
            exports.long_frame(summary),
            trial_table(store),
            store.frame("metrics"),
            store.frame("scalars"),
            store.get("manifest", {}),
        )
    finally:
        store.close()


def run(**options: Any) -> Results:
    """Run a grid as `ganbench run` would, with its options as keywords; returns its results.

    Values are what the command line takes: ``models=["dcgan", "wgan"]`` or ``"dcgan,wgan"``,
    ``budget="60s"``, ``seeds=3``, ``set=["lr_d=4e-4|2e-4"]``, ``workers=2``, ``dry_run=True``; a
    flag is ``True`` or left out; ``plugins=["mymodule"]`` loads modules as ``--plugin`` does.
    A run stopped with Ctrl-C keeps what finished and raises KeyboardInterrupt, as the command exits 130.
    """
    from ganbench.cli import parse_arguments
    from ganbench.commands.run import perform

    args, plugins = parse_arguments(command_line(options))
    done = perform(args, plugins)
    if done.stopped:
        raise KeyboardInterrupt(f"stopped; what finished is in {done.out}: run the same call again to resume")
    if done.dry_run:
        raise UsageError("dry_run=True plans and writes nothing, so there are no results: leave it out to run")
    return load(done.out)


def command_line(options: dict[str, Any]) -> list[str]:
    """The keywords as `ganbench run`'s words, written by each option's argparse action; the parser then
    checks the values exactly as it checks the command line's."""
    from ganbench.cli import run_option_flags

    after: list[str] = ["run"]
    flags = run_option_flags(_plugin_words(options))
    for name, value in options.items():
        if name in PROCESS_OPTIONS:
            continue
        if name not in flags:
            close = difflib.get_close_matches(name, flags, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise UsageError(f"ganbench.run() has no option {name!r}{hint} (its options are `ganbench run`'s)")
        after += _words(flags[name], value)
    return [*_plugin_words(options), *after]


def _plugin_words(options: dict[str, Any]) -> list[str]:
    """--plugin and --strict-plugins words, first: plugin modules add options that the others may name."""
    words: list[str] = []
    for name in ("plugins", "strict_plugins"):
        value = options.get(name)
        if name == "plugins" and value:
            words += [word for module in _items(value) for word in ("--plugin", str(module))]
        elif name == "strict_plugins" and value:
            words.append("--strict-plugins")
    return words


def _items(value: Any) -> list[Any]:
    """A list for any collection (a set in sorted order); a string or a number is one item."""
    if isinstance(value, (str, bytes, Path)) or not isinstance(value, Iterable):
        return [value]
    return sorted(value) if isinstance(value, (set, frozenset)) else list(value)


def _words(action: argparse.Action, value: Any) -> list[str]:
    """One keyword as the command line writes it, by its argparse action: a flag is there or not, a
    repeatable option once per value, any other value as --flag=VALUE (so a value may start with '-')."""
    flag = action.option_strings[-1] if action.option_strings[-1].startswith("--") else action.option_strings[0]
    if action.nargs == 0:  # store_true / store_false
        given = bool(value)
        return [flag] if given == bool(action.const) else []
    if value is None:
        return []
    if isinstance(action, argparse._AppendAction):  # --set KEY=VALUE, repeatable
        return [f"{flag}={item}" for item in _items(value)]
    items = _items(value)
    return [f"{flag}={','.join(map(str, items))}"]
