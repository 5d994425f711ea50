"""The commands of `ganbench`, one module per family; ganbench.cli parses and calls them.

Each command is ``command(args, plugins) -> exit code``: ``args`` the parsed namespace,
``plugins`` the :class:`~ganbench.plugins.PluginOptions` the command line asked for.
"""

from ganbench.commands import authoring, listing, results, run

COMMANDS = {
    "run": run.run,
    "rerun": run.rerun,
    "list": listing.list_components,
    "plugins": listing.list_plugins,
    "report": results.report,
    "compare": results.compare,
    "sample": results.sample,
    "new-plugin": authoring.new_plugin,
    "check-plugin": authoring.check_plugin,
}
