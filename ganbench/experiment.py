"""Experiment files: every option of `ganbench run` in one TOML file, and the resolved one a run keeps.

The keys are the options' names as `ganbench run --help` spells them, with ``_`` for ``-``
(``fid_samples`` for ``--fid-samples``); lists are TOML arrays (``set = ["lr_d=1e-4|4e-4"]``).
Options given on the command line win over the file. A run folder keeps the whole resolved
experiment in ``experiment.toml``, every default filled in, so `ganbench rerun RUN_DIR` runs it
again with the same trial ids. registries/suites.toml holds named experiments in the same form
(each a table, with a ``description``).
"""

from __future__ import annotations

import difflib
import math
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ganbench.errors import UsageError
from ganbench.paths import write_atomically

FILE = "experiment.toml"
#: keys of an experiment that are not options of `run`: a suite's description, the --plugin modules
NOT_OPTIONS = ("description", "plugins")
#: options whose command-line form is a comma list; `set` is a TOML list of `--set` values
COMMA_LISTS = ("models", "losses", "stabilisers", "metrics")
#: what an experiment never holds: the command line's own bookkeeping, and where a run writes (a rerun chooses)
NOT_KEPT = (
    "command",
    "command_line",
    "plugin_options",
    "config",
    "dry_run",
    "out",
    "suite",
    "plugin",
    "strict_plugins",
    "resume_stale",
)


def read(path: Path, options: Iterable[str] | None) -> dict[str, Any]:
    """The experiment in ``path``, its keys checked against ``options``; bad files are one line, with the line."""
    try:
        text = path.read_text()
    except OSError as error:
        raise UsageError(f"--config {path}: cannot read it ({error.strerror or error})") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"--config {path}: not valid TOML: {error}") from None
    if options is not None:
        check_keys(values, options, where=f"--config {path}", text=text)
    return values


def check_keys(values: Mapping[str, Any], options: Iterable[str], *, where: str, text: str = "") -> None:
    known = sorted(set(options) | set(NOT_OPTIONS))
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f" (options: {', '.join(known)})"
            raise UsageError(f"{where}{_line_of(key, text)}: '{key}' is not an option of ganbench run{hint}")


def _line_of(key: str, text: str) -> str:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line) or line.strip() == f"[{key}]":
            return f", line {number}"
    return ""


def as_defaults(values: Mapping[str, Any]) -> dict[str, Any]:
    """An experiment as argparse defaults: strings (so each option's own type= checks them), comma lists, flags."""
    defaults: dict[str, Any] = {}
    for key, value in values.items():
        if key in NOT_OPTIONS:
            continue
        if key in COMMA_LISTS and isinstance(value, list):
            defaults[key] = ",".join(map(str, value))
        elif key == "set":
            defaults[key] = [str(v) for v in (value if isinstance(value, list) else [value])]
        elif isinstance(value, bool):
            defaults[key] = value
        else:
            defaults[key] = str(value)
    return defaults


def resolved(options: Mapping[str, Any], **chosen: Any) -> dict[str, Any]:
    """What a run folder keeps: every option's value as used (``chosen`` overrides what a suite filled in)."""
    kept = {k: v for k, v in options.items() if k not in NOT_KEPT and v is not None}
    kept.update({k: v for k, v in chosen.items() if v is not None})
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in sorted(kept.items())}


def write(path: Path, values: Mapping[str, Any], comment: str = "") -> None:
    """A flat TOML file of strings, numbers, booleans and lists of them (what run's options are)."""
    lines = [f"# {line}" for line in comment.splitlines()] + ([""] if comment else [])
    lines += [f"{key} = {_toml(value)}" for key, value in values.items() if value is not None]
    write_atomically(path, "\n".join(lines) + "\n")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be written to TOML")
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
