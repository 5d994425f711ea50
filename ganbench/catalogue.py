"""The declarative catalogues in registries/ (installed as ganbench.registries): suites, data sets, references."""

from __future__ import annotations

import sys
from importlib import resources
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ganbench.errors import unknown_name


def load(name: str) -> dict[str, Any]:
    """registries/NAME.toml as a dict ({} if the catalogue is absent)."""
    path = resources.files("ganbench.registries") / f"{name}.toml"
    return tomllib.loads(path.read_text()) if path.is_file() else {}


def suite(name: str) -> dict[str, Any]:
    suites = load("suites")
    if name not in suites:
        raise unknown_name("suite", name, suites)
    return suites[name]
