"""`ganbench list` and `ganbench plugins`: what is installed, with where each component comes from."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from ganbench import catalogue
from ganbench.plugins import PluginOptions
from ganbench.registry import KINDS, registry_for
from ganbench.terminal import console, warn_failures
from ganbench.types import LoggerSpec


def list_components(args, plugins: PluginOptions) -> int:
    kinds = [*KINDS, "suites"] if args.kind == "all" else [args.kind]
    registry = registry_for(plugins) if kinds != ["suites"] else None
    if registry:
        warn_failures(registry)
    for kind in kinds:
        table = Table(title=kind, title_justify="left")
        if kind == "suites":
            for column in ("name", "description", "grid"):
                table.add_column(column)
            for name, suite in catalogue.load("suites").items():
                table.add_row(*map(escape, (name, suite.get("description", ""), suite_grid(suite))))
        else:
            for column in ("name", "description", "details", "provider"):
                table.add_column(column)
            for record in registry.all(kind):
                # Plugin text is shown as written: "pip install 'ganbench[ray]'" keeps its brackets.
                table.add_row(*map(escape, (record.name, record.description, details(record), record.provider)))
        console.print(table)
    return 0


def suite_grid(suite: dict) -> str:
    stabilisers = ",".join(suite.get("stabilisers", ["none"]))
    return (
        f"{','.join(suite['models'])} x {','.join(suite['losses'])} x {stabilisers} on {suite['dataset']}, "
        f"{suite.get('seeds', 1)} seeds, {suite['budget']}"
    )


def details(record) -> str:
    """The paper, the parameters' defaults and a model's hyper-parameters, in one cell."""
    parts = []
    if getattr(record, "source", ""):
        parts.append(record.source)
    params = getattr(record, "params", None)
    if params:
        parts.append("defaults: " + ", ".join(f"{k}={v}" for k, v in params.items()))
    hp = getattr(record, "hparams", None)
    if hp is not None:
        parts.append(
            f"{hp.optimizer} lr {hp.lr_g:g}/{hp.lr_d:g}, n_critic {hp.n_critic}, batch {hp.batch_size}, z {hp.z_dim}"
        )
    if isinstance(record, LoggerSpec) and record.requires:  # whether it can run here, and what to install if not
        from ganbench.loggers import missing_modules

        requires = record.requires
        missing = missing_modules(record)
        extra = f"pip install 'ganbench[{record.extra}]'" if record.extra else f"install {', '.join(missing)}"
        parts.append(f"not installed: {extra}" if missing else f"installed ({', '.join(requires)})")
    return "; ".join(parts)


def list_plugins(args, plugins: PluginOptions) -> int:
    registry = registry_for(plugins)
    table = Table(title="installed ganbench plugins", title_justify="left")
    for column in ("plugin", "distribution", "version", "kind", "provides"):
        table.add_column(column)
    for info in registry.plugins.loaded:
        provided = {kind: [r.name for r in registry.all(kind) if r.plugin == info.name] for kind in KINDS}
        text = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in provided.items() if names) or "(nothing)"
        kind = "built-in" if info.builtin else "external"
        table.add_row(*map(escape, (info.name, info.distribution, info.version, kind, text)))
    for failure in registry.plugins.failures:
        table.add_row(escape(failure.name), escape(failure.distribution), "", "[red]failed[/]", escape(failure.error))
    console.print(table)
    return 0
