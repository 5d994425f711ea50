"""Numbers from the results database: per-trial values, and their aggregate over seeds.

A configuration is (model, loss, stabilisers), plus the run it came from when several runs are
compared. Per configuration and metric the aggregate holds the mean of the seeds' last-checkpoint
values, a Student t 95% confidence interval and the number of seeds behind it. The best entry
of each metric column is marked only where Welch's t-test (unequal variances) separates it from
the runner-up at p < 0.05; otherwise every entry that the test cannot tell from the best is
marked with it as tied. With one seed there is no interval and no test, and nothing is marked.
"""

from __future__ import annotations

import json
import math
import re
import warnings

import pandas as pd
from scipy import stats

from ganbench.store import Store

CONFIG = ["model", "loss", "stabilisers", "settings"]  # settings: what --set or --tune chose ("" when nothing)
IDENTITY = [*CONFIG, "seed"]


def trials_of(store: Store) -> pd.DataFrame:
    """The trials table in position order, with the columns older databases lack filled in."""
    trials = store.frame("trials").sort_values("position")
    for column in ("settings", "phase"):
        trials[column] = trials[column].fillna("") if column in trials else ""
    return trials


def varying_hparams(trials: pd.DataFrame) -> pd.DataFrame:
    """The hyper-parameters (and components' own parameters) that differ between a run's trials, by trial id."""
    rows = {}
    for trial_id, text in zip(trials["id"], trials["config"]):
        config = json.loads(text)
        hparams = dict(config.get("hparams", {}))
        values = {k: v for k, v in hparams.items() if k != "model_params"}
        values |= hparams.get("model_params", {}) | config.get("loss_params", {})
        rows[trial_id] = {k: str(v) if isinstance(v, list) else v for k, v in values.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    varying = [c for c in frame.columns if frame[c].astype(str).nunique(dropna=False) > 1]
    return frame[varying]


CONFIDENCE = 0.95
ALPHA = 0.05

STATISTICS_NOTE = (
    "Each cell is the mean over seeds of the value at the last checkpoint, ± the half-width of a "
    "Student t 95% confidence interval (n - 1 degrees of freedom). The best entry of a column is in "
    "bold only where Welch's t-test (unequal variances, two-sided) separates it from the runner-up "
    "at p < 0.05; otherwise the entries that the test cannot tell from the best are in bold together. "
    "With a single seed, or when the values compared do not vary over seeds, there is no test and "
    "nothing is marked."
)


def legacy_header(column: str, n_samples: float | None) -> str:
    """A heading for rows stored before measurements carried their own: 'fid[x]' -> 'fid (x, 1797 samples)'."""
    name, _, extractor = column.partition("[")
    qualifiers = [extractor.rstrip("]")] if extractor else []
    if n_samples and not pd.isna(n_samples):
        qualifiers.append(f"{int(n_samples)} samples")
    return f"{name} ({', '.join(qualifiers)})" if qualifiers else name


def final_metrics(metrics: pd.DataFrame) -> pd.DataFrame:
    """Each trial's metrics at its last checkpoint, one column per (metric, extractor)."""
    if metrics.empty:
        return pd.DataFrame(index=pd.Index([], name="trial_id"))
    last = metrics[metrics["checkpoint"] == metrics.groupby("trial_id")["checkpoint"].transform("max")]
    return last.pivot_table(index="trial_id", columns="column_name", values="value", aggfunc="last")


def metric_info(metrics: pd.DataFrame) -> pd.DataFrame:
    """Per metric column: its label (the heading its measurements carry), direction and sample count."""
    if metrics.empty:
        return pd.DataFrame(columns=["label", "higher_is_better", "n_samples"])
    if "header" not in metrics.columns:
        metrics = metrics.assign(header=None)
    info = metrics.groupby("column_name").agg(
        higher_is_better=("higher_is_better", "max"), n_samples=("n_samples", "max"), header=("header", "last")
    )
    info["higher_is_better"] = info["higher_is_better"].astype(bool)
    info["label"] = [
        header if isinstance(header, str) and header else legacy_header(column, n)
        for column, n, header in zip(info.index, info["n_samples"], info["header"])
    ]
    return info.drop(columns="header")


def trial_table(store: Store) -> pd.DataFrame:
    """One row per trial: identity, status, final metrics, throughput, the budget used and why it stopped."""
    trials = trials_of(store).set_index("id")
    metrics = store.frame("metrics")
    info = metric_info(metrics)
    table = trials[IDENTITY + ["status"]].copy()
    if not (table["settings"] != "").any():
        table = table.drop(columns="settings")
    if (trials["phase"] != "").any():
        table.insert(0, "phase", trials["phase"])
    varying = varying_hparams(trials.reset_index()) if len(trials) else pd.DataFrame()
    for column in varying.columns:
        table[column] = varying[column]
    table.attrs["hyper-parameters"] = list(varying.columns)  # the terminal leaves them to the report
    finals = final_metrics(metrics)
    for column in finals.columns:
        table[info.loc[column, "label"]] = finals[column]
    table["steps/s"] = trials["steps_per_s"]
    table["images/s"] = trials["images_per_s"]
    table["steps"] = trials["steps"]
    table["train s"] = trials["train_seconds"]
    table["eval s"] = trials["eval_seconds"]
    table["data wait %"] = 100 * trials["data_wait_share"]
    table["GFLOP/step"] = trials["gflop_per_step"] if "gflop_per_step" in trials else float("nan")
    table["TFLOP used"] = trials["flops"] / 1e12 if "flops" in trials else float("nan")
    table["threads"] = trials["threads"] if "threads" in trials else float("nan")
    if trials["peak_memory_mb"].notna().any():  # a GPU's: training's peak, and evaluation's apart
        table["train peak MiB"] = trials["peak_memory_mb"]
        table["eval peak MiB"] = trials["eval_peak_memory_mb"] if "eval_peak_memory_mb" in trials else float("nan")
    table["device"] = trials["device_info"].fillna("") if "device_info" in trials else ""
    evaluated = trials["evaluated"].fillna("G") if "evaluated" in trials else None
    if evaluated is not None and (evaluated != "G").any():  # some trials were scored on G's moving average
        table.insert(table.columns.get_loc("status") + 1, "evaluated", evaluated)
    remarks = trials[["reason", "notes"]].fillna("")
    table["notes"] = (remarks["reason"] + "; " + remarks["notes"]).str.strip("; ")
    table.index.name = "trial"
    return table


def final_values(store: Store, run: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values, trials): one row per finished trial and metric, and one row per trial.

    ``values`` columns: run, model, loss, stabilisers, seed, trial, metric, label, value, higher_is_better.
    """
    trials = trials_of(store)
    trials = trials[trials["phase"] != "tune"]  # a tuning trial chose a configuration; it is no contestant
    metrics = store.frame("metrics")
    info = metric_info(metrics)
    run = run if run is not None else store.folder.name
    trials.insert(0, "run", run)
    finals = final_metrics(metrics).stack().rename("value").reset_index()
    finals.columns = ["trial", "metric", "value"]
    done = trials[trials["status"] == "done"].set_index("id")
    finals = finals[finals["trial"].isin(done.index)]
    values = finals.join(done[["run", *IDENTITY]], on="trial")
    values["label"] = values["metric"].map(info["label"])
    values["higher_is_better"] = values["metric"].map(info["higher_is_better"])
    return values.reset_index(drop=True), trials


def t_interval(values: pd.Series) -> tuple[float, float, float]:
    """(mean, low, high) of a Student t interval; NaN bounds with fewer than 2 values."""
    n, mean = len(values), float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan
    sem = float(values.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * sem
    return mean, mean - half, mean + half


def welch_p(a: pd.Series, b: pd.Series) -> float:
    """Two-sided Welch t-test p-value; NaN when either side has fewer than 2 values."""
    if len(a) < 2 or len(b) < 2:
        return math.nan
    scale = max(1.0, abs(float(a.mean())), abs(float(b.mean())))
    if a.std(ddof=1) <= 1e-9 * scale and b.std(ddof=1) <= 1e-9 * scale:
        # Seeds that all give one value (classes covered: 10, 10, 10) show no spread to test against:
        # there is no evidence either way, so no significance is claimed.
        return math.nan
    with warnings.catch_warnings():  # nearly constant seeds: scipy warns about precision, the p-value stands
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def aggregate(values: pd.DataFrame, trials: pd.DataFrame, keys: list[str] | None = None) -> pd.DataFrame:
    """The long aggregate: one row per (configuration, metric) with n, mean, std, CI and the mark.

    ``mark`` is "best" (significantly better than the runner-up), "tied" (best, or not
    separable from it), or "" (not marked; also every entry when a test was impossible).
    """
    keys = keys or ["run", *CONFIG]
    rows = []
    for key, group in values.groupby(keys + ["metric"], sort=False):
        mean, low, high = t_interval(group["value"])
        rows.append(
            {
                **dict(zip(keys + ["metric"], key)),
                "label": group["label"].iloc[0],
                "higher_is_better": bool(group["higher_is_better"].iloc[0]),
                "n": len(group),
                "mean": mean,
                "std": float(group["value"].std(ddof=1)) if len(group) > 1 else math.nan,
                "ci_low": low,
                "ci_high": high,
                "mark": "",
                "p_vs_runner_up": math.nan,
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            *keys,
            "metric",
            "label",
            "higher_is_better",
            "n",
            "mean",
            "std",
            "ci_low",
            "ci_high",
            "mark",
            "p_vs_runner_up",
        ],
    )
    for metric, rows_of_metric in frame.groupby("metric", sort=False):
        _mark(frame, rows_of_metric, values[values["metric"] == metric], keys)
    return frame


def _mark(frame: pd.DataFrame, entries: pd.DataFrame, values: pd.DataFrame, keys: list[str]) -> None:
    if len(entries) < 2:
        return
    ascending = not bool(entries["higher_is_better"].iloc[0])
    ranked = entries.sort_values("mean", ascending=ascending)
    samples = {index: _values_of(values, row, keys) for index, row in ranked.iterrows()}
    best, runner_up = ranked.index[0], ranked.index[1]
    p = welch_p(samples[best], samples[runner_up])
    frame.loc[best, "p_vs_runner_up"] = p
    if math.isnan(p):
        return  # a single seed somewhere at the top: no significance claim
    if p < ALPHA:
        frame.loc[best, "mark"] = "best"
        return
    frame.loc[best, "mark"] = "tied"
    for index in ranked.index[1:]:
        p_other = welch_p(samples[best], samples[index])
        if not math.isnan(p_other) and p_other >= ALPHA:
            frame.loc[index, "mark"] = "tied"


def _values_of(values: pd.DataFrame, row: pd.Series, keys: list[str]) -> pd.Series:
    selected = values
    for key in keys:
        selected = selected[selected[key] == row[key]]
    return selected["value"]


def configurations(trials: pd.DataFrame, keys: list[str] | None = None) -> pd.DataFrame:
    """Per configuration: seeds run, seeds finished, and every unfinished trial with its reason."""
    keys = keys or ["run", *CONFIG]
    rows = []
    for key, group in trials.groupby(keys, sort=False):
        unfinished = group[group["status"] != "done"]
        reasons = []
        for (status, reason), same in unfinished.groupby(["status", unfinished["reason"].fillna("")], sort=False):
            seeds = ", ".join(map(str, same["seed"]))
            reasons.append(f"{status} (seed{'s' if len(same) > 1 else ''} {seeds})" + (f": {reason}" if reason else ""))
        rows.append(
            {
                **dict(zip(keys, key)),
                "seeds": len(group),
                "finished": int((group["status"] == "done").sum()),
                "notes": "; ".join(reasons),
            }
        )
    return pd.DataFrame(rows, columns=[*keys, "seeds", "finished", "notes"])


def hyperparameters(trials: pd.DataFrame, components: dict | None = None) -> pd.DataFrame:
    """Per distinct configuration, what its trials trained with: the model's hyper-parameters as each trial
    recorded them, and every component's own parameters, the declared defaults (where the run recorded its
    components) overridden by those the run set."""
    rows: dict[tuple, dict] = {}
    for r in trials.itertuples():
        config = json.loads(r.config)
        hparams = dict(config.get("hparams", {}))
        params = _parameters(config, hparams.pop("model_params", {}), components or {})
        values = {k: ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in hparams.items()}
        name = f"{r.model}/{r.loss}/{r.stabilisers}" + (f" [{r.settings}]" if getattr(r, "settings", "") else "")
        row = {**values, "parameters": params}
        key = (name, *map(str, row.values()))  # seeds of one configuration share a row
        rows.setdefault(key, {"configuration": name, "trials": 0, **row})["trials"] += 1
    return pd.DataFrame(list(rows.values()))


def _parameters(config: dict, model_params: dict, components: dict) -> str:
    """'dcgan width=64; hinge margin=1.0; gp lambda=10.0': each component's own parameters, resolved."""

    def declared(component: str) -> dict:
        return dict(components.get(component, {}).get("params") or {})

    parts = [(config["model"], {**declared(f"model {config['model']}"), **model_params})]
    parts.append((config["loss"], {**declared(f"loss {config['loss']}"), **config.get("loss_params", {})}))
    for choice in config.get("stabilisers", "none").split("+"):
        name, _, given = choice.partition(":")
        pairs = dict(p.split("=", 1) for p in re.split(r"[,:]", given) if "=" in p)
        parts.append((name, {**declared(f"stabiliser {name}"), **pairs}))
    shown = [f"{name} " + ", ".join(f"{k}={v}" for k, v in sorted(values.items())) for name, values in parts if values]
    return "; ".join(shown)
