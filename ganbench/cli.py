"""`ganbench COMMAND`: the command line's parser; each command's work is in ganbench.commands.

Plugins are loaded before `run`'s options are parsed, so that they can add their own
(``ganbench_add_options``): `--workers` and `--address` come from the executors that use them,
`--fid-samples` from the FID plugin. They are loaded too for a command that is not ganbench's own
(and for ``--help``), so that commands plugins add (``ganbench_add_commands``: `fid-stats`) parse.
Bad input of any kind ends in one line and exit code 2.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path

from ganbench import catalogue, experiment
from ganbench.commands import COMMANDS
from ganbench.commands.plugin import run_plugin_command
from ganbench.commands.run import DEFAULT_SUITE
from ganbench.errors import UsageError
from ganbench.paths import path_argument
from ganbench.plugins import PluginFailure, PluginOptions, one_line
from ganbench.registry import KINDS, Registry, registry_for
from ganbench.terminal import RESUME_HINT, error, errors
from ganbench.types import Commands, DataUnavailable, RunOptions

DEFAULTS = catalogue.suite(DEFAULT_SUITE)
DATA_ROOT = str(Path.home() / ".cache" / "ganbench" / "data")


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # '-5s' is a (bad) value, not an option: let it reach the check that explains budgets.
        self._negative_number_matcher = re.compile(r"^-\d+(\.\d+)?[a-z]*$")

    def error(self, message: str):  # one line, exit 2, instead of usage + error
        raise UsageError(f"{message} (see '{self.prog} --help')")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"{value}: give 1 to 1024")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < value <= 7 * 24 * 3600:
        raise argparse.ArgumentTypeError(f"{text}: give more than 0 and at most a week of seconds")
    return value


def data_fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text}: give a share of the data, more than 0 and at most 1 (e.g. 0.1)")
    return value


def plugin_options(argv: list[str]) -> tuple[PluginOptions, str | None]:
    """--plugin and --strict-plugins (they come before the command), and the command's name."""
    early = Parser(prog="ganbench", add_help=False)
    early.add_argument("--plugin", action="append", default=[])
    early.add_argument("--strict-plugins", action="store_true")
    known, rest = early.parse_known_args(argv)
    command = next((word for word in rest if not word.startswith("-")), None)
    return PluginOptions(modules=tuple(known.plugin), strict=known.strict_plugins), command


def build_parser(registry: Registry | None = None) -> Parser:
    """The whole command line; with a registry, `run` also has the options its plugins add."""
    parser = Parser(prog="ganbench", description="Compare GAN models, losses and stabilisers under one compute budget.")
    parser.add_argument(
        "--plugin", action="append", default=[], metavar="MODULE", help="also load this module as a plugin"
    )
    parser.add_argument("--strict-plugins", action="store_true", help="a plugin that fails to load is fatal")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    parser.run_parser = add_run_parser(commands, registry)
    add_result_parsers(commands)
    add_rerun_parser(commands)
    add_authoring_parsers(commands)
    if registry is not None:
        add_plugin_commands(registry, Commands(commands, add_command_data_arguments))
    return parser


def add_run_parser(commands, registry: Registry | None) -> Parser:
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
        "--checkpoints",
        type=int,
        help="evaluations at even fractions of the budget, at most 1,000 and at most one a step "
        "(default: 4, or one a step for a budget of fewer steps)",
    )
    run.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default: auto)")
    run.add_argument(
        "--out", type=path_argument, help="run folder (default: results/run-DATE-TIME); the same folder resumes"
    )
    add_data_arguments(run)
    run.add_argument(
        "--data-fraction",
        type=data_fraction,
        metavar="F",
        help="train on this share of the training data, 0 < F <= 1: a fixed seeded subset, the same for every "
        "trial; the metrics keep the whole data set as their reference (default: 1)",
    )
    run.add_argument(
        "--metrics",
        help="comma-separated metric names, or none for throughput alone (default: every default metric that applies)",
    )
    run.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="a hyper-parameter (lr_g, lr_d, lr, betas, beta1, n_critic, batch_size, z_dim, optimizer, reuse_fake, ema, ema_start) or a "
        "component's parameter (width, gp.lambda); scoped with a prefix (dcgan.lr_d=4e-4); A|B|C makes a grid "
        "axis; repeatable",
    )
    run.add_argument(
        "--tune",
        type=int,
        metavar="N",
        help="give every variant the same N configurations of its search space (Sobol points), select the best "
        "of each on held-out real data, then train it with --seeds fresh seeds for the final table",
    )
    run.add_argument("--tune-seed", type=int, default=0, help="seeds the Sobol points of --tune (default: 0)")
    run.add_argument(
        "--select", help="the measurement --tune selects by (default: the run's metrics' own choice, e.g. fid)"
    )
    run.add_argument(
        "--config", type=Path, help="an experiment file (TOML): any of these options; the command line wins"
    )
    run.add_argument("--dry-run", action="store_true", help="print the planned trials and write nothing")
    run.add_argument("--fail-fast", action="store_true", help="stop at the first trial that does not finish")
    run.add_argument(
        "--resume-stale",
        action="store_true",
        help="resume --out even if its finished trials were measured with other components (a plugin's "
        "version or default changed since); they are kept and the report says so",
    )
    run.add_argument(
        "--threads",
        type=positive_int,
        help="torch threads per trial on a CPU (default: the process's share of the cores, one for a model "
        "whose step costs under 0.2 GFLOP; recorded with every trial)",
    )
    run.add_argument(
        "--trial-timeout",
        type=positive_seconds,
        metavar="SECONDS",
        help="end a trial that makes no progress (no step, metric or observer returning) for this long, as "
        "'timeout' (default: 600, or half a longer time budget)",
    )
    run.add_argument(
        "--log",
        metavar="NAME[,NAME]",
        help="also follow every trial in these loggers as it trains: tensorboard, mlflow, wandb, or a plugin's "
        "(see `ganbench list loggers`; each is an extra: pip install 'ganbench[tensorboard]')",
    )
    run.add_argument("--log-dir", type=path_argument, help="where the loggers write (default: logs/ in the run folder)")
    run.add_argument("--amp", choices=["bf16", "fp16"], help="mixed precision (autocast; fp16 adds gradient scaling)")
    run.add_argument("--channels-last", action="store_true", help="NHWC memory layout for image models")
    run.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile G and D (compiling happens in the first steps and counts against a time budget)",
    )
    run.add_argument("--cudnn-benchmark", action="store_true", help="let cuDNN autotune convolutions (CUDA only)")
    run.add_argument(
        "--no-batch",
        action="store_true",
        help="train every trial alone (by default trials that differ only in seed and learning rates train as "
        "one batched ensemble, under step, image and FLOP budgets)",
    )

    executors = ", ".join(registry.names("executors")) if registry else "see `ganbench list executors`"
    run.add_argument(
        "--executor",
        help=f"how trials run: {executors} (default: the executor the options given call for, else the "
        "default one; `ganbench list executors` says which)",
    )
    own = RunOptions(run.add_argument_group("options added by plugins"))
    if registry is not None:
        add_plugin_options(registry, own)
    run.set_defaults(plugin_options=own)
    return run


def add_data_arguments(parser) -> None:
    """Where data sets are found and how they load: `run`'s, and a plugin command's with ``data=True``."""
    parser.add_argument("--data-root", default=DATA_ROOT, help="where data sets are found or downloaded")
    parser.add_argument("--image-size", type=int, help="resize images to this side (default: the data set's)")
    parser.add_argument("--no-download", action="store_true", help="never download data sets")
    parser.add_argument(
        "--data-workers",
        type=int,
        help="DataLoader processes decoding a streamed data set such as folder:PATH "
        "(default: half the torch threads, 1 to 4; 0 decodes in the training process)",
    )


def add_command_data_arguments(parser) -> None:
    """A plugin command's ``data=True``: `run`'s data options and its --device."""
    add_data_arguments(parser)
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default: auto)")


def add_result_parsers(commands) -> None:
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
    report.add_argument("--out", type=path_argument, help="with --format: write here instead of standard output")
    compare = commands.add_parser("compare", help="one summary table over several runs, rows labelled by run")
    compare.add_argument("run_dirs", type=Path, nargs="+", metavar="RUN_DIR")
    compare.add_argument("--format", default="md", choices=["md", "csv", "csv-long", "latex", "html"])
    compare.add_argument("--out", type=path_argument, help="write here instead of standard output")
    sample = commands.add_parser("sample", help="images from a trial's saved generator")
    sample.add_argument("run_dir", type=Path)
    sample.add_argument(
        "--trial",
        required=True,
        help="the trial id or a unique prefix of it, or its name: model/loss/stabilisers/seed (dcgan/ns/none/0)",
    )
    sample.add_argument("-n", type=int, default=64, help="how many samples, at most 10,000 (default: 64)")
    sample.add_argument(
        "--interpolate", action="store_true", help="straight-line and slerp paths between two latent points instead"
    )
    sample.add_argument("--seed", type=int, default=0, help="the latent seed (default: 0)")
    sample.add_argument(
        "--as-evaluated",
        metavar="METRIC",
        help="the samples that METRIC scored at the last checkpoint (its latent stream and the trial's seed)",
    )
    sample.add_argument("--out", type=path_argument, required=True, help="the PNG file to write")


def add_rerun_parser(commands) -> None:
    rerun = commands.add_parser("rerun", help="run a run folder's experiment again (its experiment.toml)")
    rerun.add_argument("run_dir", type=Path)
    rerun.add_argument("--out", type=path_argument, help="the new run folder (default: RUN_DIR-rerun, -rerun2, ...)")


def add_authoring_parsers(commands) -> None:
    new = commands.add_parser(
        "new-plugin", help="write a plugin package (entry point, component, test, README) to start from"
    )
    new.add_argument("name", help="the package and component name, e.g. mylosses")
    new.add_argument(
        "--kind", required=True, choices=["model", "loss", "stabiliser", "dataset", "metric", "executor", "logger"]
    )
    new.add_argument("--dir", type=Path, default=Path("."), help="where to create the package folder (default: here)")
    check = commands.add_parser("check-plugin", help="check one component against the plugin contract")
    check.add_argument("name", help="a model, loss, stabiliser, data set, metric or executor name")
    check.add_argument("--kind", help="model, loss, stabiliser, dataset, metric or executor, where NAME is several")
    check.add_argument("--data-root", default=DATA_ROOT, help="where data sets are found")


def add_plugin_options(registry: Registry, options: RunOptions) -> None:
    """Each plugin's ``ganbench_add_options`` on its own: one that fails is reported, the rest still add theirs."""
    call_each(registry, "ganbench_add_options", options)


def add_plugin_commands(registry: Registry, commands: Commands) -> None:
    """Each plugin's ``ganbench_add_commands`` on its own, reported like ``ganbench_add_options``."""
    call_each(registry, "ganbench_add_commands", commands)


def call_each(registry: Registry, hook: str, argument: RunOptions | Commands) -> None:
    """Every implementation of a command-line hook on its own: one that fails is reported, the rest still run."""
    for impl in getattr(registry.plugins.manager.hook, hook).get_hookimpls():
        try:
            impl.function(argument)
        except Exception as failure:  # e.g. a flag or a command another plugin already has
            info = registry.plugins.info(impl.plugin_name)
            found = PluginFailure(impl.plugin_name, info.distribution if info else "", one_line(failure))
            if registry.plugins.strict:
                raise UsageError(f"{found} (remove --strict-plugins to load the rest)") from failure
            registry.plugins.failures.append(found)


def run_options(parser: Parser) -> list[str]:
    """The names an experiment file may use: every option of `run` (its plugins' too), by argparse dest."""
    return [a.dest for a in parser.run_parser._actions if a.dest not in ("help", "config", "plugin_options")]


def run_option_flags(before: list[str]) -> dict[str, argparse.Action]:
    """`run`'s options (its plugins' too, with the plugins ``before`` names loaded), by dest: the keywords
    ``ganbench.run()`` takes, with the argparse action that says how each is written."""
    plugins, _ = plugin_options([*before, "run"])
    parser = build_parser(registry_for(plugins))
    return {
        action.dest: action
        for action in parser.run_parser._actions
        if action.option_strings and action.dest not in ("help", "plugin_options")
    }


def parse_arguments(argv: list[str]) -> tuple[argparse.Namespace, PluginOptions]:
    """The command line parsed, with the plugins it names loaded first; bad input raises UsageError."""
    plugins, command = plugin_options(argv)
    # `run` has options from plugins, and a command that is not ganbench's own (or --help, which lists them
    # all) may be a plugin's; ganbench's other commands load plugins when they need them.
    registry = registry_for(plugins) if command == "run" or command not in COMMANDS else None
    parser = build_parser(registry)
    args = parser.parse_args(argv)
    if getattr(args, "config", None) is not None:  # the file's values are defaults: the command line wins
        parser.run_parser.set_defaults(**experiment.as_defaults(experiment.read(args.config, run_options(parser))))
        args = parser.parse_args(argv)
    args.command_line = shlex.join(["ganbench", *argv])
    return args, plugins


def main(argv: list[str] | None = None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args, plugins = parse_arguments(argv)
        if args.command not in COMMANDS:
            return run_plugin_command(args, plugins, DATA_ROOT)
        return COMMANDS[args.command](args, plugins)
    except (UsageError, DataUnavailable) as failure:
        error(str(failure))
        return 2
    except KeyboardInterrupt:
        errors.print(RESUME_HINT, markup=False)
        return 130


if __name__ == "__main__":
    sys.exit(main())
