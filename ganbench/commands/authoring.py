"""`ganbench new-plugin` and `ganbench check-plugin`: for people writing plugins."""

from __future__ import annotations

from rich.markup import escape

from ganbench.plugins import PluginOptions
from ganbench.registry import SINGULAR, registry_for
from ganbench.terminal import console, say, warn_failures
from ganbench.types import DataOptions


def new_plugin(args, plugins: PluginOptions) -> int:
    from ganbench.scaffold import new_plugin as write_package

    root = write_package(args.name, args.kind, args.dir)
    where = root.as_posix() if root.is_absolute() else "./" + root.as_posix()
    say(f"wrote {root}: `pip install {where}`, then `ganbench list` shows it (see {root / 'README.md'})")
    return 0


def check_plugin(args, plugins: PluginOptions) -> int:
    from ganbench.conformance import check, find

    registry = registry_for(plugins)
    warn_failures(registry)
    kind, record = find(registry, args.name, args.kind)  # unknown or ambiguous: one line, exit 2
    data = DataOptions(args.data_root, download=False)
    results = check(kind, record.name, registry=registry, plugins=plugins, data=data)
    for result in results:
        mark = "[green]pass[/]" if result.passed else "[red]FAIL[/]"
        console.print(
            f"{mark} {escape(result.check)}: [dim]{escape(result.detail)}[/]", highlight=False, soft_wrap=True
        )
    failed = sum(not r.passed for r in results)
    verdict = "[red]fails[/]" if failed else "[green]keeps[/]"
    console.print(
        f"{SINGULAR[kind]} '{escape(record.name)}' {verdict} the contract "
        f"({len(results) - failed}/{len(results)} checks passed)",
        highlight=False,
    )
    return 1 if failed else 0
