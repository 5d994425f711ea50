"""`ganbench run`: from the command line's words to a run folder, a report and the table."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.markup import escape

from ganbench import catalogue
from ganbench.budget import Budget
from ganbench.errors import UsageError
from ganbench.grid import option_list, repeated_names
from ganbench.paths import check_out_folder
from ganbench.plugins import PluginOptions
from ganbench.runlock import check_free
from ganbench.settings import parse_setting
from ganbench.terminal import RESUME_HINT, RunProgress, console, errors, print_table, say, warn, warn_failures
from ganbench.timing import TimeSplit
from ganbench.train import FastPaths
from ganbench.types import DataOptions

DEFAULT_SUITE = "quick"  # the grid `ganbench run` trains when no option says otherwise
MAX_IMAGE_SIZE = 1024  # pixels a side: the largest GAN benchmarks (FFHQ, CelebA-HQ) use


def request_from(args, plugins: PluginOptions):
    """The RunRequest the options describe; a suite's values where an option is not given."""
    from ganbench.runner import RunRequest

    base = catalogue.suite(args.suite or DEFAULT_SUITE)
    check_data_arguments(args)
    out = args.out or Path("results") / f"run-{datetime.now():%Y%m%d-%H%M%S}"
    check_out_folder(out)  # a file, a folder under a file, no write access: refused before any work
    check_free(out)  # another run trains in it now (the lock itself is taken when the folder opens)

    budget = Budget.parse(args.budget if args.budget is not None else base["budget"])
    if budget.unit == "flops" and args.compile:
        raise UsageError(
            f"--budget {budget} with --compile: torch's FLOP counter cannot see inside a compiled step; "
            "leave out --compile, or give a step or time budget"
        )
    fraction = args.data_fraction if args.data_fraction is not None else _suite_fraction(base)
    # A suite's `set` list (the form of --config) applies where the command line sets nothing.
    settings = args.set if args.set is not None else [str(text) for text in base.get("set", [])]
    return RunRequest(
        models=_list_option("--models", args.models, list(base["models"])),
        losses=_list_option("--losses", args.losses, list(base["losses"])),
        stabilisers=_list_option("--stabilisers", args.stabilisers, list(base.get("stabilisers", ["none"]))),
        dataset=args.dataset if args.dataset is not None else base["dataset"],
        seeds=args.seeds if args.seeds is not None else int(base.get("seeds", 1)),
        budget=budget,
        out=out,
        checkpoints=budget.checkpoints(args.checkpoints),
        device=args.device,
        data=data_options(args, fraction),
        metrics=_list_option("--metrics", args.metrics, None),
        settings=[parse_setting(text) for text in settings],
        tune=_tune(args.tune),
        tune_seed=args.tune_seed,
        select=args.select,
        dry_run=args.dry_run,
        resume_stale=args.resume_stale,
        threads=args.threads,
        trial_timeout=args.trial_timeout,
        # Options that plugins added (ganbench_add_options), by where their values go.
        metric_options=args.plugin_options.values(args, "metric"),
        executor=args.executor,
        executor_options=args.plugin_options.values(args, "executor"),
        log=_list_option("--log", args.log, []) or [],
        log_dir=args.log_dir,
        log_options=args.plugin_options.values(args, "logger"),
        plugins=plugins,
        command=args.command_line,
        fast=FastPaths(args.amp, args.channels_last, args.compile, args.cudnn_benchmark),
        batch=not args.no_batch,
    )


def check_data_arguments(args) -> None:
    """--image-size and --data-workers, for `run` and for a plugin's command that has the data options."""
    if args.image_size is not None and not 4 <= args.image_size <= MAX_IMAGE_SIZE:
        raise UsageError(
            f"--image-size {args.image_size}: give an image side in pixels from 4 to {MAX_IMAGE_SIZE}, e.g. 32"
        )
    if args.data_workers is not None and args.data_workers < 0:
        raise UsageError(f"--data-workers {args.data_workers}: give 0 (decode in the training process) or more")


def data_options(args, fraction: float = 1.0) -> DataOptions:
    """The data options of the command line (checked), as the data set's ``load`` gets them."""
    check_data_arguments(args)
    return DataOptions(
        args.data_root, args.image_size, not args.no_download, workers=args.data_workers, fraction=fraction
    )


def _suite_fraction(suite: dict) -> float:
    """A suite's ``data_fraction``, checked as --data-fraction is."""
    value = suite.get("data_fraction", 1.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise UsageError(f"the suite's data_fraction {value!r}: give a share of the data, more than 0 and at most 1")
    return float(value)


def _tune(value: int | None) -> int:
    if value is not None and value < 1:
        raise UsageError(f"--tune {value}: give the number of configurations every variant tries, at least 1")
    return value or 0


def _list_option(option: str, value: str | None, default: list[str] | None) -> list[str] | None:
    """An option's comma list when given (an empty one is refused, not read as the default), else the default;
    a name given twice is kept once (warn_repeated says so)."""
    return option_list(option, value) if value is not None else default


def warn_repeated(args) -> None:
    """A name given twice is used once: a metric computed twice, or a trial trained twice, is no second opinion."""
    for option in ("models", "losses", "stabilisers", "metrics"):
        repeated = repeated_names(getattr(args, option) or "")
        if repeated:
            warn(f"--{option} names {', '.join(repeated)} more than once; each is used once")


@dataclass
class Performed:
    """What a `run` did: its folder, whether Ctrl-C stopped it, whether it only planned (--dry-run)."""

    out: Path
    stopped: bool = False
    dry_run: bool = False


def run(args, plugins: PluginOptions) -> int:
    """`ganbench run`: the run, then the terminal's table and the report's path."""
    done = perform(args, plugins)
    if done.dry_run:
        return 0
    print_table(done.out)
    console.print(f"report: {done.out / 'report.md'}", markup=False, highlight=False, soft_wrap=True)
    if done.stopped:
        errors.print(RESUME_HINT, markup=False)
        return 130
    return 0


def perform(args, plugins: PluginOptions) -> Performed:
    """Plan, run and report: what `ganbench run` and ``ganbench.run()`` both do with parsed options."""
    from ganbench import report
    from ganbench.dispatch import execute
    from ganbench.runfolder import run_folder
    from ganbench.runner import final_phase, plan_run

    request = request_from(args, plugins)
    with console.status(preparing(request)):
        planned = plan_run(request)
    warn_failures(planned.registry)
    warn_repeated(args)  # once the request is known to be good: bad input stays one line
    if request.dry_run:
        print_plan(planned)
        return Performed(request.out, dry_run=True)
    stopped, outcome = False, "failed"
    with run_folder(planned) as store:  # held by this process until the report is written
        write_experiment(args, request, plugins)
        planned = start_logging(planned)
        try:
            try:
                run_phase(planned, store, execute, args.fail_fast)
                if planned.tuning is not None:
                    with console.status("choosing the best configuration of every variant"):
                        final = final_phase(planned, store)
                    run_phase(final, store, execute, args.fail_fast, after=TimeSplit(**store.get("time_split")))
            except KeyboardInterrupt:  # the interrupted trial is stored; report what finished, then exit 130
                stopped = True
            report.render(request.out, plugins=plugins)
            outcome = "interrupted" if stopped else "done"
        finally:  # a parent run (MLflow) is closed as the run ended, whatever ended it
            finish_logging(planned, outcome)
    return Performed(request.out, stopped)


def start_logging(planned):
    """--log's loggers start the run (an MLflow parent run); one that cannot start is left out, with a warning."""
    request = planned.request
    if not request.log:
        return planned
    from ganbench import loggers

    context, warnings = loggers.start_run(
        planned.registry, request.log, request.out, request.log_dir, request.log_options
    )
    for warning in warnings:
        warn(warning)
    return dataclasses.replace(planned, log=context)


def finish_logging(planned, outcome: str) -> None:
    if planned.log is not None:
        from ganbench import loggers

        for warning in loggers.finish_run(planned.registry, planned.log, outcome):
            warn(warning)


def preparing(request) -> str:
    """The spinner's words while a run is planned: the first run on a labelled data set trains the feature
    network its metrics use (FID's extractor, class coverage's judge), up to a few minutes with no other output."""
    return escape(
        f"preparing {request.dataset}: loading plugins, data and metrics; the first run on a data set trains "
        f"a feature network for its metrics (up to a few minutes, once per data set; cached in {request.cache})"
    )


def run_phase(planned, store, execute, fail_fast: bool, after=None) -> None:
    request = planned.request
    kept = len(store.finished_ids() & {job.id for job in planned.jobs})
    total = len(planned.jobs) - kept
    phase = "tuning: " if planned.tuning is not None else ""
    console.print(
        f"[bold]ganbench[/] {phase}{len(planned.jobs)} trials ({total} to run, {kept} kept from an earlier run, "
        f"{len(planned.skipped)} skipped) on {escape(request.dataset)}, budget {request.budget} each, "
        f"device {planned.session_key.device} -> {escape(str(request.out))}",
        highlight=False,
    )
    with RunProgress(request.budget, total) as progress:
        execute(planned, store, on_log=progress.on_log, on_result=progress.on_result, fail_fast=fail_fast, after=after)


def write_experiment(args, request, plugins: PluginOptions) -> None:
    """The run folder keeps the whole experiment, resolved, so `ganbench rerun` gives the same trial ids."""
    from ganbench import experiment

    values = experiment.resolved(
        vars(args),
        models=request.models,
        losses=request.losses,
        stabilisers=request.stabilisers,
        dataset=request.dataset,
        seeds=request.seeds,
        budget=str(request.budget),
        checkpoints=request.checkpoints,
        data_fraction=request.data.fraction if request.data.fraction != 1.0 else None,
        set=[str(setting) for setting in request.settings] or None,
        plugins=list(plugins.modules) or None,
    )
    comment = f"The experiment of this run folder: `ganbench rerun {request.out}` runs it again.\n{request.command}"
    experiment.write(request.out / experiment.FILE, values, comment)


def print_plan(planned) -> None:
    """--dry-run: what would train, what would be skipped and why, and for a time budget how long it takes."""
    request = planned.request
    rows = [(job, "") for job in planned.jobs] + [(job, reason) for job, reason in planned.skipped]
    for job, reason in sorted(rows, key=lambda row: row[0].position):
        name = f"{job.model}/{job.loss}/{'+'.join(map(str, job.stabilisers)) or 'none'}"
        extra = f" [{job.settings}]" if job.settings else ""
        say(f"  {'skip' if reason else 'run '} {name} seed {job.seed}{extra}" + (f": {reason}" if reason else ""))
    tuning = planned.tuning
    phases = ""
    if tuning is not None:
        variants = len(tuning.variants)
        phases = (
            f" (phase 1: {variants} variants x {tuning.n} configurations, selected by {tuning.select}; "
            f"then phase 2: the best of each x {request.seeds} seeds = {variants * request.seeds} more)"
        )
    say(
        f"ganbench --dry-run: {len(planned.jobs)} trials to run, {len(planned.skipped)} skipped{phases}; nothing written"
    )
    if request.budget.unit == "seconds":
        workers = int(request.executor_options.get("workers") or 1)
        total = len(planned.jobs) + (len(tuning.variants) * request.seeds if tuning else 0)
        hours = request.budget.amount * total / workers / 3600
        say(f"training alone takes at least {hours:.2f} h ({request.budget} x {total} trials / {workers} workers)")


def rerun(args, plugins: PluginOptions) -> int:
    """`ganbench rerun RUN_DIR`: the folder's experiment.toml as --config, into a new folder (or --out)."""
    from ganbench import cli, experiment

    source = args.run_dir / experiment.FILE
    if not source.is_file():
        raise UsageError(f"{args.run_dir} is not a ganbench run folder with an experiment: it has no {experiment.FILE}")
    out = args.out or next_free(args.run_dir)
    kept = experiment.read(source, None)  # only its --plugin modules are read here; run checks the rest
    modules = [flag for module in kept.get("plugins", []) for flag in ("--plugin", module)]
    return cli.main([*modules, "run", "--config", str(source), "--out", str(out)])


def next_free(folder: Path) -> Path:
    for attempt in range(1, 1000):
        candidate = folder.with_name(f"{folder.name}-rerun{attempt if attempt > 1 else ''}")
        if not candidate.exists():
            return candidate
    raise UsageError(f"{folder}: a thousand reruns exist already; give --out")
