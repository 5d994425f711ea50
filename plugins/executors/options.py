"""The executors' own command-line options: `--workers` (pool) and `--address` (ray)."""

from __future__ import annotations

from ganbench import hookimpl
from ganbench.types import whole_number


@hookimpl
def ganbench_add_options(options):
    options.add(
        "executor",
        "--workers",
        type=whole_number(1, "at least 1 worker is needed"),
        help="worker processes for the pool executor (default: one per GPU, else per core); "
        "N > 1 chooses the pool when --executor is not given",
    )
    options.add(
        "executor",
        "--address",
        help="the ray executor's cluster: auto, HOST:PORT or ray://HOST:PORT (default: a local Ray); "
        "chooses the ray executor when --executor is not given",
    )
