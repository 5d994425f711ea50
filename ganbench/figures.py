"""The report's figures, as PNG bytes: metric curves with the seed spread, training curves, throughput."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ganbench.pictures import figure_png  # noqa: E402

CONFIG = ["model", "loss", "stabilisers", "settings"]


def config_name(row) -> str:
    return f"{row['model']}/{row['loss']}/{row['stabilisers']}"


def metric_curves(metrics: pd.DataFrame, trials: pd.DataFrame, labels: dict[str, str]) -> dict[str, bytes]:
    """One figure per metric column: per configuration, the mean over seeds against training seconds,
    with the seeds' min-max range shaded (a lone seed is a plain line)."""
    if metrics.empty:
        return {}
    identity = trials.set_index("id").reindex(columns=CONFIG).astype(object).fillna("")
    rows = metrics.join(identity, on="trial_id")
    figures = {}
    for column, points in rows.groupby("column_name", sort=False):
        figure, axes = plt.subplots(figsize=(5.7, 3.4), dpi=100)
        for name, group in points.groupby(CONFIG, sort=False):
            by_checkpoint = group.groupby("checkpoint").agg(
                seconds=("seconds", "mean"),
                mean=("value", "mean"),
                low=("value", "min"),
                high=("value", "max"),
                seeds=("trial_id", "nunique"),
            )
            label = "/".join(map(str, name)) + f" ({group['trial_id'].nunique()} seeds)"
            (line,) = axes.plot(by_checkpoint["seconds"], by_checkpoint["mean"], marker="o", ms=3, label=label)
            if by_checkpoint["seeds"].max() > 1:
                axes.fill_between(
                    by_checkpoint["seconds"],
                    by_checkpoint["low"],
                    by_checkpoint["high"],
                    color=line.get_color(),
                    alpha=0.2,
                    linewidth=0,
                )
        axes.set_xlabel("training seconds (evaluation excluded)")
        axes.set_ylabel(labels.get(column, column), fontsize=8)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7)
        figures[column] = figure_png(figure)
    return figures


def training_curves(scalars: pd.DataFrame, title: str) -> bytes:
    """Losses (left) and mean D(x), D(G(z)) (middle) against training seconds, for one trial; any other
    scalar the trial logged (a stabiliser's own, such as ADA's p) in a third panel on the right. A model
    with its own objective logs no D: its terms (a VAE's loss, reconstruction and KL) are its one panel."""
    logged = set(scalars["name"])
    panels = [("losses", ("d_loss", "g_loss")), ("discriminator outputs", ("d_real", "d_fake"))]
    panels = [(heading, names) for heading, names in panels if logged & set(names)]
    own = [name for name in dict.fromkeys(scalars["name"]) if name not in SCALAR_LABELS]
    if own:  # a stabiliser's values beside the losses, or a model's own objective's terms alone
        panels.append(("stabilisers" if panels else "objective", tuple(own)))
    panels = panels or [("losses", ("d_loss", "g_loss"))]
    figure, axes_row = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 2.4), dpi=90, squeeze=False)
    for axes, (heading, names) in zip(axes_row[0], panels):
        for name in names:
            series = scalars[scalars["name"] == name].sort_values("seconds")
            if len(series):
                drawn = "steps-post" if heading == "stabilisers" else "default"  # a value holds until it changes
                axes.plot(
                    series["seconds"], series["value"], label=SCALAR_LABELS.get(name, name), lw=1, drawstyle=drawn
                )
        axes.set_xlabel("training seconds", fontsize=8)
        axes.set_title(heading, fontsize=8)
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3)
        if axes.lines:
            axes.legend(fontsize=7)
    figure.suptitle(title, fontsize=8)
    return figure_png(figure)


SCALAR_LABELS = {"d_loss": "D loss", "g_loss": "G loss", "d_real": "mean D(x)", "d_fake": "mean D(G(z))"}


def throughput_and_budget(trials: pd.DataFrame) -> bytes | None:
    """Per trial: generator steps/s, and the budget actually used (steps and training seconds)."""
    ran = trials[trials["steps"].fillna(0) > 0]
    if ran.empty:
        return None
    names = [f"{config_name(r)}/s{r['seed']}" for _, r in ran.iterrows()]
    height = 1.2 + 0.28 * len(ran)
    figure, axes = plt.subplots(1, 3, figsize=(9.6, height), dpi=90, sharey=True)
    colours = ["tab:green" if s == "done" else "tab:red" for s in ran["status"]]
    for ax, column, title in (
        (axes[0], "steps_per_s", "generator steps/s"),
        (axes[1], "steps", "steps used"),
        (axes[2], "train_seconds", "training seconds used"),
    ):
        ax.barh(names, ran[column].fillna(0), color=colours)
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    axes[0].invert_yaxis()
    return figure_png(figure)
