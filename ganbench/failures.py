"""What a failed trial's result says: the error in its own words, and the plugin it is blamed on."""

from __future__ import annotations

import traceback

from ganbench.plugins import PluginOptions
from ganbench.registry import Registry, registry_for
from ganbench.types import TrialResult
from ganbench.watchdog import TrialTimeout


def status_of(error: BaseException) -> str:
    return "timeout" if isinstance(error, TrialTimeout) else "error"


def failed(result: TrialResult, status: str, error: BaseException, modules: tuple[str, ...] = ()) -> TrialResult:
    result.status = status
    where = blame(error, modules)
    result.reason = f"{type(error).__name__}: {own_words(error)}" + (f" (in {where})" if where else "")
    result.traceback = traceback.format_exc()
    return result


def own_words(error: BaseException) -> str:
    """What the error says; for one re-raised from a DataLoader worker, the worker's error line alone.

    torch re-raises a worker's exception with the worker's whole traceback as its message; its
    last line is the original 'module.Type: message'.
    """
    text = str(error).strip()
    if "in DataLoader worker process" in text and "Original Traceback" in text:
        kind, _, message = text.splitlines()[-1].partition(": ")
        return message if message and " " not in kind else text.splitlines()[-1]
    return text


def blame(error: BaseException, plugin_modules: tuple[str, ...] = ()) -> str:
    """The plugin to name: the innermost frame in a loaded plugin's modules (``ganbench_plugins.losses.standard``).

    A library the plugin called (PIL decoding a file, numpy) is not the culprit, the plugin that
    called it is. Code outside every plugin module (a hook object defined in a test) falls back to
    the innermost module outside ganbench's core, torch and pluggy.
    """
    frames = [frame.f_globals.get("__name__", "") for frame, _ in traceback.walk_tb(error.__traceback__)]
    inside = [m for m in frames if any(m == p or m.startswith(p + ".") for p in plugin_modules)]
    if inside:
        return inside[-1]
    outside = [m for m in frames if not m.startswith(("ganbench.", "torch", "pluggy", "builtins")) and m != "ganbench"]
    return outside[-1] if outside else ""


def plugin_modules(registry: Registry) -> tuple[str, ...]:
    return tuple(info.module for info in registry.plugins.loaded)


def loaded_modules(plugins: PluginOptions) -> tuple[str, ...]:
    try:
        return plugin_modules(registry_for(plugins))
    except Exception:  # the plugins themselves failed: nothing to blame by module
        return ()
