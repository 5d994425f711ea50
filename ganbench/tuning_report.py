"""What a tuned run's report says about its tuning, from the database alone.

Per variant: every configuration with its selection score, the one chosen, the spread of the
scores (a strip plot), and the expected best score after k configurations, k = 1..N (Dodge et al.
2019, computed exactly from the N results), one curve per variant, so a reader sees whether a
method wins at every tuning budget or only at the largest.
"""

from __future__ import annotations

import html
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from ganbench.pictures import figure_png  # noqa: E402
from ganbench.search import expected_best  # noqa: E402
from ganbench.store import Store  # noqa: E402


def tuning_frame(store: Store) -> pd.DataFrame:
    """One row per tuning trial: variant, configuration, its score (NaN if it failed), status, chosen."""
    facts = store.get("tuning")
    if not facts:
        return pd.DataFrame()
    trials = store.frame("trials").set_index("id")
    metrics = store.frame("metrics")
    mine = metrics[metrics["name"] == facts["select"]]
    last = mine[mine["checkpoint"] == mine.groupby("trial_id")["checkpoint"].transform("max")].set_index("trial_id")
    rows = []
    for variant in facts["variants"]:
        for index, (config, trial_id) in enumerate(zip(variant["configs"], variant["trials"])):
            status = trials.loc[trial_id, "status"] if trial_id in trials.index else "not run"
            done = status == "done" and trial_id in last.index
            rows.append({
                "variant": variant["name"],
                "configuration": index + 1,
                "values": ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(config.items())),
                "score": float(last.loc[trial_id, "value"]) if done else math.nan,
                "status": status,
                "chosen": index == variant["best"],
                "higher_is_better": bool(last["higher_is_better"].iloc[0]) if len(last) else False,
            })  # fmt: skip
    return pd.DataFrame(rows)


def summary_lines(store: Store, frame: pd.DataFrame) -> list[str]:
    """The Markdown section: the protocol in one paragraph, then the best configuration of each variant."""
    facts = store.get("tuning")
    higher = bool(frame["higher_is_better"].iloc[0])
    lines = [
        "## Tuning",
        "",
        f"Every variant tried the same number of configurations, {facts['n']}, drawn from a scrambled Sobol "
        f"sequence (seed {facts['sobol_seed']}) over its search space, each trained with seed 0 under the run's "
        f"budget and scored by `{facts['select']}` ({'higher' if higher else 'lower'} is better) against the half "
        "of the real data kept for selection; the best configuration of each was then trained again with the "
        "run's seeds, scored against the other half, for the table above (rows 'tuned: best of "
        f"{facts['n']}').",
        "",
        "| variant | best configuration | its score | scores of all (median, range) | failed |",
        "|:--|:--|--:|:--|--:|",
    ]
    for name, group in frame.groupby("variant", sort=False):
        chosen = group[group["chosen"]]
        scores = group["score"].dropna()
        spread = f"{scores.median():.3g} ({scores.min():.3g} to {scores.max():.3g})" if len(scores) else "none"
        best = f"{chosen['values'].iloc[0]}" if len(chosen) else "none finished"
        score = f"{chosen['score'].iloc[0]:.3g}" if len(chosen) else ""
        cells = [html.escape(name), html.escape(best), score, spread, str(int(group["score"].isna().sum()))]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return lines + [""]


def expected_best_curves(frame: pd.DataFrame, score: str = "score") -> bytes:
    """Per variant, the expected best score after k configurations (mean ± one std over the k-subsets)."""
    higher = bool(frame["higher_is_better"].iloc[0])
    figure, axes = plt.subplots(figsize=(5.7, 3.4), dpi=100)
    for name, group in frame.groupby("variant", sort=False):
        scores = group["score"].dropna().tolist()
        if not scores:
            continue
        curve = expected_best(scores, higher_is_better=higher)
        k = list(range(1, len(curve) + 1))
        mean = [m for m, _ in curve]
        (line,) = axes.plot(k, mean, marker="o", ms=3, label=name)
        low = [m - s for m, s in curve]
        high = [m + s for m, s in curve]
        axes.fill_between(k, low, high, color=line.get_color(), alpha=0.15, linewidth=0)
    axes.set_xlabel("configurations tried (k)")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(f"expected best {score} ({'higher' if higher else 'lower'} is better)", fontsize=8)
    axes.set_title("expected best score after k configurations (Dodge et al. 2019)", fontsize=9)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=6)
    return figure_png(figure)


def score_strips(frame: pd.DataFrame) -> bytes:
    """Every configuration's score per variant (the chosen one ringed): how much the setting matters."""
    names = list(dict.fromkeys(frame["variant"]))
    figure, axes = plt.subplots(figsize=(5.7, 0.9 + 0.35 * len(names)), dpi=100)
    for row, name in enumerate(names):
        group = frame[frame["variant"] == name]
        axes.scatter(group["score"], [row] * len(group), s=14, alpha=0.7)
        chosen = group[group["chosen"]]
        axes.scatter(chosen["score"], [row] * len(chosen), s=70, facecolors="none", edgecolors="black")
    axes.set_yticks(range(len(names)), names, fontsize=7)
    axes.set_xlabel("selection score of each configuration (ringed: chosen)", fontsize=8)
    axes.grid(alpha=0.3, axis="x")
    return figure_png(figure)


def tuning_html(store: Store, frame: pd.DataFrame) -> str:
    """The HTML section: the same paragraph and table as report.md, every configuration, both figures."""
    from ganbench.html_report import image

    lines = summary_lines(store, frame)
    intro = html.escape(lines[2])
    best = frame[frame["chosen"]][["variant", "values", "score"]]
    every = frame[["variant", "configuration", "values", "score", "status", "chosen"]]
    return (
        f'<p class="note">{intro}</p>'
        f'<div class="scroll">{best.to_html(index=False, escape=True, float_format=lambda v: f"{v:.4g}")}</div>'
        f"<figure>{image(expected_best_curves(frame, store.get('tuning')['select']), 'expected best after k configurations')}"
        "<figcaption>expected best score after k configurations (mean ± std over k-subsets)</figcaption></figure>"
        f"<figure>{image(score_strips(frame), 'scores of every configuration')}"
        "<figcaption>every configuration's score; ringed: the one chosen</figcaption></figure>"
        "<details><summary>every configuration</summary>"
        f'<div class="scroll">{every.to_html(index=False, escape=True, float_format=lambda v: f"{v:.4g}")}</div>'
        "</details>"
    )
