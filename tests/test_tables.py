"""Aggregation over seeds: Student t intervals, Welch's t-test marks, unfinished trials kept visible."""

import math

import pandas as pd
import pytest
from scipy import stats

from ganbench import tables

KEYS = ["run", "model", "loss", "stabilisers"]


def values_frame(groups, metric="fid[x]", higher=False):
    rows = []
    for (model, loss), values in groups.items():
        for seed, value in enumerate(values):
            rows.append(
                {
                    "run": "r",
                    "model": model,
                    "loss": loss,
                    "stabilisers": "none",
                    "seed": seed,
                    "trial": f"{model}{loss}{seed}",
                    "metric": metric,
                    "label": metric,
                    "value": value,
                    "higher_is_better": higher,
                }
            )
    return pd.DataFrame(rows)


def trials_frame(values, extra=()):
    rows = [
        {
            "run": "r",
            "model": r.model,
            "loss": r.loss,
            "stabilisers": r.stabilisers,
            "seed": r.seed,
            "status": "done",
            "reason": "",
        }
        for r in values.itertuples()
    ]
    return pd.DataFrame(rows + list(extra))


def marks(aggregate):
    return dict(zip(aggregate["model"] + "/" + aggregate["loss"], aggregate["mark"]))


def test_the_interval_is_student_t_with_n_minus_1_degrees_of_freedom():
    data = pd.Series([1.0, 2.0, 4.0])
    mean, low, high = tables.t_interval(data)
    half = stats.t.ppf(0.975, 2) * data.std(ddof=1) / math.sqrt(3)
    assert mean == pytest.approx(7 / 3) and high - mean == pytest.approx(half) and mean - low == pytest.approx(half)


def test_a_clear_winner_is_marked_alone_and_direction_comes_from_the_rows():
    values = values_frame(
        {("a", "ns"): [10.0, 10.5, 9.5], ("b", "ns"): [30.0, 31.0, 29.0], ("c", "ns"): [50.0, 51.0, 49.0]}
    )
    aggregate = tables.aggregate(values, trials_frame(values), KEYS)
    assert marks(aggregate) == {"a/ns": "best", "b/ns": "", "c/ns": ""}
    assert aggregate.loc[aggregate["model"] == "a", "p_vs_runner_up"].iloc[0] < 0.05
    flipped = values.assign(higher_is_better=True)
    assert marks(tables.aggregate(flipped, trials_frame(flipped), KEYS))["c/ns"] == "best"


def test_entries_the_welch_test_cannot_separate_are_marked_together():
    values = values_frame(
        {("a", "ns"): [10.0, 14.0, 6.0], ("b", "ns"): [11.0, 16.0, 7.0], ("c", "ns"): [90.0, 91.0, 89.0]}
    )
    aggregate = tables.aggregate(values, trials_frame(values), KEYS)
    assert marks(aggregate) == {"a/ns": "tied", "b/ns": "tied", "c/ns": ""}


def test_one_seed_gets_no_interval_and_no_mark():
    values = values_frame({("a", "ns"): [10.0], ("b", "ns"): [30.0]})
    aggregate = tables.aggregate(values, trials_frame(values), KEYS)
    assert aggregate["ci_low"].isna().all() and aggregate["ci_high"].isna().all()
    assert set(aggregate["mark"]) == {""} and aggregate["n"].tolist() == [1, 1]


def test_seeds_without_spread_on_both_sides_are_never_marked_significant():
    """8, 8 against 7, 7 is no evidence that a is better: with zero variance there is no test at all."""
    equal = values_frame({("a", "ns"): [8.0, 8.0], ("b", "ns"): [8.0, 8.0]}, metric="modes", higher=True)
    assert set(tables.aggregate(equal, trials_frame(equal), KEYS)["mark"]) == {""}
    apart = values_frame({("a", "ns"): [8.0, 8.0], ("b", "ns"): [7.0, 7.0]}, metric="modes", higher=True)
    assert marks(tables.aggregate(apart, trials_frame(apart), KEYS)) == {"a/ns": "", "b/ns": ""}
    spread = values_frame({("a", "ns"): [8.0, 8.0], ("b", "ns"): [6.0, 7.0]}, metric="modes", higher=True)
    # One side varies: Welch's test exists (t = 3 on 1 degree of freedom, p = 0.205) and cannot separate them.
    assert tables.welch_p(pd.Series([8.0, 8.0]), pd.Series([6.0, 7.0])) == pytest.approx(0.2048, abs=1e-3)
    assert marks(tables.aggregate(spread, trials_frame(spread), KEYS)) == {"a/ns": "tied", "b/ns": "tied"}


def test_configurations_count_finished_seeds_and_keep_every_reason():
    values = values_frame({("a", "ns"): [1.0, 2.0]})
    extra = [
        {
            "run": "r",
            "model": "a",
            "loss": "ns",
            "stabilisers": "none",
            "seed": 2,
            "status": "diverged",
            "reason": "loss not finite at step 7",
        },
        {
            "run": "r",
            "model": "p",
            "loss": "ns",
            "stabilisers": "none",
            "seed": 0,
            "status": "skipped",
            "reason": "images only",
        },
        {
            "run": "r",
            "model": "p",
            "loss": "ns",
            "stabilisers": "none",
            "seed": 1,
            "status": "skipped",
            "reason": "images only",
        },
    ]
    configs = tables.configurations(trials_frame(values, extra), KEYS).set_index("model")
    assert (configs.loc["a", "seeds"], configs.loc["a", "finished"]) == (3, 2)
    assert configs.loc["a", "notes"] == "diverged (seed 2): loss not finite at step 7"
    assert configs.loc["p", "notes"] == "skipped (seeds 0, 1): images only" and configs.loc["p", "finished"] == 0
