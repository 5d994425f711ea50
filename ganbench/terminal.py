"""What the command line prints: the results table, live progress and one-line warnings, with rich.

Every text that comes from a plugin or a user (descriptions, reasons, paths) is printed without
markup, or escaped, so square brackets in it are shown, never read as rich styles.
"""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ganbench.notes import DATA_BOUND, UNDER_TRAINED

console = Console()
errors = Console(stderr=True)

TERMINAL_HIDDEN = (
    "notes",
    "images/s",
    "eval s",
    "steps",
    "train s",
    "data wait %",
    "GFLOP/step",
    "TFLOP used",
    "threads",
    "train peak MiB",
    "eval peak MiB",
    "device",
)
STATUS_STYLE = {
    "done": "green",
    "skipped": "dim",
    "diverged": "yellow",
    "oom": "red",
    "error": "red",
    "interrupted": "yellow",
    "timeout": "red",
}
RESUME_HINT = "ganbench: interrupted; finished trials are kept, run the same command to resume"


def say(text: str) -> None:
    """A plain line on standard output: no markup, no highlighting, never wrapped mid-path."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def warn(text: str) -> None:
    errors.print(f"ganbench: warning: {text}", markup=False, highlight=False, soft_wrap=True)


def error(text: str) -> None:
    errors.print(f"ganbench: error: {text}", markup=False, highlight=False, soft_wrap=True)


def warn_failures(registry) -> None:
    for failure in registry.plugins.failures:
        warn(str(failure))


def shown(values: dict[str, float]) -> str:
    """A trial's last logged losses, as its progress bar shows them: D's and G's, or a model's own objective."""
    if "d_loss" in values and "g_loss" in values:
        return f"D {values['d_loss']:.3f}  G {values['g_loss']:.3f}"
    return "  ".join(f"{name} {value:.3f}" for name, value in list(values.items())[:3])


class RunProgress:
    """A bar for the grid and one per trial as it trains; failed trials are named as they end."""

    def __init__(self, budget, total: int):
        self.budget = budget
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.overall = self.progress.add_task("all trials", total=total, detail="")
        self.tasks: dict[str, TaskID] = {}  # job.id -> its bar, to finish it when its result arrives

    def __enter__(self) -> RunProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def on_log(self, job):
        """The progress callback of one trial (run_trial's ``on_log``)."""
        label = f"{job.model}/{job.loss}/{'+'.join(map(str, job.stabilisers)) or 'none'}/s{job.seed}"
        task = self.progress.add_task(escape(label), total=1.0, detail="")
        for trial in getattr(job, "member_ids", [job.id]):  # a batched ensemble: one bar for its members
            self.tasks[trial] = task

        def update(usage, values):
            self.progress.update(
                task,
                completed=min(self.budget.fraction(usage), 1.0),
                detail=f"step {usage.steps}  {shown(values)}",
            )

        return update

    def on_result(self, job, result) -> None:
        self.progress.advance(self.overall)
        task = self.tasks.pop(job.id, None)
        others_training = task in self.tasks.values()  # a batched ensemble's bar ends with its last member
        if task is not None and not others_training:  # the last log may come before the end: finished is 100%
            if result.status == "done":
                self.progress.update(task, completed=1.0)
            self.progress.stop_task(task)  # its clock stops with it
        if result.status != "done":
            style = STATUS_STYLE.get(result.status, "")
            self.progress.console.print(
                f"  [{style}]{result.status}[/] {escape(f'{job.model}/{job.loss} seed {job.seed}: {result.reason}')}",
                highlight=False,
            )


def print_table(folder: Path) -> None:
    """The comparison as the terminal shows it: short headers, qualifiers in the caption, 80 columns."""
    from ganbench import report
    from ganbench.store import Store

    store = Store.open_existing(folder)
    try:
        frame = report.trial_table(store)
    finally:
        store.close()
    table = Table(title="ganbench results", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    # The terminal gets the comparison; bookkeeping columns stay in report.md and results.csv.
    tuning = frame["phase"] == "tune" if "phase" in frame else None
    if tuning is not None:  # the tuning trials chose the final ones: report.md lists them, the terminal does not
        frame = frame[~tuning].drop(columns="phase")
    hidden = [*TERMINAL_HIDDEN, *(frame.attrs.get("hyper-parameters", []) if "settings" in frame else [])]
    shown = frame.drop(columns=[c for c in hidden if c in frame.columns]).reset_index(drop=True)
    short = {c: str(c).split(" (")[0] for c in shown.columns}
    clashes = {name for name in short.values() if list(short.values()).count(name) > 1}
    qualified = [
        f"{short[c]}: {str(c)[len(short[c]) + 2 : -1]}"
        for c in shown.columns
        if short[c] != str(c) and short[c] not in clashes
    ]
    table.caption = escape("; ".join(qualified)) or None
    for column in shown.columns:
        numeric = column not in ("model", "loss", "stabilisers", "status")
        header = str(column) if short[column] in clashes else short[column]
        table.add_column(escape(header).replace(" ", "\n"), justify="right" if numeric else "left", no_wrap=True)
    for _, row in shown.iterrows():
        table.add_row(*(_cell(column, value) for column, value in row.items()))
    console.print(table)
    if tuning is not None and tuning.any():
        console.print(f"{int(tuning.sum())} tuning trials chose these configurations: see Tuning in report.md")
    bound = int((frame["data wait %"] > 100 * DATA_BOUND).sum())  # NaN (no finished training) is not above
    if bound:  # their steps/s measure the data loader: say so where the table is read
        console.print(
            f"[yellow]{bound} of {len(frame)} trials waited over {DATA_BOUND:.0%} of their training "
            f"for data: their steps/s is the loader's (see notes in report.md; --data-workers)[/]"
        )
    flagged = {"under-trained": UNDER_TRAINED + ":", "trained on a busy machine": "the machine was busy"}
    for what, marker in flagged.items():
        count = int(frame["notes"].fillna("").str.contains(marker, regex=False).sum())
        if count:
            console.print(f"[yellow]{count} of {len(frame)} trials {what}: see their notes in report.md[/]")


def _cell(column: str, value) -> str:
    if value is None:  # a column no trial filled (every trial skipped): object dtype keeps None, not NaN
        return ""
    if isinstance(value, float):
        return "" if value != value else f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    if column == "status":
        return f"[{STATUS_STYLE.get(value, '')}]{escape(str(value))}[/]"
    return escape(str(value))
