"""A component named on the command line with its parameters: 'gp:lambda=5', 'dragan:lambda=5,c=0.2'.

Every kind that declares ``params`` (models, losses, stabilisers) takes them the same way:
``NAME:KEY=VALUE``, several separated by ``,`` or ``:``, each value typed like the declared
default. In a comma list of components a part ``KEY=VALUE`` with no ``:`` continues the part
before it, so ``--stabilisers none,dragan:lambda=5,c=0.2,gp`` is three sets. A parameter named
like a Python keyword (``lambda``) is the contract's business, not each plugin's: the factory
receives it as a keyword argument (``factory(**{"lambda": 5.0})``).
"""

from __future__ import annotations

import re
from typing import Any

from ganbench.errors import UsageError
from ganbench.registry import SINGULAR, Registry
from ganbench.settings import typed
from ganbench.types import StabiliserChoice

_PARAMETER = re.compile(r"^\s*[A-Za-z_][\w.-]*\s*=")


def split_components(text: str) -> list[str]:
    """'none,dragan:lambda=5,c=0.2,gp' -> ['none', 'dragan:lambda=5,c=0.2', 'gp']."""
    parts: list[str] = []
    for part in text.split(","):
        if parts and _PARAMETER.match(part) and ":" not in part.split("=", 1)[0] and ":" in parts[-1]:
            parts[-1] += "," + part
        else:
            parts.append(part)
    return [part.strip() for part in parts if part.strip()]


def parse_choice(registry: Registry, kind: str, text: str) -> StabiliserChoice:
    """'gp:lambda=5' -> ('gp', (('lambda', 5.0),)): the record's name and its parameters, typed and checked."""
    name, _, rest = text.partition(":")
    spec = registry.get(kind, name.strip())  # type: ignore[call-overload]
    declared = getattr(spec, "params", {}) or {}
    params: dict[str, Any] = {}
    for assignment in filter(None, (a.strip() for a in re.split(r"[,:]", rest))) if rest else ():
        key, eq, raw = assignment.partition("=")
        key = key.strip()
        if not eq or not key:
            raise UsageError(f"{SINGULAR[kind]} '{text}': write parameters as {spec.name}:name=value,name=value")
        if key not in declared:
            known = ", ".join(f"{k}={v}" for k, v in declared.items()) or "none"
            raise UsageError(
                f"{SINGULAR[kind]} '{text}': {spec.name} has no parameter '{key}' (its parameters: {known})"
            )
        if key in params:
            raise UsageError(f"{SINGULAR[kind]} '{text}': {key} is given twice")
        params[key] = typed(f"{SINGULAR[kind]} parameter {spec.name}:{key}", raw.strip(), declared[key])
    return StabiliserChoice(spec.name, tuple(sorted(params.items())))
