"""`ganbench NAME` for a command a plugin added (``ganbench_add_commands``): its handler, given a context."""

from __future__ import annotations

from ganbench.commands.run import data_options
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.runner import cache_dir, resolve_device
from ganbench.trial import load_dataset
from ganbench.types import CommandContext, DataOptions, Dataset


def run_plugin_command(args, plugins: PluginOptions, data_root: str) -> int:
    """The handler the command registered, with what `run` would use: the cache, the device, the data options
    (``data_root`` where the command has none of its own)."""
    if args.plugin_command_data:
        data, device = data_options(args), resolve_device(args.device)
    else:
        data, device = DataOptions(root=data_root), "cpu"
    registry = registry_for(plugins)

    def load(name: str) -> Dataset:
        return load_dataset(registry, name, data).to(device)

    code = args.plugin_command(args, CommandContext(cache_dir(), device, load))
    return 0 if code is None else int(code)
