"""Published numbers (registries/references.toml) beside measured ones, with the protocol difference.

An entry applies to a run when its data set is the run's and its metric is one the run measured
(with the same feature extractor, where the entry names one). The report then shows the
published figure, marked as published, next to the run's configurations, and says how the
published protocol differs from the run's (budget, architecture, feature extractor, samples).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ganbench import catalogue


@dataclass
class Match:
    key: str
    entry: dict
    metric: str  # the run's metric column, e.g. 'fid[inception-v3-compat]'
    label: str
    measured: pd.DataFrame  # the aggregate rows of that column
    difference: str  # how the run's protocol differs from the paper's

    @property
    def published(self) -> str:
        """'17.3 ± 0.8 (standard error over 10 trials)': the ± always says what it is."""
        value = f"{self.entry['value']:g}"
        if "spread_value" not in self.entry:
            return value
        return f"{value} ± {self.entry['spread_value']:g} ({self.entry.get('spread', 'spread not stated')})"


def matches(aggregate: pd.DataFrame, facts: dict, entries: dict | None = None) -> list[Match]:
    """The catalogue entries that apply to a run, each with the run's measured rows."""
    entries = catalogue.load("references") if entries is None else entries
    dataset = str(facts.get("dataset", {}).get("name", "")).partition(":")[0]
    found = []
    for key, entry in entries.items():
        if entry.get("dataset") != dataset or aggregate.empty:
            continue
        for metric, rows in aggregate.groupby("metric", sort=False):
            name, _, extractor = metric.partition("[")
            extractor = extractor.rstrip("]")
            if name != entry.get("metric"):
                continue
            if entry.get("extractor") and extractor and entry["extractor"] != extractor:
                continue
            found.append(
                Match(key, entry, metric, rows["label"].iloc[0], rows, difference(entry, facts, rows, extractor))
            )
    return found


def difference(entry: dict, facts: dict, rows: pd.DataFrame, extractor: str) -> str:
    models = ", ".join(sorted({f"{r.model}/{r.loss}/{r.stabilisers}" for r in rows.itertuples()}))
    parts = [
        f"published: {entry.get('protocol', 'protocol not recorded')}",
        f"here: {facts.get('budget', '?')} of training per trial ({models})",
    ]
    if extractor:
        parts.append(f"feature extractor here: {extractor}")
    return "; ".join(parts)


def citation(entry: dict) -> str:
    text = f"{entry.get('paper', '?')}, {entry.get('table', '')}".rstrip(", ")
    return text + (f"; {entry['source']}" if entry.get("source") else "")


def frame(found: list[Match]) -> pd.DataFrame:
    """Per metric, every published figure, then this run's configurations once beneath them."""
    rows = []
    by_metric: dict[str, list[Match]] = {}
    for match in found:
        by_metric.setdefault(match.metric, []).append(match)
    for matches in by_metric.values():
        for match in matches:
            rows.append(
                {
                    "metric": match.label,
                    "entry": match.entry.get("method", match.key),
                    "kind": "published",
                    "value": match.published,
                    "n": "",
                    "source": citation(match.entry),
                    "protocol": match.difference,
                }
            )
        for r in matches[0].measured.itertuples():
            value = f"{r.mean:.3g}" + (f" ± {r.ci_high - r.mean:.2g} (95% CI)" if r.ci_high == r.ci_high else "")
            settings = f" [{r.settings}]" if getattr(r, "settings", "") else ""
            rows.append(
                {
                    "metric": matches[0].label,
                    "entry": f"{r.model}/{r.loss}/{r.stabilisers}{settings}",
                    "kind": "measured",
                    "value": value,
                    "n": r.n,
                    "source": "this run",
                    "protocol": "",
                }
            )
    return pd.DataFrame(rows, columns=["metric", "entry", "kind", "value", "n", "source", "protocol"])
