"""Nothing hangs for ever: a trial that stops making progress ends 'timeout', naming what hung."""

import sqlite3
import time

import pytest

from ganbench.budget import Budget
from ganbench.cli import main
from ganbench.watchdog import TrialTimeout, Watchdog, progress, seconds_for


def test_the_alarm_rings_only_without_progress():
    with Watchdog(0.3):
        for _ in range(6):  # 0.6 s in all, but never 0.3 s without progress
            time.sleep(0.1)
            progress()
    with pytest.raises(TrialTimeout, match="no progress for 0.3 s"), Watchdog(0.3):
        time.sleep(5)
    time.sleep(0.4)  # disarmed on the way out: nothing rings later


def test_the_default_scales_with_a_long_time_budget():
    assert seconds_for(Budget("steps", 100), None) == 600
    assert seconds_for(Budget("seconds", 3600), None) == 1800
    assert seconds_for(Budget("seconds", 60), 5.0) == 5.0


def test_a_metric_that_hangs_is_ended_and_the_next_trial_finishes(tmp_path, capsys):
    import hang_plugin

    hang_plugin.CALLS["compute"] = 0
    out = tmp_path / "run"
    arguments = ["--plugin", "toy_plugin", "--plugin", "hang_plugin", "run", "--models", "toy-mlp", "--losses"]
    arguments += ["toy-ns", "--dataset", "toy-line", "--budget", "6steps", "--checkpoints", "1", "--seeds", "2"]
    started = time.perf_counter()
    assert main([*arguments, "--metrics", "hangs-once", "--trial-timeout", "2", "--out", str(out)]) == 0
    assert time.perf_counter() - started < 60
    with sqlite3.connect(out / "results.sqlite") as db:
        rows = dict(db.execute("SELECT seed, status || ': ' || reason FROM trials").fetchall())
    assert rows[0].startswith("timeout: TrialTimeout: no progress for 2 s") and "(in hang_plugin)" in rows[0]
    assert rows[1] == "done: "
