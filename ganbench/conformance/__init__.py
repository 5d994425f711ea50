"""Does one component keep the plugin contract? `ganbench check-plugin NAME` and ``check(kind, name)``.

Every check trains through the real step (:func:`ganbench.train.train`), paired with small
*reference* partners (``reference``: an MLP pair, a non-saturating loss, two synthetic data
sets), so a loss is judged without depending on a built-in model and the other way round. The
optimisers are watched, not replaced (``watch``): at the first D and G updates we look at which
parameters hold a gradient, which is how "the generator term must reach G" is checked.

One module per kind of component holds its checks; this one finds the component and runs them.
A check is ``CheckResult(check, passed, detail)``; ``detail`` is one line saying what was seen,
and on failure what the contract asks for.
"""

from __future__ import annotations

import tempfile

from ganbench.conformance.datasets import check_dataset
from ganbench.conformance.executors import check_executor
from ganbench.conformance.loggers import check_logger
from ganbench.conformance.losses import check_loss
from ganbench.conformance.metrics import check_metric
from ganbench.conformance.models import check_model
from ganbench.conformance.names import check_name
from ganbench.conformance.reference import REFERENCE_LOSS, REFERENCE_MODEL, reference_images, reference_vectors
from ganbench.conformance.results import CheckResult
from ganbench.conformance.stabilisers import check_stabiliser
from ganbench.conformance.watch import Run, train_once
from ganbench.errors import UsageError, unknown_name
from ganbench.registry import KINDS, SINGULAR, Registry
from ganbench.types import DataOptions, Record, normalise_name

#: the kinds a check exists for (CLI words, singular or plural, map onto these)
CHECKABLE = ("models", "losses", "stabilisers", "datasets", "metrics", "executors", "loggers")
assert set(CHECKABLE) == set(KINDS), "a kind of component without checks"

__all__ = [
    "CHECKABLE",
    "REFERENCE_LOSS",
    "REFERENCE_MODEL",
    "CheckResult",
    "Run",
    "check",
    "failures",
    "find",
    "kind_of",
    "reference_images",
    "reference_vectors",
    "train_once",
]


def kind_of(word: str) -> str:
    """'loss', 'losses' or 'Loss' -> 'losses'."""
    word = normalise_name(word)
    for kind in CHECKABLE:
        if word in (kind, SINGULAR[kind].replace(" ", ""), SINGULAR[kind].replace(" ", "-")):
            return kind
    raise UsageError(f"unknown kind '{word}': choose one of {', '.join(SINGULAR[k] for k in CHECKABLE)}")


def find(registry: Registry, name: str, kind: str | None = None) -> tuple[str, Record]:
    """The kind and record of a name; unknown names and names of several kinds are usage errors."""
    if kind is not None:
        kind = kind_of(kind)
        return kind, registry.get(kind, name)
    key = normalise_name(name)
    kinds = [k for k in CHECKABLE if key in registry.records[k]]
    if not kinds:
        everything = {n for k in CHECKABLE for n in registry.records[k]}
        raise unknown_name("component", name, everything)
    if len(kinds) > 1:
        raise UsageError(
            f"'{key}' is a {' and a '.join(SINGULAR[k] for k in kinds)}; "
            f"say which with --kind {SINGULAR[kinds[0]].replace(' ', '')}"
        )
    return kinds[0], registry.records[kinds[0]][key]


def check(
    kind: str | None,
    name: str,
    *,
    registry: Registry | None = None,
    plugins=None,
    data: DataOptions = DataOptions(download=False),
    cache_dir: str | None = None,
) -> list[CheckResult]:
    """Check one component against the contract; ``kind`` is 'model', 'loss', ... (or None to look it up).

    ``plugins`` (:class:`ganbench.plugins.PluginOptions`) are the options the registry was built
    with; executors need them to send real trials to their workers.
    """
    if registry is None:
        from ganbench.plugins import PluginOptions
        from ganbench.registry import registry_for

        registry = registry_for(plugins or PluginOptions())
    kind, record = find(registry, name, kind)
    results = [check_name(kind, record)]
    # Each kind's record looked up again by its kind, so every check gets the record type it takes.
    if kind == "models":
        results += check_model(registry, registry.get("models", record.name))
    elif kind == "losses":
        results += check_loss(registry, registry.get("losses", record.name))
    elif kind == "stabilisers":
        results += check_stabiliser(registry, registry.get("stabilisers", record.name))
    elif kind == "datasets":
        results += check_dataset(registry, registry.get("datasets", record.name), data)
    elif kind == "metrics":
        results += check_metric(registry, registry.get("metrics", record.name), cache_dir or tempfile.gettempdir())
    elif kind == "executors":
        results += check_executor(registry, registry.get("executors", record.name), plugins)
    else:
        results += check_logger(registry, registry.get("loggers", record.name), plugins)
    return results


def failures(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.passed]
