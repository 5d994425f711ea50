"""Shared by the built-in stabilisers: a factory that knows its parameters, and value checks.

A stabiliser's ``StabiliserSpec.params`` maps the names the user writes (``gp:lambda=5``) to
their defaults. The core calls ``factory(**overrides)`` with only the names the user set, so
the factory fills in the rest, maps the user's names onto Python-safe argument names (``lambda``
is a keyword) and leaves the value checks to the stabiliser, which raises ``UsageError`` with
one line: ``pack: m must be an integer >= 2, got 1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from ganbench.errors import UsageError


def factory(name: str, make: Callable[..., Any], params: Mapping[str, Any], rename: Mapping[str, str] | None = None):
    """``factory(**given)``: the defaults in ``params`` overridden by ``given``, passed to ``make``."""
    rename = dict(rename or {})

    def create(**given: Any) -> Any:
        unknown = sorted(set(given) - set(params))
        if unknown:
            known = ", ".join(f"{k}={v}" for k, v in params.items()) or "none"
            raise UsageError(f"{name}: no parameter '{unknown[0]}' (its parameters: {known})")
        values = {**params, **given}
        return make(**{rename.get(key, key): value for key, value in values.items()})

    create.__name__ = create.__qualname__ = f"make_{name}"
    create.__doc__ = f"A fresh '{name}' stabiliser for one trial; parameters (defaults): {dict(params)}."
    return create


def number(
    name: str,
    key: str,
    value: Any,
    *,
    minimum: float | None = None,
    above: float | None = None,
    maximum: float | None = None,
) -> float:
    """A finite real number within the bounds, as a float; else a one-line UsageError."""
    bounds = []
    if minimum is not None:
        bounds.append(f">= {minimum:g}")
    if above is not None:
        bounds.append(f"> {above:g}")
    if maximum is not None:
        bounds.append(f"<= {maximum:g}")
    wanted = f"{name}: {key} must be a number {' and '.join(bounds)}".rstrip()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise UsageError(f"{wanted}, got {value!r}")
    value = float(value)
    if (
        (minimum is not None and value < minimum)
        or (above is not None and value <= above)
        or (maximum is not None and value > maximum)
    ):
        raise UsageError(f"{wanted}, got {value:g}")
    return value


def integer(name: str, key: str, value: Any, *, minimum: int) -> int:
    """A whole number >= minimum (2.0 is accepted as 2); else a one-line UsageError."""
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or value < minimum:
        raise UsageError(f"{name}: {key} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def choice(name: str, key: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise UsageError(f"{name}: {key} must be one of {', '.join(choices)}, got {value!r}")
    return value


def flag(name: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{name}: {key} must be true or false, got {value!r}")
    return value
