"""`ganbench run | list | plugins | report`: the command line, with rich output."""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from datetime import datetime
from pathlib import Path

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ganbench import catalogue
from ganbench.budget import Budget
from ganbench.errors import UsageError
from ganbench.grid import split_list
from ganbench.registry import KINDS, SINGULAR
from ganbench.train import FastPaths
from ganbench.trial import DATA_BOUND, PluginOptions, registry_for
from ganbench.types import DataOptions, DataUnavailable

console = Console()
errors = Console(stderr=True)

DEFAULTS = catalogue.suite("quick")
TERMINAL_HIDDEN = ("notes", "images/s", "eval s", "steps", "train s", "data wait %")
STATUS_STYLE = {
    "done": "green",
    "skipped": "dim",
    "diverged": "yellow",
    "oom": "red",
    "error": "red",
    "interrupted": "yellow",
}


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # '-5s' is a (bad) value, not an option: let it reach the check that explains budgets.
        self._negative_number_matcher = re.compile(r"^-\d+(\.\d+)?[a-z]*$")

    def error(self, message: str):  # one line, exit 2, instead of usage + error
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> Parser:
    parser = Parser(prog="ganbench", description="Compare GAN models, losses and stabilisers under one compute budget.")
    parser.add_argument(
        "--plugin", action="append", default=[], metavar="MODULE", help="also load this module as a plugin"
    )
    parser.add_argument("--strict-plugins", action="store_true", help="a plugin that fails to load is fatal")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    run = commands.add_parser("run", help="train every combination under one budget and write a report")
    run.add_argument("--suite", help="a named grid from `ganbench list suites`; other options override it")
    run.add_argument("--models", help=f"comma-separated model names or 'all' (default: {','.join(DEFAULTS['models'])})")
    run.add_argument("--losses", help="comma-separated loss names or 'all' (default: all)")
    run.add_argument(
        "--stabilisers", help="comma-separated stabiliser sets: none, gp, gp+sn, pack:m=4, or all (default: none)"
    )
    run.add_argument("--dataset", help=f"data set name, or folder:PATH (default: {DEFAULTS['dataset']})")
    run.add_argument("--seeds", type=int, help="number of seeds per combination, 0..N-1 (default: 1)")
    run.add_argument(
        "--budget", help=f"per trial: 30s, 5m (training time), 2000steps, or 50kimg (default: {DEFAULTS['budget']})"
    )
    run.add_argument(
        "--checkpoints", type=int, default=4, help="evaluations at even fractions of the budget (default: 4)"
    )
    run.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default: auto)")
    run.add_argument("--out", type=Path, help="run folder (default: results/run-DATE-TIME); the same folder resumes")
    run.add_argument(
        "--data-root",
        default=str(Path.home() / ".cache" / "ganbench" / "data"),
        help="where data sets are found or downloaded",
    )
    run.add_argument("--image-size", type=int, help="resize images to this side (default: the data set's)")
    run.add_argument("--no-download", action="store_true", help="never download data sets")
    run.add_argument(
        "--data-workers",
        type=int,
        help="DataLoader processes decoding a streamed data set such as folder:PATH "
        "(default: half the torch threads, 1 to 4; 0 decodes in the training process)",
    )
    run.add_argument(
        "--metrics",
        help="comma-separated metric names, or none for throughput alone (default: every default metric that applies)",
    )
    run.add_argument(
        "--fid-extractor", default="auto", help="auto (a network trained on the data), or inception-v3-compat"
    )
    run.add_argument("--fid-weights", help="a local file of Inception weights for inception-v3-compat")
    run.add_argument("--fid-samples", type=int, help="generated samples per FID evaluation")
    run.add_argument(
        "--executor",
        help="how trials run: local, pool, ray (`ganbench list executors`; default: "
        "local, or pool with --workers N > 1, or ray with --address)",
    )
    run.add_argument(
        "--workers", type=int, help="worker processes for the pool executor (default: one per GPU, else per core)"
    )
    run.add_argument(
        "--address", help="the ray executor's cluster: auto, HOST:PORT or ray://HOST:PORT (default: a local Ray)"
    )
    run.add_argument("--fail-fast", action="store_true", help="stop at the first trial that does not finish")
    run.add_argument("--amp", choices=["bf16", "fp16"], help="mixed precision (autocast; fp16 adds gradient scaling)")
    run.add_argument("--channels-last", action="store_true", help="NHWC memory layout for image models")
    run.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile G and D (compiling happens in the first steps and counts against a time budget)",
    )
    run.add_argument("--cudnn-benchmark", action="store_true", help="let cuDNN autotune convolutions (CUDA only)")

    listing = commands.add_parser("list", help="list components with their provider")
    listing.add_argument("kind", nargs="?", default="all", choices=[*KINDS, "suites", "all"])
    commands.add_parser("plugins", help="list installed plugins, their versions and what each provides")
    report = commands.add_parser("report", help="render a run's reports again from its database alone")
    report.add_argument("run_dir", type=Path)
    report.add_argument(
        "--format",
        choices=["html", "md", "csv", "csv-long", "latex"],
        help="write only this one (default: every report into RUN_DIR)",
    )
    report.add_argument("--out", type=Path, help="with --format: write here instead of standard output")
    compare = commands.add_parser("compare", help="one summary table over several runs, rows labelled by run")
    compare.add_argument("run_dirs", type=Path, nargs="+", metavar="RUN_DIR")
    compare.add_argument("--format", default="md", choices=["md", "csv", "csv-long", "latex", "html"])
    compare.add_argument("--out", type=Path, help="write here instead of standard output")
    sample = commands.add_parser("sample", help="images from a trial's saved generator")
    sample.add_argument("run_dir", type=Path)
    sample.add_argument("--trial", required=True, help="the trial id, or a unique prefix of it")
    sample.add_argument("-n", type=int, default=64, help="how many samples (default: 64)")
    sample.add_argument(
        "--interpolate", action="store_true", help="straight-line and slerp paths between two latent points instead"
    )
    sample.add_argument("--seed", type=int, default=0, help="the latent seed (default: 0)")
    sample.add_argument("--out", type=Path, required=True, help="the PNG file to write")
    new = commands.add_parser(
        "new-plugin", help="write a plugin package (entry point, component, test, README) to start from"
    )
    new.add_argument("name", help="the package and component name, e.g. mylosses")
    new.add_argument("--kind", required=True, choices=["model", "loss", "stabiliser", "dataset", "metric", "executor"])
    new.add_argument("--dir", type=Path, default=Path("."), help="where to create the package folder (default: here)")
    check = commands.add_parser("check-plugin", help="check one component against the plugin contract")
    check.add_argument("name", help="a model, loss, stabiliser, data set, metric or executor name")
    check.add_argument("--kind", help="model, loss, stabiliser, dataset, metric or executor, where NAME is several")
    check.add_argument(
        "--data-root", default=str(Path.home() / ".cache" / "ganbench" / "data"), help="where data sets are found"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args = build_parser().parse_args(argv)
        args.command_line = shlex.join(["ganbench", *argv])
        plugins = PluginOptions(modules=tuple(args.plugin), strict=args.strict_plugins)
        return {
            "run": cmd_run,
            "list": cmd_list,
            "plugins": cmd_plugins,
            "report": cmd_report,
            "compare": cmd_compare,
            "sample": cmd_sample,
            "new-plugin": cmd_new_plugin,
            "check-plugin": cmd_check_plugin,
        }[args.command](args, plugins)
    except (UsageError, DataUnavailable) as error:
        errors.print(f"ganbench: error: {error}", markup=False, highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        errors.print("ganbench: interrupted; finished trials are kept, run the same command to resume", markup=False)
        return 130


def _warn_failures(registry) -> None:
    for failure in registry.plugins.failures:
        errors.print(f"ganbench: warning: {failure}", markup=False, highlight=False, soft_wrap=True)


# --------------------------------------------------------------------------- run


def request_from(args, plugins: PluginOptions):
    from ganbench.runner import RunRequest

    base = catalogue.suite(args.suite) if args.suite else DEFAULTS
    if args.fid_weights and not Path(args.fid_weights).is_file():
        raise UsageError(f"--fid-weights {args.fid_weights}: no such file")
    if args.image_size is not None and args.image_size < 4:
        raise UsageError(f"--image-size {args.image_size}: give an image side in pixels, e.g. 32")
    metric_options = {"fid_extractor": args.fid_extractor}
    if args.fid_weights:
        metric_options["fid_weights"] = str(Path(args.fid_weights).resolve())
    if args.fid_samples is not None:
        if args.fid_samples < 2:
            raise UsageError(f"--fid-samples {args.fid_samples}: FID needs at least 2 samples (thousands, in practice)")
        metric_options["fid_samples"] = args.fid_samples
    if args.data_workers is not None and args.data_workers < 0:
        raise UsageError(f"--data-workers {args.data_workers}: give 0 (decode in the training process) or more")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: at least 1 worker is needed")
    executor = args.executor or ("ray" if args.address else "pool" if (args.workers or 1) > 1 else "local")
    # Only the options given: each executor refuses the ones that are not its own.
    executor_options = {
        key: value for key, value in (("workers", args.workers), ("address", args.address)) if value is not None
    }
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
        metric_options=metric_options,
        executor=executor,
        executor_options=executor_options,
        plugins=plugins,
        command=args.command_line,
        fast=FastPaths(args.amp, args.channels_last, args.compile, args.cudnn_benchmark),
    )


def cmd_run(args, plugins: PluginOptions) -> int:
    from ganbench import report
    from ganbench.runner import execute, open_run_folder, plan_run

    request = request_from(args, plugins)
    with console.status("loading plugins, data and metrics (a feature network is trained once per data set)"):
        run = plan_run(request)
    _warn_failures(run.registry)
    store = open_run_folder(run)
    kept = len(store.finished_ids() & {job.id for job in run.jobs})
    total = len(run.jobs) - kept
    console.print(
        f"[bold]ganbench[/] {len(run.jobs)} trials ({total} to run, {kept} kept from an earlier run, "
        f"{len(run.skipped)} skipped) on {request.dataset}, budget {request.budget} each, "
        f"device {run.session_key.device} -> {request.out}"
    )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        overall = progress.add_task("all trials", total=total, detail="")

        def on_log(job):
            task = progress.add_task(
                f"{job.model}/{job.loss}/{'+'.join(map(str, job.stabilisers)) or 'none'}/s{job.seed}",
                total=1.0,
                detail="",
            )

            def update(usage, values):
                progress.update(
                    task,
                    completed=min(request.budget.fraction(usage), 1.0),
                    detail=f"step {usage.steps}  D {values['d_loss']:.3f}  G {values['g_loss']:.3f}",
                )

            update.task = task  # type: ignore[attr-defined]
            return update

        def on_result(job, result):
            progress.advance(overall)
            style = STATUS_STYLE.get(result.status, "")
            if result.status != "done":
                progress.console.print(
                    f"  [{style}]{result.status}[/] {job.model}/{job.loss} seed {job.seed}: {result.reason}",
                    markup=True,
                    highlight=False,
                )

        stopped = False
        try:
            execute(run, store, on_log=on_log, on_result=on_result, fail_fast=args.fail_fast)
        except KeyboardInterrupt:  # the interrupted trial is stored; report what finished, then exit 130
            stopped = True
        finally:
            store.close()
    path = report.render(request.out, plugins=plugins)
    print_table(request.out)
    console.print(f"report: {path}")
    if stopped:
        errors.print("ganbench: interrupted; finished trials are kept, run the same command to resume", markup=False)
        return 130
    return 0


def print_table(folder: Path) -> None:
    from ganbench import report
    from ganbench.store import Store

    store = Store.open_existing(folder)
    try:
        frame = report.trial_table(store)
    finally:
        store.close()
    table = Table(title="ganbench results", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    # The terminal gets the comparison; bookkeeping columns stay in report.md and results.csv.
    shown = frame.drop(columns=[c for c in TERMINAL_HIDDEN if c in frame.columns]).reset_index(drop=True)
    # Short headers, qualifiers (FID's extractor and sample count) in the caption: fits 80 columns.
    short = {c: str(c).split(" (")[0] for c in shown.columns}
    clashes = {name for name in short.values() if list(short.values()).count(name) > 1}
    qualified = [
        f"{short[c]}: {str(c)[len(short[c]) + 2 : -1]}"
        for c in shown.columns
        if short[c] != str(c) and short[c] not in clashes
    ]
    table.caption = "; ".join(qualified) or None
    for column in shown.columns:
        numeric = column not in ("model", "loss", "stabilisers", "status")
        header = str(column) if short[column] in clashes else short[column]
        table.add_column(header.replace(" ", "\n"), justify="right" if numeric else "left", no_wrap=True)
    for _, row in shown.iterrows():
        cells = []
        for column, value in row.items():
            if isinstance(value, float):
                cells.append("" if value != value else f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}")
            elif column == "status":
                cells.append(f"[{STATUS_STYLE.get(value, '')}]{value}[/]")
            else:
                cells.append(str(value))
        table.add_row(*cells)
    console.print(table)
    bound = int((frame["data wait %"] > 100 * DATA_BOUND).sum())  # NaN (no finished training) is not above
    if bound:  # their steps/s measure the data loader: say so where the table is read
        console.print(
            f"[yellow]{bound} of {len(frame)} trials waited over {DATA_BOUND:.0%} of their training "
            f"for data: their steps/s is the loader's (see notes in report.md; --data-workers)[/]"
        )


# --------------------------------------------------------------------------- list, plugins, report


def cmd_list(args, plugins: PluginOptions) -> int:
    kinds = [*KINDS, "suites"] if args.kind == "all" else [args.kind]
    registry = registry_for(plugins) if kinds != ["suites"] else None
    if registry:
        _warn_failures(registry)
    for kind in kinds:
        table = Table(title=kind, title_justify="left")
        if kind == "suites":
            for column in ("name", "description", "grid"):
                table.add_column(column)
            for name, suite in catalogue.load("suites").items():
                grid = f"{','.join(suite['models'])} x {','.join(suite['losses'])} x {','.join(suite.get('stabilisers', ['none']))} on {suite['dataset']}, {suite.get('seeds', 1)} seeds, {suite['budget']}"
                table.add_row(name, suite.get("description", ""), grid)
        else:
            for column in ("name", "description", "details", "provider"):
                table.add_column(column)
            for record in registry.all(kind):
                table.add_row(record.name, record.description, _details(record), record.provider)
        console.print(table)
    return 0


def _details(record) -> str:
    parts = []
    if getattr(record, "source", ""):
        parts.append(record.source)
    params = getattr(record, "params", None)
    if params:
        parts.append("defaults: " + ", ".join(f"{k}={v}" for k, v in params.items()))
    hparams = getattr(record, "hparams", None)
    if hparams is not None:
        parts.append(
            f"{hparams.optimizer} lr {hparams.lr_g:g}/{hparams.lr_d:g}, n_critic {hparams.n_critic}, batch {hparams.batch_size}, z {hparams.z_dim}"
        )
    return "; ".join(parts)


def cmd_plugins(args, plugins: PluginOptions) -> int:
    registry = registry_for(plugins)
    table = Table(title="installed ganbench plugins", title_justify="left")
    for column in ("plugin", "distribution", "version", "kind", "provides"):
        table.add_column(column)
    for info in registry.plugins.loaded:
        provided = {kind: [r.name for r in registry.all(kind) if r.plugin == info.name] for kind in KINDS}
        text = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in provided.items() if names) or "(nothing)"
        table.add_row(info.name, info.distribution, info.version, "built-in" if info.builtin else "external", text)
    for failure in registry.plugins.failures:
        table.add_row(failure.name, failure.distribution, "", "[red]failed[/]", failure.error)
    console.print(table)
    return 0


def cmd_report(args, plugins: PluginOptions) -> int:
    from ganbench import report

    if args.out and not args.format:
        raise UsageError("--out needs --format (html, md, csv, csv-long or latex)")
    if args.format:
        _write_or_print(report.render_format(args.run_dir, args.format, plugins=plugins), args.out)
        return 0
    path = report.render(args.run_dir, plugins=plugins)
    print_table(args.run_dir)
    console.print(f"report: {path}")
    return 0


def cmd_compare(args, plugins: PluginOptions) -> int:
    from ganbench import report

    _write_or_print(report.compare(args.run_dirs, args.format), args.out)
    return 0


def cmd_sample(args, plugins: PluginOptions) -> int:
    from ganbench import sampling
    from ganbench.store import Store

    if args.n < 1:
        raise UsageError(f"-n {args.n}: ask for at least 1 sample")
    store = Store.open_existing(args.run_dir)
    try:
        trial = sampling.resolve_trial(store, args.trial)  # unknown or ambiguous: one line, exit 2
        saved = sampling.load_generator(store, trial, registry_for(plugins))
    finally:
        store.close()
    png = (
        sampling.interpolation_png(saved, seed=args.seed)
        if args.interpolate
        else sampling.samples_png(saved, args.n, args.seed)
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    console.print(
        f"wrote {args.out} ({'interpolation' if args.interpolate else f'{args.n} samples'} from trial {trial['id']})",
        highlight=False,
        soft_wrap=True,
    )
    return 0


def _write_or_print(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    console.print(f"wrote {out}", highlight=False, soft_wrap=True)


# --------------------------------------------------------------------------- writing plugins


def cmd_new_plugin(args, plugins: PluginOptions) -> int:
    from ganbench.scaffold import new_plugin

    root = new_plugin(args.name, args.kind, args.dir)
    console.print(
        f"wrote {root}: `pip install {root.as_posix() if root.is_absolute() else './' + root.as_posix()}`, "
        f"then `ganbench list` shows it (see {root / 'README.md'})",
        highlight=False,
        soft_wrap=True,
    )
    return 0


def cmd_check_plugin(args, plugins: PluginOptions) -> int:
    from ganbench.conformance import check, find

    registry = registry_for(plugins)
    _warn_failures(registry)
    kind, record = find(registry, args.name, args.kind)  # unknown or ambiguous: one line, exit 2
    results = check(
        kind, record.name, registry=registry, plugins=plugins, data=DataOptions(args.data_root, download=False)
    )
    for result in results:
        mark = "[green]pass[/]" if result.passed else "[red]FAIL[/]"
        console.print(f"{mark} {result.check}: [dim]{escape(result.detail)}[/]", highlight=False, soft_wrap=True)
    failed = sum(not r.passed for r in results)
    verdict = "[red]fails[/]" if failed else "[green]keeps[/]"
    console.print(
        f"{SINGULAR[kind]} '{record.name}' {verdict} the contract "
        f"({len(results) - failed}/{len(results)} checks passed)",
        highlight=False,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
