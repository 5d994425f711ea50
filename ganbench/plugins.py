"""Building the plugin manager: built-ins and third-party plugins through one entry-point group.

Built-ins are the entry points of the ``ganbench`` distribution itself; everything else is
external. A plugin that fails to import is recorded (name, distribution, error) and the rest
still load, unless ``strict``. ``GANBENCH_DISABLE_EXTERNAL_PLUGINS=1`` loads built-ins only.
"""

from __future__ import annotations

import difflib
import importlib
import os
from dataclasses import dataclass, field
from importlib import metadata

import pluggy

from ganbench import hookspecs
from ganbench.errors import UsageError

ENTRY_POINT_GROUP = "ganbench"
BUILTIN_DISTRIBUTION = "ganbench"
DISABLE_EXTERNAL_ENV = "GANBENCH_DISABLE_EXTERNAL_PLUGINS"


@dataclass(frozen=True)
class PluginOptions:
    """Which plugins a command loads: what the registry of a run is built from, in every process."""

    external: bool | None = None  # None: follow GANBENCH_DISABLE_EXTERNAL_PLUGINS
    modules: tuple[str, ...] = ()  # --plugin MODULE
    strict: bool = False


@dataclass(frozen=True)
class PluginInfo:
    """One loaded plugin, for `ganbench plugins` and the run manifest."""

    name: str
    distribution: str
    version: str
    module: str
    builtin: bool


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded; shown to the user, fatal only with --strict-plugins."""

    name: str
    distribution: str
    error: str

    def __str__(self) -> str:
        return (
            f"plugin '{self.name}' from {self.distribution or 'an unknown distribution'} failed to load: {self.error}"
        )


@dataclass
class Plugins:
    manager: pluggy.PluginManager
    loaded: list[PluginInfo] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)
    strict: bool = False  # --strict-plugins: a failing plugin stops the command

    def info(self, plugin_name: str) -> PluginInfo | None:
        return next((p for p in self.loaded if p.name == plugin_name), None)


def external_plugins_disabled() -> bool:
    return os.environ.get(DISABLE_EXTERNAL_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def load_plugins(*, external: bool | None = None, extra_modules: tuple[str, ...] = (), strict: bool = False) -> Plugins:
    """A plugin manager with the hookspecs and every plugin that loads.

    ``external=None`` follows the environment switch. ``extra_modules`` are modules named with
    ``--plugin MODULE``: explicit, so they load even when external entry points are off.
    """
    if external is None:
        external = not external_plugins_disabled()
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    plugins = Plugins(manager, strict=strict)

    def register(name: str, dist: str, version: str, load) -> None:
        try:
            module = load()
            manager.register(module, name=name)
            check_hook_names(manager, name)
        except Exception as error:  # a broken plugin must not take the others down
            if manager.get_plugin(name) is not None:
                manager.unregister(name=name)
            failure = PluginFailure(name, dist, one_line(error))
            if strict:
                raise UsageError(f"{failure} (remove --strict-plugins to load the rest)") from error
            plugins.failures.append(failure)
            return
        plugins.loaded.append(
            PluginInfo(name, dist, version, getattr(module, "__name__", repr(module)), dist == BUILTIN_DISTRIBUTION)
        )

    seen: set[str] = set()
    for entry_point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=_builtin_first):
        dist = entry_point.dist.name if entry_point.dist else ""
        builtin = dist == BUILTIN_DISTRIBUTION
        # Built-ins keep their short names; an external plugin is named by its distribution too.
        name = entry_point.name if builtin or not dist else f"{dist}:{entry_point.name}"
        if (not builtin and not external) or name in seen:  # the same path twice on sys.path
            continue
        seen.add(name)
        version = entry_point.dist.version if entry_point.dist else ""
        register(name, dist, version, entry_point.load)
    for module_name in extra_modules:
        register(module_name, "--plugin", "", lambda m=module_name: importlib.import_module(m))
    return plugins


class UnknownHook(Exception):
    """A plugin implements a hook ganbench does not have: almost always a misspelt one."""


def check_hook_names(manager: pluggy.PluginManager, plugin_name: str) -> None:
    """Refuse a plugin whose hook implementation matches no spec (``ganbench_loss``), naming the closest hook.

    pluggy's own ``check_pending`` does this for the whole manager; per plugin, the others still load.
    """
    known = [name for name in dir(hookspecs) if name.startswith(f"{hookspecs.PROJECT}_")]
    for caller in manager.get_hookcallers(manager.get_plugin(plugin_name)) or []:
        optional = all(impl.optionalhook for impl in caller.get_hookimpls() if impl.plugin_name == plugin_name)
        if caller.spec is None and not optional:
            close = difflib.get_close_matches(caller.name, known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f" (the hooks: {', '.join(known)})"
            raise UnknownHook(f"it implements '{caller.name}', which is not a ganbench hook{hint}")


def _builtin_first(entry_point: metadata.EntryPoint) -> tuple[int, str]:
    dist = entry_point.dist.name if entry_point.dist else ""
    return (dist != BUILTIN_DISTRIBUTION, f"{dist}:{entry_point.name}")
