"""What report.html shows of a run, gathered from its database: its facts, the trials table, sample
grids, checkpoint snapshots, training curves and interpolations. ganbench.html_report lays the page out.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ganbench import exports, figures, references, tables, tuning_report
from ganbench.html_report import Page, render_page
from ganbench.report_facts import (
    OUTSIDE,
    config_name,
    data_fraction,
    data_split,
    metric_facts,
    picture_bytes,
    shown_trials,
    time_split,
)
from ganbench.store import Store


def html_page(store: Store, summary: exports.Summary, table: pd.DataFrame, curves: dict, found: list, plugins) -> str:
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
        *([("time split", time_split(store) + " (last invocation)")] if store.get("time_split") else []),
        *((f"metric {name}", text) for name, text in metric_facts(store)),
        *(("note", note) for note in store.get("stale_notes", [])),
    ]
    training = []
    for r in trials.itertuples():
        own = scalars[scalars["trial_id"] == r.id]
        if len(own):
            training.append((caption[r.id], figures.training_curves(own, caption[r.id])))
    trials = trials[trials["phase"] != "tune"] if "phase" in trials else trials  # tuning trials: their own section
    configs = list(dict.fromkeys(config_name(r) for r in trials.itertuples()))
    samples = pd.DataFrame(index=sorted(trials["seed"].unique()), columns=configs, dtype=object)
    samples.index.name = "seed"
    for r in trials.itertuples():
        config = config_name(r)
        picture = picture_bytes(folder, r.samples)
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


def _trials_html(table: pd.DataFrame) -> str:
    escape = html.escape
    shown = shown_trials(table).reset_index()
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


def _hyperparameters_html(store: Store, trials: pd.DataFrame) -> str:
    frame = tables.hyperparameters(trials, store.get("components"))
    if frame.empty:
        return ""
    return (
        '<h3 id="hyper-parameters">Hyper-parameters</h3><p class="note">What each configuration trained with: the '
        "model's hyper-parameters and every component's own parameters.</p>"
        + frame.to_html(index=False, escape=True, border=0)
    )


def _snapshots(folder: Path, trials: pd.DataFrame, pictures: pd.DataFrame, caption: dict) -> list:
    """Per trial, its checkpoint pictures; those that lead out of the run folder are counted in the caption."""
    snapshots = []
    for r in trials.itertuples():
        own = pictures[pictures["trial_id"] == r.id].sort_values("checkpoint")
        shots, outside = [], 0
        for p in own.itertuples():
            picture = picture_bytes(folder, p.path)
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
