"""`ganbench report`, `compare` and `sample`: reading a finished run folder, never changing its results."""

from __future__ import annotations

import sys
from pathlib import Path

from ganbench.errors import UsageError
from ganbench.paths import check_output_file, make_folder, write_atomically
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.terminal import print_table, say, warn


def report(args, plugins: PluginOptions) -> int:
    from ganbench import report as reports

    if args.out and not args.format:
        raise UsageError("--out needs --format (html, md, csv, csv-long or latex)")
    if args.out:
        check_output_file(args.out)  # before the database is read
    if args.format:
        write_or_print(reports.render_format(args.run_dir, args.format, plugins=plugins), args.out)
        return 0
    path = reports.render(args.run_dir, plugins=plugins)
    print_table(args.run_dir)
    say(f"report: {path}")
    return 0


def compare(args, plugins: PluginOptions) -> int:
    from ganbench import report as reports

    if args.out:
        check_output_file(args.out)
    text = reports.compare(args.run_dirs, args.format)  # every folder is read, or refused in one line, first
    for mismatch in reports.different_data(args.run_dirs):
        warn(mismatch)
    write_or_print(text, args.out)
    return 0


def sample(args, plugins: PluginOptions) -> int:
    from ganbench import sampling
    from ganbench.store import Store

    if not 1 <= args.n <= sampling.MAX_SAMPLES:
        raise UsageError(f"-n {args.n}: ask for 1 to {sampling.MAX_SAMPLES:,} samples")
    check_output_file(args.out)  # before the generator is loaded
    store = Store.open_existing(args.run_dir)
    try:
        trial = sampling.resolve_trial(store, args.trial)  # unknown or ambiguous: one line, exit 2
        saved = sampling.load_generator(store, trial, registry_for(plugins))
    finally:
        store.close()
    if args.as_evaluated:
        evaluated = store_metric_names(args.run_dir)
        if args.as_evaluated not in evaluated:
            raise UsageError(
                f"--as-evaluated {args.as_evaluated}: the run evaluated {', '.join(evaluated) or 'no metric'}"
            )
        png = sampling.as_evaluated_png(saved, args.as_evaluated, args.n)
    elif args.interpolate:
        png = sampling.interpolation_png(saved, seed=args.seed)
    else:
        png = sampling.samples_png(saved, args.n, args.seed)
    make_folder(args.out.parent)
    write_atomically(args.out, png)
    what = "interpolation" if args.interpolate else f"{args.n} samples"
    if args.as_evaluated:
        what += f", the first {args.as_evaluated} scored"
    say(f"wrote {args.out} ({what} from trial {trial['id']})")
    return 0


def store_metric_names(folder: Path) -> list[str]:
    """The metrics a run evaluated (by the names their latent streams are seeded with)."""
    from ganbench.store import Store

    store = Store.open_existing(folder)
    try:
        return sorted(store.get("metric_info", {}))
    finally:
        store.close()


def write_or_print(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    make_folder(out.parent)
    write_atomically(out, text)
    say(f"wrote {out}")
