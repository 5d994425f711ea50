"""report.md: the run's facts, its results over seeds, every trial, its curves and samples, as Markdown.

Every text that comes from the database goes through md() or code(): Markdown renderers pass HTML
through, and a database may come from anyone.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from ganbench import exports, references, tables, tuning_report
from ganbench.report_facts import (
    TUNING_PICTURES,
    data_fraction,
    data_split,
    file_name,
    metric_facts,
    one_device,
    picture_file,
    shown_trials,
    time_split,
)
from ganbench.store import Store


def markdown_page(store: Store, summary: exports.Summary, table: pd.DataFrame, curves: dict, found: list) -> str:
    manifest = store.get("manifest", {})
    data = store.get("dataset", {})
    trials = tables.trials_of(store)
    split = data_split(store)
    lines = [
        f"# ganbench run {code(store.folder.name)}",
        "",
        f"- **data set**: {md(data.get('name', '?'))} ({md(data.get('shape', '?'))}, {md(data.get('samples', '?'))} samples"
        + (f", {md(data['modes'])} modes" if data.get("modes") else "")
        + (f", {md(data['classes'])} classes" if data.get("classes") else "")
        + (f"; {md(data['loading'])}" if data.get("loading") else "")
        + md(data_fraction(data))
        + ")",
        *([f"- **data split**: {md(split)}"] if split else []),
        f"- **budget**: {md(store.get('budget', '?'))} of training per trial (evaluation excluded), "
        f"{md(store.get('checkpoints', '?'))} checkpoints each",
        f"- **device**: {md(manifest.get('device', '?'))}",
        f"- **trials**: {len(trials)} ({', '.join(f'{n} {md(s)}' for s, n in trials['status'].value_counts().items())})",
        f"- **command**: {code(manifest.get('command', '?'))}",
        *([f"- **time split** (last invocation): {time_split(store)}"] if store.get("time_split") else []),
        *(f"- **note**: {md(note)}" for note in store.get("stale_notes", [])),
        "",
        "## Results over seeds",
        "",
        tables.STATISTICS_NOTE + " ↓: lower is better, ↑: higher is better (as each metric declares). "
        "FID is only comparable within one feature extractor.",
        "",
        summary_table(summary),
        "",
    ]
    tuning = tuning_report.tuning_frame(store)
    if len(tuning):
        lines += tuning_report.summary_lines(store, tuning)
        lines += [f"![{name}]({path})" for path, name in TUNING_PICTURES.items()] + [""]
    prepared = metric_facts(store)
    if prepared:
        lines += [
            "## How the metrics were prepared",
            "",
            *(f"- **{md(name)}**: {md(text)}" for name, text in prepared),
            "",
        ]
    if found:
        lines += [
            "## Published numbers beside measured ones",
            "",
            "Published under the paper's protocol, not this run's: read as context.",
            "",
            escaped(references.frame(found)).to_markdown(index=False),  # measured rows name configurations
            "",
        ]
    lines += [
        "## Every trial",
        "",
        "Each trial's values at its last checkpoint. steps/s counts generator steps (each with n_critic D steps) "
        "over the timed part, warm-up excluded. Trials that were skipped or did not finish keep their reason in notes.",
        *([f"Every trial ran on {md(one_device(table))}.", ""] if one_device(table) else [""]),
        _trials(table),
        "",
        *_hyperparameters(store, trials),
    ]
    if curves:
        lines += ["## Metrics against training time", ""]
        lines += [f"![{md(label)}](curves/{file_name(c)}.png)" for c, (label, _) in curves.items()] + [""]
    pictured = trials[trials["samples"].notna()]
    if len(pictured):
        lines += ["## Samples", ""]
        for _, t in pictured.iterrows():
            lines += [
                f"**{md(t.model)} / {md(t.loss)} / {md(t.stabilisers)} / seed {md(t.seed)}** ({code(t.id)})",
                "",
                _picture(store.folder, t.samples),
                "",
            ]
    lines += ["The full report with every figure: report.html.", ""]
    return "\n".join(lines)


def _hyperparameters(store: Store, trials: pd.DataFrame) -> list[str]:
    frame = tables.hyperparameters(trials, store.get("components"))
    if frame.empty:
        return []
    return [
        "## Hyper-parameters",
        "",
        "What each configuration trained with: the model's hyper-parameters and every component's own parameters "
        "(defaults as installed when the run began, unless the run set them).",
        "",
        escaped(frame).to_markdown(index=False),
        "",
    ]


def md(value) -> str:
    """Text from the database, safe in Markdown: HTML escaped, on one line, no links, pipes kept inside table cells."""
    text = html.escape(" ".join(str(value).split()), quote=False)
    return text.replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def code(value) -> str:
    """Text from the database as code: an HTML <code> element, its text escaped (a backtick cannot end it early)."""
    return f"<code>{html.escape(' '.join(str(value).split()), quote=False)}</code>"


def _picture(folder: Path, relative) -> str:
    found = picture_file(folder, relative)
    if isinstance(found, Path):
        return f"![samples]({quote(found.relative_to(folder.resolve()).as_posix())})"
    return f"({found or 'picture missing'})"


def summary_table(summary: exports.Summary) -> str:
    """exports' summary table, its texts escaped (configuration names and trial reasons come from the database)."""
    frame = exports.display_frame(summary)
    return escaped(frame).to_markdown(index=False) if len(frame) else "(no trials)"


def _trials(table: pd.DataFrame) -> str:
    shown = shown_trials(table).copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(exports.number)
    return escaped(shown.reset_index()).to_markdown(index=False)


def escaped(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell and heading through md."""
    shown = frame.copy()
    for column in shown.columns:
        shown[column] = shown[column].map(lambda value: md(value) if isinstance(value, str) else value)
    shown.columns = [md(column) for column in shown.columns]
    return shown
