"""The loggers' own options; their values reach ``LogContext.options`` and never a trial's id."""

from __future__ import annotations

from ganbench import hookimpl


@hookimpl
def ganbench_add_options(options):
    options.add(
        "logger",
        "--mlflow-tracking-uri",
        metavar="URI",
        help="where --log mlflow writes: any MLflow tracking URI (default: a SQLite store in the run's log folder)",
    )
    options.add(
        "logger",
        "--wandb-mode",
        choices=["offline", "online"],
        help="--log wandb's mode (default: online where a W&B login exists, else offline: no network is touched)",
    )
    options.add("logger", "--wandb-project", metavar="NAME", help="--log wandb's project (default: ganbench)")
