"""Name -> record lookup over everything the plugins provide.

Each discovery hook implementation is called on its own, so every record can be stamped with
the plugin that gave it, a failing implementation is reported like a failing import, and two
providers of one name are caught before anything is measured.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal, overload

from ganbench.errors import UsageError, unknown_name
from ganbench.plugins import PluginFailure, PluginOptions, Plugins, load_plugins, one_line
from ganbench.types import (
    DatasetSpec,
    ExecutorSpec,
    LoggerSpec,
    LossSpec,
    MetricSpec,
    ModelSpec,
    Record,
    StabiliserSpec,
    normalise_name,
)

#: component kind (the CLI word) -> the record type its discovery hook returns
KINDS: dict[str, type[Record]] = {
    "models": ModelSpec,
    "losses": LossSpec,
    "stabilisers": StabiliserSpec,
    "datasets": DatasetSpec,
    "metrics": MetricSpec,
    "executors": ExecutorSpec,
    "loggers": LoggerSpec,
}

SINGULAR = {
    "models": "model",
    "losses": "loss",
    "stabilisers": "stabiliser",
    "datasets": "data set",
    "metrics": "metric",
    "executors": "executor",
    "loggers": "logger",
}


Kind = Literal["models", "losses", "stabilisers", "datasets", "metrics", "executors", "loggers"]


@dataclass
class Registry:
    """Every record the loaded plugins provide, by kind and normalised name."""

    plugins: Plugins
    records: dict[str, dict[str, Record]]

    # One overload per kind, so that callers get the record type their kind returns.
    @overload
    def get(self, kind: Literal["models"], name: str) -> ModelSpec: ...
    @overload
    def get(self, kind: Literal["losses"], name: str) -> LossSpec: ...
    @overload
    def get(self, kind: Literal["stabilisers"], name: str) -> StabiliserSpec: ...
    @overload
    def get(self, kind: Literal["datasets"], name: str) -> DatasetSpec: ...
    @overload
    def get(self, kind: Literal["metrics"], name: str) -> MetricSpec: ...
    @overload
    def get(self, kind: Literal["executors"], name: str) -> ExecutorSpec: ...
    @overload
    def get(self, kind: Literal["loggers"], name: str) -> LoggerSpec: ...
    @overload
    def get(self, kind: str, name: str) -> Record: ...
    def get(self, kind: str, name: str) -> Any:
        """The record of that kind and name; an unknown name is a UsageError with the closest match."""
        found = self.records[kind].get(normalise_name(name))
        if found is None:
            raise unknown_name(SINGULAR[kind], name, self.records[kind])
        return found

    def offline_dataset(self, kinds: tuple[str, ...]) -> DatasetSpec | None:
        """A data set that loads with no files and no network, of the first of ``kinds`` that has one.

        What a check or a test trains on when none is named: chosen by what data sets declare
        (``offline``, ``kind``), never by name; the first in name order, so the choice is stable.
        """
        for kind in kinds:
            found = [spec for spec in self.all("datasets") if spec.offline and spec.kind == kind]
            if found:
                return found[0]
        return None

    def names(self, kind: str) -> list[str]:
        return sorted(self.records[kind])

    @overload
    def all(self, kind: Literal["models"]) -> list[ModelSpec]: ...
    @overload
    def all(self, kind: Literal["losses"]) -> list[LossSpec]: ...
    @overload
    def all(self, kind: Literal["stabilisers"]) -> list[StabiliserSpec]: ...
    @overload
    def all(self, kind: Literal["datasets"]) -> list[DatasetSpec]: ...
    @overload
    def all(self, kind: Literal["metrics"]) -> list[MetricSpec]: ...
    @overload
    def all(self, kind: Literal["executors"]) -> list[ExecutorSpec]: ...
    @overload
    def all(self, kind: Literal["loggers"]) -> list[LoggerSpec]: ...
    @overload
    def all(self, kind: str) -> list[Record]: ...
    def all(self, kind: str) -> list[Any]:
        return [self.records[kind][name] for name in self.names(kind)]


def build_registry(plugins: Plugins, *, strict: bool = False) -> Registry:
    records: dict[str, dict[str, Record]] = {kind: {} for kind in KINDS}
    for kind, record_type in KINDS.items():
        caller = getattr(plugins.manager.hook, f"ganbench_{kind}")
        for impl in caller.get_hookimpls():
            info = plugins.info(impl.plugin_name)
            try:
                provided = list(impl.function() or [])
                wrong = [r for r in provided if not isinstance(r, record_type)]
                if wrong:
                    raise TypeError(f"ganbench_{kind} must return {record_type.__name__} records, got {wrong[0]!r:.80}")
            except Exception as error:
                failure = PluginFailure(impl.plugin_name, info.distribution if info else "", one_line(error))
                if strict:
                    raise UsageError(f"{failure} (remove --strict-plugins to load the rest)") from error
                plugins.failures.append(failure)
                continue
            for record in provided:
                record.plugin = impl.plugin_name
                record.distribution = info.distribution if info else ""
                record.version = info.version if info else ""
                other = records[kind].get(record.name)
                if other is not None:
                    raise UsageError(
                        f"two plugins provide the {SINGULAR[kind]} '{record.name}': {other.provider} and "
                        f"{record.provider}; uninstall one, or set GANBENCH_DISABLE_EXTERNAL_PLUGINS=1"
                    )
                records[kind][record.name] = record
    return Registry(plugins, records)


def load_registry(
    *, external: bool | None = None, extra_modules: tuple[str, ...] = (), strict: bool = False
) -> Registry:
    """Plugins loaded and their records collected: what every command starts from."""
    return build_registry(load_plugins(external=external, extra_modules=extra_modules, strict=strict), strict=strict)


@functools.lru_cache(maxsize=2)
def registry_for(plugins: PluginOptions) -> Registry:
    """The registry for these plugin options, built once per process (a pool worker rebuilds its own)."""
    return load_registry(external=plugins.external, extra_modules=plugins.modules, strict=plugins.strict)
