"""`ganbench run`: from the command line's words to a run folder, a report and the table."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.markup import escape

from ganbench import catalogue
from ganbench.budget import Budget
from ganbench.errors import UsageError
from ganbench.grid import split_list
from ganbench.plugins import PluginOptions
from ganbench.terminal import RESUME_HINT, RunProgress, console, errors, print_table, warn_failures
from ganbench.train import FastPaths
from ganbench.types import DataOptions

DEFAULT_SUITE = "quick"  # the grid `ganbench run` trains when no option says otherwise


def request_from(args, plugins: PluginOptions):
    """The RunRequest the options describe; a suite's values where an option is not given."""
    from ganbench.runner import RunRequest

    base = catalogue.suite(args.suite or DEFAULT_SUITE)
    if args.image_size is not None and args.image_size < 4:
        raise UsageError(f"--image-size {args.image_size}: give an image side in pixels, e.g. 32")
    if args.data_workers is not None and args.data_workers < 0:
        raise UsageError(f"--data-workers {args.data_workers}: give 0 (decode in the training process) or more")
    out = args.out or Path("results") / f"run-{datetime.now():%Y%m%d-%H%M%S}"
    return RunRequest(
        models=split_list(args.models) if args.models else list(base["models"]),
        losses=split_list(args.losses) if args.losses else list(base["losses"]),
        stabilisers=split_list(args.stabilisers) if args.stabilisers else list(base.get("stabilisers", ["none"])),
        dataset=args.dataset or base["dataset"],
        seeds=args.seeds if args.seeds is not None else int(base.get("seeds", 1)),
        budget=Budget.parse(args.budget or base["budget"]),
        out=out,
        checkpoints=args.checkpoints,
        device=args.device,
        data=DataOptions(args.data_root, args.image_size, not args.no_download, workers=args.data_workers),
        metrics=split_list(args.metrics) if args.metrics else None,
        # Options that plugins added (ganbench_add_options), by where their values go.
        metric_options=args.plugin_options.values(args, "metric"),
        executor=args.executor,
        executor_options=args.plugin_options.values(args, "executor"),
        plugins=plugins,
        command=args.command_line,
        fast=FastPaths(args.amp, args.channels_last, args.compile, args.cudnn_benchmark),
    )


def run(args, plugins: PluginOptions) -> int:
    from ganbench import report
    from ganbench.runner import execute, open_run_folder, plan_run

    request = request_from(args, plugins)
    with console.status("loading plugins, data and metrics (a feature network is trained once per data set)"):
        planned = plan_run(request)
    warn_failures(planned.registry)
    store = open_run_folder(planned)
    kept = len(store.finished_ids() & {job.id for job in planned.jobs})
    total = len(planned.jobs) - kept
    console.print(
        f"[bold]ganbench[/] {len(planned.jobs)} trials ({total} to run, {kept} kept from an earlier run, "
        f"{len(planned.skipped)} skipped) on {escape(request.dataset)}, budget {request.budget} each, "
        f"device {planned.session_key.device} -> {escape(str(request.out))}",
        highlight=False,
    )
    stopped = False
    with RunProgress(request.budget, total) as progress:
        try:
            execute(planned, store, on_log=progress.on_log, on_result=progress.on_result, fail_fast=args.fail_fast)
        except KeyboardInterrupt:  # the interrupted trial is stored; report what finished, then exit 130
            stopped = True
        finally:
            store.close()
    path = report.render(request.out, plugins=plugins)
    print_table(request.out)
    console.print(f"report: {path}", markup=False, highlight=False, soft_wrap=True)
    if stopped:
        errors.print(RESUME_HINT, markup=False)
        return 130
    return 0
