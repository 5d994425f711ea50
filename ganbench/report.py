"""Reports from the results database alone: report.md, report.html, the CSV and LaTeX tables.

The pieces live beside this module, one concern each: ganbench.tables (numbers and statistics),
ganbench.exports (the summary table in every format), ganbench.figures (plots),
ganbench.references (published numbers), ganbench.sampling (saved generators),
ganbench.report_facts (what both pages say of a run), ganbench.markdown_report (report.md),
ganbench.html_content (what report.html shows) and ganbench.html_report (its layout).
This module only gathers and writes.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ganbench import exports, figures, references, tables, tuning_report
from ganbench.errors import UsageError
from ganbench.html_content import html_page
from ganbench.markdown_report import escaped, markdown_page, summary_table
from ganbench.paths import make_folder, write_atomically
from ganbench.report_facts import TUNING_PICTURES, data_split, file_name, metric_facts  # noqa: F401 (public API)
from ganbench.store import Store
from ganbench.tables import IDENTITY, final_metrics, trial_table  # noqa: F401 (public API)

FORMATS = {
    "md": "report.md",
    "html": "report.html",
    "csv": "summary.csv",
    "csv-long": "summary_long.csv",
    "latex": "summary.tex",
}


def summarise(stores: list[tuple[Store, str]]) -> exports.Summary:
    """The aggregate over seeds of one or several runs (rows labelled by run when several)."""
    values, trials = zip(*(tables.final_values(store, label) for store, label in stores))
    values = pd.concat(values, ignore_index=True)
    trials = pd.concat(trials, ignore_index=True)
    keys = ["run", *tables.CONFIG]
    shown = keys if len(stores) > 1 else list(tables.CONFIG)
    if not (trials["settings"] != "").any():  # nothing set or tuned: no empty column
        shown.remove("settings")
    return exports.Summary(tables.aggregate(values, trials, keys), tables.configurations(trials, keys), shown)


def render(folder: str | Path, plugins=None) -> Path:
    """Write report.md, report.html, results.csv (per trial), summary.csv, summary_long.csv and
    summary.tex from the database; returns report.md's path.

    Everything is rendered first, then each file is written whole (write_atomically): a full disk
    or a read-only folder is one line naming the file, and leaves no half-written report.
    """
    folder = Path(folder)
    store = Store.open_existing(folder)
    try:
        summary = summarise([(store, folder.name)])
        table = trial_table(store)
        curves = _curves(store)
        found = references.matches(summary.long, _facts(store))
        tuning = tuning_report.tuning_frame(store)
        files = {
            "results.csv": table.to_csv(),
            "summary.csv": exports.to_csv_wide(summary),
            "summary_long.csv": exports.to_csv_long(summary),
            "summary.tex": exports.to_latex(summary, caption=_caption(store, summary)),
            **{f"curves/{file_name(column)}.png": png for column, (_, png) in curves.items()},
            **(_tuning_pictures(store, tuning) if len(tuning) else {}),
            "report.html": html_page(store, summary, table, curves, found, plugins),
            "report.md": markdown_page(store, summary, table, curves, found),  # last, as the sign it is all there
        }
    finally:
        store.close()
    make_folder(folder / "curves")
    for name, data in files.items():
        write_atomically(folder / name, data)
    return folder / "report.md"


def render_format(folder: str | Path, form: str, plugins=None) -> str:
    """One format's text, from the database alone (writes nothing)."""
    folder = Path(folder)
    store = Store.open_existing(folder)
    try:
        summary = summarise([(store, folder.name)])
        if form == "md":
            return markdown_page(
                store, summary, trial_table(store), _curves(store), references.matches(summary.long, _facts(store))
            )
        if form == "html":
            curves = _curves(store)
            return html_page(
                store, summary, trial_table(store), curves, references.matches(summary.long, _facts(store)), plugins
            )
        return _table_text(summary, form, _caption(store, summary))
    finally:
        store.close()


def compare(folders: list[str | Path], form: str = "md") -> str:
    """One summary table over several runs, rows labelled by run (the folder name), after a table of the runs:
    each one's data set, budget and the steps its trials used."""
    stores, labels = [], []
    try:
        for folder in folders:
            stores.append(Store.open_existing(folder))
            name = Path(folder).resolve().name
            labels.append(name if name not in labels else str(folder))
        summary = summarise(list(zip(stores, labels)))
        runs = _runs_frame(list(zip(stores, labels)))
        if form == "html":
            return (
                f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>ganbench compare</title>'
                f"<style>{_style()}</style></head><body><main><h1>ganbench: {len(stores)} runs compared</h1>"
                f"{runs.to_html(index=False, escape=True, border=0)}"
                f'<p class="note">{html.escape(tables.STATISTICS_NOTE)}</p>{exports.to_html(summary)}</main>'
                f"<script>{_script()}</script></body></html>\n"
            )
        if form == "md":
            runs_table = escaped(runs).to_markdown(index=False)
            return f"{runs_table}\n\n{summary_table(summary)}\n\n{tables.STATISTICS_NOTE}\n"
        return _table_text(summary, form, f"{len(stores)} ganbench runs compared")
    finally:
        for store in stores:
            store.close()


def _runs_frame(stores: list[tuple[Store, str]]) -> pd.DataFrame:
    """Per run: its data set, budget and the generator steps its finished trials used (a time budget's vary)."""
    rows = []
    for store, label in stores:
        trials = tables.trials_of(store)
        used = _steps_used(trials.loc[trials["status"] == "done", "steps"].dropna().astype(int))
        data = store.get("dataset", {})
        rows.append(
            {"run": label, "data set": data.get("name", "?"), "budget": store.get("budget", "?"), "steps used": used}
        )
    return pd.DataFrame(rows)


def _steps_used(steps: pd.Series) -> str:
    """'500 each', or the range and median where a time budget bought each trial a different number."""
    if steps.empty:
        return "no trial finished"
    if steps.min() == steps.max():
        return f"{steps.min():,} each"
    return f"{steps.min():,} to {steps.max():,} (median {int(steps.median()):,})"


def different_data(folders: list[str | Path]) -> list[str]:
    """One warning per pair of runs on different data sets (another name, or the same name over other samples)."""
    facts = []
    for folder in folders:
        store = Store.open_existing(folder)
        try:
            data = store.get("dataset", {})
        finally:
            store.close()
        facts.append((str(folder), data.get("name"), data.get("fingerprint")))
    warnings = []
    for i, (a, name_a, print_a) in enumerate(facts):
        for b, name_b, print_b in facts[i + 1 :]:
            if name_a != name_b or (print_a and print_b and print_a != print_b):  # older runs kept no fingerprint
                warnings.append(
                    f"{a} and {b} are on different data sets ({name_a}, fingerprint {print_a}; {name_b}, "
                    f"fingerprint {print_b}): their numbers are not comparable"
                )
    return warnings


def _table_text(summary: exports.Summary, form: str, caption: str) -> str:
    if form == "csv":
        return exports.to_csv_wide(summary)
    if form == "csv-long":
        return exports.to_csv_long(summary)
    if form == "latex":
        return exports.to_latex(summary, caption=caption)
    raise UsageError(f"unknown format '{form}' (choose from {', '.join(FORMATS)})")


def _style() -> str:
    from ganbench.html_report import STYLE

    return STYLE


def _script() -> str:
    from ganbench.html_report import SCRIPT

    return SCRIPT


def _facts(store: Store) -> dict:
    return {
        "dataset": store.get("dataset", {}),
        "budget": store.get("budget", "?"),
        "checkpoints": store.get("checkpoints"),
    }


def _caption(store: Store, summary: exports.Summary) -> str:
    """What the table is; it claims intervals and tests only where a cell has more than one seed behind it."""
    data = store.get("dataset", {})
    text = f"ganbench run {store.folder.name}: {data.get('name', '?')}, budget {store.get('budget', '?')} per trial; "
    if (summary.long["n"] > 1).any():
        return text + "mean ± 95% Student t interval over seeds; bold: best (Welch's t-test, p < 0.05) or tied for best"
    return text + "one seed per configuration: single values, no interval and no significance test"


def _tuning_pictures(store: Store, frame: pd.DataFrame) -> dict[str, bytes]:
    curves = tuning_report.expected_best_curves(frame, store.get("tuning")["select"])
    strips = tuning_report.score_strips(frame)
    return dict(zip(TUNING_PICTURES, (curves, strips)))


def _curves(store: Store) -> dict[str, tuple[str, bytes]]:
    metrics, trials = store.frame("metrics"), store.frame("trials")
    info = tables.metric_info(metrics)
    labels = dict(zip(info.index, info["label"]))
    return {
        column: (labels.get(column, column), png)
        for column, png in figures.metric_curves(metrics, trials, labels).items()
    }


__all__ = [
    "render",
    "render_format",
    "compare",
    "different_data",
    "summarise",
    "trial_table",
    "final_metrics",
    "FORMATS",
]
