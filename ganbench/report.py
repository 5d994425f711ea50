"""Reports from the results database alone: report.md, report.html, the CSV and LaTeX tables.

The pieces live beside this module, one concern each: ganbench.tables (numbers and statistics),
ganbench.exports (the summary table in every format), ganbench.figures (plots),
ganbench.references (published numbers), ganbench.sampling (saved generators) and
ganbench.html_report (the page). This module only gathers and writes.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from ganbench import exports, figures, references, tables, tuning_report
from ganbench.errors import UsageError
from ganbench.html_report import Page, render_page
from ganbench.paths import inside_folder, make_folder, write_atomically
from ganbench.store import Store
from ganbench.tables import IDENTITY, final_metrics, trial_table  # noqa: F401 (public API)
from ganbench.timing import TimeSplit

FORMATS = {
    "md": "report.md",
    "html": "report.html",
    "csv": "summary.csv",
    "csv-long": "summary_long.csv",
    "latex": "summary.tex",
}
#: shown instead of a picture whose stored path leads out of the run folder (a database may come from anyone)
OUTSIDE = "picture skipped: outside the run folder"


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
            **{f"curves/{_file_name(column)}.png": png for column, (_, png) in curves.items()},
            **(_tuning_pictures(store, tuning) if len(tuning) else {}),
            "report.html": _html(store, summary, table, curves, found, plugins),
            "report.md": _markdown(store, summary, table, curves, found),  # last, as the sign it is all there
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
            return _markdown(
                store, summary, trial_table(store), _curves(store), references.matches(summary.long, _facts(store))
            )
        if form == "html":
            curves = _curves(store)
            return _html(
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
            runs_table = _escaped(runs).to_markdown(index=False)
            return f"{runs_table}\n\n{_markdown_summary(summary)}\n\n{tables.STATISTICS_NOTE}\n"
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


def _time_split(store: Store) -> str:
    return TimeSplit(**store.get("time_split")).text()


def _caption(store: Store, summary: exports.Summary) -> str:
    """What the table is; it claims intervals and tests only where a cell has more than one seed behind it."""
    data = store.get("dataset", {})
    text = f"ganbench run {store.folder.name}: {data.get('name', '?')}, budget {store.get('budget', '?')} per trial; "
    if (summary.long["n"] > 1).any():
        return text + "mean ± 95% Student t interval over seeds; bold: best (Welch's t-test, p < 0.05) or tied for best"
    return text + "one seed per configuration: single values, no interval and no significance test"


TUNING_PICTURES = {
    "curves/tuning-expected-best.png": "expected best score after k configurations",
    "curves/tuning-scores.png": "every configuration's selection score",
}


def _tuning_pictures(store: Store, frame: pd.DataFrame) -> dict[str, bytes]:
    curves = tuning_report.expected_best_curves(frame, store.get("tuning")["select"])
    strips = tuning_report.score_strips(frame)
    return dict(zip(TUNING_PICTURES, (curves, strips)))


def _config_name(r) -> str:
    settings = f" [{r.settings}]" if getattr(r, "settings", "") else ""
    return f"{r.model}/{r.loss}/{r.stabilisers}{settings}"


def metric_facts(store: Store) -> list[tuple[str, str]]:
    """Per metric, what it recorded of its preparation (extractor, held-out accuracy, why it runs) as text."""
    found = []
    for name, info in (store.get("metric_info") or {}).items():
        parts = [
            f"{key.replace('_', ' ')}: {exports.number(v) if isinstance(v, float) else v}" for key, v in info.items()
        ]
        if parts:
            found.append((name, "; ".join(parts)))
    return found


def _curves(store: Store) -> dict[str, tuple[str, bytes]]:
    metrics, trials = store.frame("metrics"), store.frame("trials")
    info = tables.metric_info(metrics)
    labels = dict(zip(info.index, info["label"]))
    return {
        column: (labels.get(column, column), png)
        for column, png in figures.metric_curves(metrics, trials, labels).items()
    }


def _file_name(column: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in column).strip("_")


def _markdown(store: Store, summary: exports.Summary, table: pd.DataFrame, curves: dict, found: list) -> str:
    manifest = store.get("manifest", {})
    data = store.get("dataset", {})
    trials = tables.trials_of(store)
    md = _md  # every text from the database is escaped: Markdown renderers pass HTML through
    split = data_split(store)
    lines = [
        f"# ganbench run {_code(store.folder.name)}",
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
        f"- **command**: {_code(manifest.get('command', '?'))}",
        *([f"- **time split** (last invocation): {_time_split(store)}"] if store.get("time_split") else []),
        *(f"- **note**: {md(note)}" for note in store.get("stale_notes", [])),
        "",
        "## Results over seeds",
        "",
        tables.STATISTICS_NOTE + " ↓: lower is better, ↑: higher is better (as each metric declares). "
        "FID is only comparable within one feature extractor.",
        "",
        _markdown_summary(summary),
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
            _escaped(references.frame(found)).to_markdown(index=False),  # measured rows name configurations
            "",
        ]
    lines += [
        "## Every trial",
        "",
        "Each trial's values at its last checkpoint. steps/s counts generator steps (each with n_critic D steps) "
        "over the timed part, warm-up excluded. Trials that were skipped or did not finish keep their reason in notes.",
        *([f"Every trial ran on {_md(one_device(table))}.", ""] if one_device(table) else [""]),
        _markdown_trials(table),
        "",
        *_markdown_hyperparameters(store, trials),
    ]
    if curves:
        lines += ["## Metrics against training time", ""]
        lines += [f"![{md(label)}](curves/{_file_name(c)}.png)" for c, (label, _) in curves.items()] + [""]
    pictured = trials[trials["samples"].notna()]
    if len(pictured):
        lines += ["## Samples", ""]
        for _, t in pictured.iterrows():
            lines += [
                f"**{md(t.model)} / {md(t.loss)} / {md(t.stabilisers)} / seed {md(t.seed)}** ({_code(t.id)})",
                "",
                _markdown_picture(store.folder, t.samples),
                "",
            ]
    lines += ["The full report with every figure: report.html.", ""]
    return "\n".join(lines)


def data_fraction(data: dict) -> str:
    """'; trained on a 10% share (180 samples) ...' for a run with --data-fraction, else ''."""
    fraction, kept = data.get("fraction", 1.0), data.get("training_samples")
    if fraction is None or fraction >= 1 or not isinstance(kept, int):
        return ""
    return (
        f"; trained on a {fraction:.0%} share of them ({kept:,} samples, --data-fraction {fraction:g}: a fixed "
        "seeded subset, the same for every trial), scored against all of them"
    )


def data_split(store: Store) -> str | None:
    """Which images the trials trained on and the metrics scored against, said plainly: in one run they are
    the same images (tuning's selection and final table use halves of them). None for older databases."""
    data = store.get("dataset", {})
    split, n = data.get("split"), data.get("samples")
    if not split or not isinstance(n, int):
        return None
    what = "points" if str(data.get("shape", "")).startswith("vector") else "images"
    if not store.get("metric_info"):  # --metrics none
        which = f"all {n:,}" if split == "all" else f"{n:,} {split}"
        return f"trained on {which} {what}; no metric scored against them"
    kept, fraction = data.get("training_samples"), data.get("fraction") or 1.0
    if fraction < 1 and isinstance(kept, int):
        which = "" if split == "all" else f" {split}"
        text = f"trained on {kept:,} of the {n:,}{which} {what} (a {fraction:.0%} share), scored against all {n:,}"
    elif split == "all":
        text = f"all {n:,} {what}, for training and as the metrics' reference: the same {what}"
    else:
        text = f"trained and scored on the same {n:,} {split} {what}"
    if store.get("tuning"):
        text += "; tuning selected on one half of them and scored its final table on the other"
    return text


def _markdown_hyperparameters(store: Store, trials: pd.DataFrame) -> list[str]:
    frame = tables.hyperparameters(trials, store.get("components"))
    if frame.empty:
        return []
    return [
        "## Hyper-parameters",
        "",
        "What each configuration trained with: the model's hyper-parameters and every component's own parameters "
        "(defaults as installed when the run began, unless the run set them).",
        "",
        _escaped(frame).to_markdown(index=False),
        "",
    ]


def _hyperparameters_html(store: Store, trials: pd.DataFrame) -> str:
    frame = tables.hyperparameters(trials, store.get("components"))
    if frame.empty:
        return ""
    return (
        '<h3 id="hyper-parameters">Hyper-parameters</h3><p class="note">What each configuration trained with: the '
        "model's hyper-parameters and every component's own parameters.</p>"
        + frame.to_html(index=False, escape=True, border=0)
    )


def _md(value) -> str:
    """Text from the database, safe in Markdown: HTML escaped, on one line, no links, pipes kept inside table cells."""
    text = html.escape(" ".join(str(value).split()), quote=False)
    return text.replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def _code(value) -> str:
    """Text from the database as code: an HTML <code> element, its text escaped (a backtick cannot end it early)."""
    return f"<code>{html.escape(' '.join(str(value).split()), quote=False)}</code>"


def _markdown_picture(folder: Path, relative) -> str:
    found = _picture_file(folder, relative)
    if isinstance(found, Path):
        return f"![samples]({quote(found.relative_to(folder.resolve()).as_posix())})"
    return f"({found or 'picture missing'})"


def _markdown_summary(summary: exports.Summary) -> str:
    """exports' summary table, its texts escaped (configuration names and trial reasons come from the database)."""
    frame = exports.display_frame(summary)
    return _escaped(frame).to_markdown(index=False) if len(frame) else "(no trials)"


def one_device(table: pd.DataFrame) -> str:
    """The device every trial ran on, said once above the table; '' where they differ (a column then)."""
    devices = set(table["device"]) - {""} if "device" in table else set()
    return devices.pop() if len(devices) == 1 else ""


def _shown_trials(table: pd.DataFrame) -> pd.DataFrame:
    unique = "device" in table and len(set(table["device"]) - {""}) <= 1
    return table.drop(columns="device") if unique else table


def _markdown_trials(table: pd.DataFrame) -> str:
    shown = _shown_trials(table).copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(exports.number)
    return _escaped(shown.reset_index()).to_markdown(index=False)


def _escaped(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell and heading through _md."""
    shown = frame.copy()
    for column in shown.columns:
        shown[column] = shown[column].map(lambda value: _md(value) if isinstance(value, str) else value)
    shown.columns = [_md(column) for column in shown.columns]
    return shown


def _picture_file(folder: Path, relative) -> Path | str | None:
    """The one way a report reaches a file the database names: the file, if it is inside the run folder once
    symlinks are resolved; OUTSIDE (the note to show) if the path leads out (``../..``, absolute, a symlink
    out: the database may come from someone else); None if there is no such file."""
    if not isinstance(relative, str) or not relative:
        return None
    path = inside_folder(folder, relative)
    if path is None:
        return OUTSIDE
    return path if path.is_file() else None


def _picture_bytes(folder: Path, relative) -> bytes | str | None:
    """The picture's bytes, or why there are none (OUTSIDE), or None."""
    found = _picture_file(folder, relative)
    if not isinstance(found, Path):
        return found
    try:
        return found.read_bytes()
    except OSError:  # unreadable: shown as missing
        return None


def _trials_html(table: pd.DataFrame) -> str:
    escape = html.escape
    shown = _shown_trials(table).reset_index()
    numeric = {c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c])}
    head = "".join(f'<th data-type="{"num" if c in numeric else "text"}">{escape(str(c))}</th>' for c in shown.columns)
    rows = []
    for _, row in shown.iterrows():
        cells = []
        for column, value in row.items():
            if column in numeric:
                cells.append(
                    f'<td class="num" data-sort="{"" if pd.isna(value) else float(value)!r}">'
                    f"{exports.number(float(value)) if not pd.isna(value) else ''}</td>"
                )
            elif column == "status":
                cells.append(f'<td class="status-{escape(str(value))}">{escape(str(value))}</td>')
            elif column == "notes":
                cells.append(f'<td class="notes">{escape(str(value))}</td>')
            else:
                cells.append(f"<td>{escape(str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="sortable" id="trials-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _html(store: Store, summary: exports.Summary, table: pd.DataFrame, curves: dict, found: list, plugins) -> str:
    folder = store.folder
    manifest, data = store.get("manifest", {}), store.get("dataset", {})
    trials = tables.trials_of(store)
    scalars, pictures = store.frame("scalars"), store.frame("pictures")
    image_data = str(data.get("shape", "")).startswith("image")
    split = data_split(store)
    caption = {r.id: f"{r.model}/{r.loss}/{r.stabilisers} seed {r.seed} ({r.id[:8]})" for r in trials.itertuples()}
    facts = [
        (
            "data set",
            f"{data.get('name', '?')} ({data.get('shape', '?')}, {data.get('samples', '?')} samples"
            + (f", {data['modes']} modes" if data.get("modes") else "")
            + (f", {data['classes']} classes" if data.get("classes") else "")
            + (f"; {data['loading']}" if data.get("loading") else "")
            + data_fraction(data)
            + ")",
        ),
        (
            "budget",
            f"{store.get('budget', '?')} of training per trial (evaluation excluded), "
            f"{store.get('checkpoints', '?')} checkpoints",
        ),
        *([("data split", split)] if split else []),
        ("trials", f"{len(trials)}: " + ", ".join(f"{n} {s}" for s, n in trials["status"].value_counts().items())),
        ("device", str(manifest.get("device", "?"))),
        ("command", str(manifest.get("command", "?"))),
        *([("time split", _time_split(store) + " (last invocation)")] if store.get("time_split") else []),
        *((f"metric {name}", text) for name, text in metric_facts(store)),
        *(("note", note) for note in store.get("stale_notes", [])),
    ]
    training = []
    for r in trials.itertuples():
        own = scalars[scalars["trial_id"] == r.id]
        if len(own):
            training.append((caption[r.id], figures.training_curves(own, caption[r.id])))
    trials = trials[trials["phase"] != "tune"] if "phase" in trials else trials  # tuning trials: their own section
    configs = list(dict.fromkeys(_config_name(r) for r in trials.itertuples()))
    samples = pd.DataFrame(index=sorted(trials["seed"].unique()), columns=configs, dtype=object)
    samples.index.name = "seed"
    for r in trials.itertuples():
        config = _config_name(r)
        picture = _picture_bytes(folder, r.samples)
        if isinstance(picture, bytes):
            samples.at[r.seed, config] = (f"{r.id[:8]}, {r.steps} steps", picture)
        else:
            status = f"{r.status}: {r.reason}" if r.reason else r.status
            samples.at[r.seed, config] = f"{status}; {picture}" if picture else status
    snapshots = [] if image_data else _snapshots(folder, trials, pictures, caption)
    page = Page(
        title=f"ganbench run {folder.name}",
        facts=facts,
        summary_html=exports.to_html(summary),
        statistics_note=tables.STATISTICS_NOTE,
        trials_html=_trials_html(table) + _hyperparameters_html(store, tables.trials_of(store)),  # as report.md
        references=references.frame(found),
        curves={c: v for c, v in curves.items()},
        throughput=figures.throughput_and_budget(trials),
        training=training,
        samples=samples if image_data else samples.iloc[0:0],
        snapshots=snapshots,
        interpolations=_interpolations(store, trials, caption, plugins),
        manifest=manifest,
        pixelated=image_data,
        tuning_html=tuning_report.tuning_html(store, tuning)
        if len(tuning := tuning_report.tuning_frame(store))
        else "",
    )
    return render_page(page)


def _snapshots(folder: Path, trials: pd.DataFrame, pictures: pd.DataFrame, caption: dict) -> list:
    """Per trial, its checkpoint pictures; those that lead out of the run folder are counted in the caption."""
    snapshots = []
    for r in trials.itertuples():
        own = pictures[pictures["trial_id"] == r.id].sort_values("checkpoint")
        shots, outside = [], 0
        for p in own.itertuples():
            picture = _picture_bytes(folder, p.path)
            outside += picture == OUTSIDE
            if isinstance(picture, bytes):
                shots.append((f"checkpoint {p.checkpoint + 1}: step {p.step}, {p.seconds:.1f} s", picture))
        if shots or outside:
            note = f" ({outside} {OUTSIDE})" if outside else ""
            snapshots.append((caption[r.id] + note, shots))
    return snapshots


def _interpolations(store: Store, trials: pd.DataFrame, caption: dict, plugins) -> list[tuple[str, bytes | str]]:
    """Per finished trial with saved weights: the interpolation strip, or why there is none."""
    from ganbench import sampling
    from ganbench.plugins import PluginOptions
    from ganbench.registry import registry_for

    saved = trials[trials["generator"].notna()]
    if saved.empty:
        return []
    try:
        registry = registry_for(plugins or PluginOptions())
    except Exception as error:  # plugins that cannot load: the rest of the report still renders
        return [(caption[i], f"no interpolation: plugins could not be loaded ({error})") for i in saved["id"]]
    found = []
    for _, t in saved.iterrows():
        try:
            generator = sampling.load_generator(store, t.to_dict(), registry)
            found.append((caption[t["id"]], sampling.interpolation_png(generator, steps=10, seed=int(t["seed"]))))
        except Exception as error:  # e.g. the model's plugin is not installed here
            found.append((caption[t["id"]], f"no interpolation: {error}"))
    return found


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
