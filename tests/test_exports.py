"""The summary table's formats: LaTeX ready for a paper (booktabs, escaped), Markdown, CSV, HTML."""

import io
import re

import pandas as pd

from ganbench import exports, tables

KEYS = ["run", "model", "loss", "stabilisers"]


def summary():
    rows = []
    data = {
        ("my_model", "ns"): [10.0, 10.5, 9.5],
        ("dcgan", "50%&hinge"): [30.0, 31.0, 29.0],
        ("wgan", "w#1"): [50.0, 51.0, 49.0],
    }
    for (model, loss), values in data.items():
        for seed, value in enumerate(values):
            rows.append(
                {
                    "run": "r",
                    "model": model,
                    "loss": loss,
                    "stabilisers": "gp+sn",
                    "seed": seed,
                    "trial": f"{model}{seed}",
                    "metric": "fid[feat_net]",
                    "label": "FID (feat_net, 500 samples)",
                    "value": value,
                    "higher_is_better": False,
                }
            )
    values = pd.DataFrame(rows)
    trials = values[["run", "model", "loss", "stabilisers", "seed"]].assign(status="done", reason="")
    skipped = pd.DataFrame(
        [
            {
                "run": "r",
                "model": "picky",
                "loss": "ns",
                "stabilisers": "none",
                "seed": 0,
                "status": "skipped",
                "reason": "needs images, got vector 2",
            }
        ]
    )
    trials = pd.concat([trials, skipped], ignore_index=True)
    return exports.Summary(tables.aggregate(values, trials, KEYS), tables.configurations(trials, KEYS), KEYS[1:])


def test_latex_is_a_booktabs_table_with_one_row_per_configuration_and_escaped_names():
    text = exports.to_latex(summary(), caption="fid_x: 5% of runs")
    lines = text.splitlines()
    assert lines.count(r"\toprule") == lines.count(r"\midrule") == lines.count(r"\bottomrule") == 1
    top, mid, bottom = lines.index(r"\toprule"), lines.index(r"\midrule"), lines.index(r"\bottomrule")
    assert top < mid < bottom and lines[top + 1].endswith(r"\\") and mid == top + 2
    body = lines[mid + 1 : bottom]
    assert len(body) == 4 and all(line.endswith(r"\\") for line in body)  # 3 measured + 1 skipped configuration
    columns = len(re.findall(r"(?<!\\)&", lines[top + 1]))
    assert all(len(re.findall(r"(?<!\\)&", line)) == columns for line in body)  # every row has every column
    assert r"my\_model" in text and r"50\%\&hinge" in text and r"w\#1" in text and r"feat\_net" in text
    assert r"\caption{fid\_x: 5\% of runs}" in text
    assert re.search(r"\\textbf\{10 \$\\pm\$ [0-9.]+\}", text)  # the significant best is bold
    assert text.count(r"\textbf") == 1 and r"$\downarrow$" in text
    assert "needs images, got vector 2" in text  # the skipped configuration keeps its reason
    assert not re.search(r"(?<!\\)[%#_]", text)  # no bare special character anywhere


def test_markdown_bolds_the_best_and_shows_seeds_and_notes():
    text = exports.to_markdown(summary())
    assert "**10 ± " in text and "3/3" in text and "0/1" in text and "skipped (seed 0): needs images" in text
    assert "FID (feat_net, 500 samples) ↓" in text


def test_csv_long_and_wide_hold_the_same_numbers():
    s = summary()
    long = pd.read_csv(io.StringIO(exports.to_csv_long(s)))
    wide = pd.read_csv(io.StringIO(exports.to_csv_wide(s)))
    assert len(long) == 3 and len(wide) == 4
    best = long[long["mark"] == "best"].iloc[0]
    assert best["model"] == "my_model" and best["n"] == 3 and best["p_vs_runner_up"] < 0.05
    row = wide[wide["model"] == "my_model"].iloc[0]
    assert row["fid[feat_net] mean"] == best["mean"] and row["fid[feat_net] ci_low"] == best["ci_low"]


def test_html_cells_carry_their_numbers_for_sorting_and_escape_names():
    text = exports.to_html(summary())
    assert 'class="sortable"' in text and 'data-sort="10.0"' in text and "50%&amp;hinge" in text
    assert "<strong>" in text and text.count("<tr>") == 5
