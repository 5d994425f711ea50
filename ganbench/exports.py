"""The summary table in every format, all from one long aggregate frame (ganbench.tables.aggregate).

Markdown and HTML for reading, CSV (wide: one row per configuration; long: one row per
configuration and metric) for analysis, LaTeX (booktabs) for papers. Marked cells (the
significantly best entry, or the entries tied for best) are bold in every format and named in
the CSV's ``mark`` columns.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd

KEY_NAMES = {"run": "run", "model": "model", "loss": "loss", "stabilisers": "stabilisers", "settings": "settings"}


@dataclass
class Summary:
    """The aggregate (long) and the configurations, with the columns shown, in their order."""

    long: pd.DataFrame  # tables.aggregate
    configs: pd.DataFrame  # tables.configurations
    keys: list[str]  # the identity columns shown (run is dropped for a single run)

    @property
    def metrics(self) -> list[tuple[str, str, bool]]:
        """(metric, label, higher_is_better) in first-seen order."""
        seen = self.long.drop_duplicates("metric")
        return list(zip(seen["metric"], seen["label"], seen["higher_is_better"].astype(bool)))

    def rows(self):
        """(identity dict, config row, {metric: aggregate row}) per configuration, in run order."""
        by_key = {tuple(r[k] for k in self.all_keys): r for _, r in self.long.iterrows()}
        for _, config in self.configs.iterrows():
            identity = tuple(config[k] for k in self.all_keys[:-1])
            cells = {m: by_key.get((*identity, m)) for m, _, _ in self.metrics}
            yield {k: config[k] for k in self.keys}, config, cells

    @property
    def all_keys(self) -> list[str]:
        return [c for c in self.configs.columns if c in KEY_NAMES] + ["metric"]

    @property
    def has_notes(self) -> bool:
        return bool((self.configs["notes"] != "").any())


def number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def cell_text(row, plus_minus: str = " ± ") -> str:
    if row is None:
        return ""
    text = number(row["mean"])
    if not math.isnan(row["ci_high"]):
        text += plus_minus + number(row["ci_high"] - row["mean"])
    return text


def arrow(higher: bool) -> str:
    return "↑" if higher else "↓"


# --------------------------------------------------------------------------- Markdown


def display_frame(summary: Summary) -> pd.DataFrame:
    """Strings as read: identity, seeds finished, 'mean ± CI half-width' per metric, notes."""
    records = []
    for identity, config, cells in summary.rows():
        record = dict(identity)
        record["seeds"] = f"{config['finished']}/{config['seeds']}"
        for metric, label, higher in summary.metrics:
            row = cells[metric]
            text = cell_text(row)
            record[f"{label} {arrow(higher)}"] = f"**{text}**" if row is not None and row["mark"] else text
        if summary.has_notes:
            record["notes"] = config["notes"]
        records.append(record)
    return pd.DataFrame(records)


def to_markdown(summary: Summary) -> str:
    frame = display_frame(summary)
    return frame.to_markdown(index=False) if len(frame) else "(no trials)"


# --------------------------------------------------------------------------- CSV


def to_csv_wide(summary: Summary) -> str:
    return wide_frame(summary).to_csv(index=False)


def wide_frame(summary: Summary) -> pd.DataFrame:
    """One row per configuration: seeds, then mean, CI bounds, n and mark per metric, then notes."""
    records = []
    for identity, config, cells in summary.rows():
        record = {**identity, "seeds": config["seeds"], "finished": config["finished"]}
        for metric, _, _ in summary.metrics:
            row = cells[metric]
            for field in ("mean", "ci_low", "ci_high", "n", "mark"):
                record[f"{metric} {field}"] = None if row is None else row[field]
        record["notes"] = config["notes"]
        records.append(record)
    return pd.DataFrame(records)


def to_csv_long(summary: Summary) -> str:
    return long_frame(summary).to_csv(index=False)


def long_frame(summary: Summary) -> pd.DataFrame:
    """One row per configuration and metric, with the statistics and the Welch p-value of the best."""
    keep = [k for k in summary.keys] + [
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
    ]
    return summary.long[keep].reset_index(drop=True)


# --------------------------------------------------------------------------- LaTeX

LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
LATEX_SYMBOLS = {"↑": r"$\uparrow$", "↓": r"$\downarrow$", "±": r"$\pm$", "∞": r"$\infty$"}


def latex_escape(text: object) -> str:
    return "".join(LATEX_SYMBOLS.get(c, LATEX_SPECIALS.get(c, c)) for c in str(text))


def to_latex(summary: Summary, caption: str = "", label: str = "tab:ganbench") -> str:
    """A booktabs table (\\toprule, \\midrule, \\bottomrule), one row per configuration, names escaped.

    Needs \\usepackage{booktabs} in the preamble; nothing else.
    """
    headers = [latex_escape(k) for k in summary.keys] + ["seeds"]
    headers += [f"{latex_escape(label)} {latex_escape(arrow(higher))}" for _, label, higher in summary.metrics]
    if summary.has_notes:
        headers.append("notes")
    lines = []
    for identity, config, cells in summary.rows():
        row = [latex_escape(identity[k]) for k in summary.keys] + [f"{config['finished']}/{config['seeds']}"]
        for metric, _, _ in summary.metrics:
            cell = cells[metric]
            text = cell_text(cell, r" $\pm$ ") if cell is not None else "--"
            row.append(rf"\textbf{{{text}}}" if cell is not None and cell["mark"] else text)
        if summary.has_notes:
            row.append(latex_escape(config["notes"]))
        lines.append(" & ".join(row) + r" \\")
    columns = "l" * (len(summary.keys)) + "r" + "r" * len(summary.metrics) + ("p{5cm}" if summary.has_notes else "")
    body = [
        r"\begin{table}[t]",
        r"\centering",
        r"\small",
        rf"\begin{{tabular}}{{{columns}}}",
        r"\toprule",
        " & ".join(headers) + r" \\",
        r"\midrule",
        *lines,
        r"\bottomrule",
        r"\end{tabular}",
    ]
    if caption:
        body.append(rf"\caption{{{latex_escape(caption)}}}")
    body += [rf"\label{{{label}}}", r"\end{table}"]
    return "\n".join(body) + "\n"


# --------------------------------------------------------------------------- HTML


def to_html(summary: Summary, table_id: str = "summary-table") -> str:
    """A sortable table: every cell carries its numeric value in data-sort for the page's script."""
    escape = html.escape
    head = [f'<th data-type="text">{escape(k)}</th>' for k in summary.keys] + ['<th data-type="num">seeds</th>']
    head += [
        f'<th data-type="num" title="{"higher" if h else "lower"} is better">{escape(label)} {arrow(h)}</th>'
        for _, label, h in summary.metrics
    ]
    if summary.has_notes:
        head.append('<th data-type="text">notes</th>')
    body = []
    for identity, config, cells in summary.rows():
        tds = [f"<td>{escape(str(identity[k]))}</td>" for k in summary.keys]
        tds.append(f'<td data-sort="{config["finished"]}">{config["finished"]}/{config["seeds"]}</td>')
        for metric, _, _ in summary.metrics:
            cell = cells[metric]
            if cell is None:
                tds.append('<td data-sort=""></td>')
                continue
            text = escape(cell_text(cell))
            mark = cell["mark"]
            title = (
                f' title="{"best (Welch p &lt; 0.05 vs runner-up)" if mark == "best" else "tied for best"}"'
                if mark
                else ""
            )
            text = f"<strong>{text}</strong>" if mark else text
            tds.append(
                f'<td class="num {mark}" data-sort="{float(cell["mean"])!r}"{title}>{text} <small>n={cell["n"]}</small></td>'
            )
        if summary.has_notes:
            tds.append(f'<td class="notes">{escape(config["notes"])}</td>')
        body.append("<tr>" + "".join(tds) + "</tr>")
    return (
        f'<table class="sortable" id="{table_id}"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
