"""Tables and figures from the results database alone: report.md, results.csv, curves."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ganbench.pictures import figure_png  # noqa: E402
from ganbench.store import Store  # noqa: E402

LABELS = {
    "fid": "FID",
    "kid": "KID",
    "modes": "modes",
    "high_quality_pct": "% high quality",
    "reverse_kl": "reverse KL",
    "classes_covered": "classes covered",
    "class_kl": "class KL",
}
IDENTITY = ["model", "loss", "stabilisers", "seed"]


def metric_label(column: str, n_samples: float | None, context: dict) -> str:
    """'fid[ganbench-digits-cnn]' -> 'FID (ganbench-digits-cnn, 1797 samples) ↓'-style headers."""
    name, _, extractor = column.partition("[")
    label = LABELS.get(name, name)
    qualifiers = [extractor.rstrip("]")] if extractor else []
    if n_samples and name in {"fid", "kid", "is", "precision", "recall"}:
        qualifiers.append(f"{int(n_samples)} samples")
    if name == "modes" and context.get("modes"):
        qualifiers.append(f"of {context['modes']}")
    if name == "classes_covered" and context.get("classes"):
        qualifiers.append(f"of {context['classes']}")
    return f"{label} ({', '.join(qualifiers)})" if qualifiers else label


def final_metrics(metrics: pd.DataFrame) -> pd.DataFrame:
    """Each trial's metrics at its last checkpoint, one column per (metric, extractor)."""
    if metrics.empty:
        return pd.DataFrame(index=pd.Index([], name="trial_id"))
    last = metrics[metrics["checkpoint"] == metrics.groupby("trial_id")["checkpoint"].transform("max")]
    return last.pivot_table(index="trial_id", columns="column_name", values="value", aggfunc="last")


def trial_table(store: Store) -> pd.DataFrame:
    """One row per trial: identity, status, final metrics, throughput and the budget used."""
    trials = store.frame("trials").sort_values("position")
    metrics = store.frame("metrics")
    context = store.get("dataset", {})
    table = trials.set_index("id")[IDENTITY + ["status"]].copy()
    finals = final_metrics(metrics)
    samples = metrics.groupby("column_name")["n_samples"].max() if not metrics.empty else {}
    for column in finals.columns:
        table[metric_label(column, samples.get(column), context)] = finals[column]
    table["steps/s"] = trials.set_index("id")["steps_per_s"]
    table["images/s"] = trials.set_index("id")["images_per_s"]
    table["steps"] = trials.set_index("id")["steps"]
    table["train s"] = trials.set_index("id")["train_seconds"]
    table["eval s"] = trials.set_index("id")["eval_seconds"]
    remarks = trials.set_index("id")[["reason", "notes"]].fillna("")
    table["notes"] = (remarks["reason"] + "; " + remarks["notes"]).str.strip("; ")
    table.index.name = "trial"
    return table


def markdown_table(table: pd.DataFrame) -> str:
    shown = table.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}")
    return shown.reset_index().to_markdown(index=False)


def curves_png(store: Store) -> dict[str, bytes]:
    """One figure per checkpointed metric: value against training seconds, a line per trial."""
    metrics, trials = store.frame("metrics"), store.frame("trials").set_index("id")
    figures = {}
    context = store.get("dataset", {})
    for column, rows in metrics.groupby("column_name"):
        figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
        for trial_id, points in rows.groupby("trial_id"):
            t = trials.loc[trial_id]
            points = points.sort_values("checkpoint")
            axes.plot(points["seconds"], points["value"], marker="o", label=f"{t.model}/{t.loss}/{t.stabilisers}/s{t.seed}")
        axes.set_xlabel("training seconds (evaluation excluded)")
        axes.set_ylabel(metric_label(column, rows["n_samples"].max(), context))
        axes.grid(alpha=0.3)
        if rows["trial_id"].nunique() <= 12:
            axes.legend(fontsize=7)
        figures[column] = figure_png(figure)
    return figures


def render(folder: str | Path) -> Path:
    """Write report.md, results.csv and the curve figures from the database; returns report.md's path."""
    folder = Path(folder)
    store = Store.open_existing(folder)
    try:
        table = trial_table(store)
        table.to_csv(folder / "results.csv")
        figures = curves_png(store)
        (folder / "curves").mkdir(exist_ok=True)
        for column, png in figures.items():
            (folder / "curves" / f"{_file_name(column)}.png").write_bytes(png)
        text = _markdown(store, table, figures)
    finally:
        store.close()
    path = folder / "report.md"
    path.write_text(text)
    return path


def _file_name(column: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in column).strip("_")


def _markdown(store: Store, table: pd.DataFrame, figures: dict[str, bytes]) -> str:
    manifest = store.get("manifest", {})
    data = store.get("dataset", {})
    trials = store.frame("trials").sort_values("position")
    lines = [
        f"# ganbench run `{store.folder.name}`",
        "",
        f"- **data set**: {data.get('name', '?')} ({data.get('shape', '?')}, {data.get('samples', '?')} samples)",
        f"- **budget**: {store.get('budget', '?')} of training per trial (evaluation excluded), "
        f"{store.get('checkpoints', '?')} checkpoints each",
        f"- **device**: {manifest.get('device', '?')}",
        f"- **trials**: {len(trials)} ({', '.join(f'{n} {s}' for s, n in trials['status'].value_counts().items())})",
        f"- **command**: `{manifest.get('command', '?')}`",
        "",
        "## Results",
        "",
        "Metrics are each trial's values at its last checkpoint. FID: lower is better, and only",
        "comparable within one feature extractor. Modes / classes covered: higher is better.",
        "steps/s counts generator steps (each with n_critic D steps) over the timed part, warm-up excluded.",
        "",
        markdown_table(table),
        "",
    ]
    if figures:
        lines += ["## Metrics against training time", ""]
        lines += [f"![{c}](curves/{_file_name(c)}.png)" for c in figures] + [""]
    pictured = trials[trials["samples"].notna()]
    if len(pictured):
        lines += ["## Samples", ""]
        for _, t in pictured.iterrows():
            lines += [f"**{t.model} / {t.loss} / {t.stabilisers} / seed {t.seed}** (`{t.id}`)", "", f"![samples]({t.samples})", ""]
    return "\n".join(lines)
