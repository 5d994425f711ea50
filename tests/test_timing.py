"""The run's time split: its parts add up to the wall time, and training is what the trials report."""

import sqlite3
import time

import pytest

from ganbench.cli import main
from ganbench.store import Store
from ganbench.timing import TimeSplit


def test_sequential_parts_add_up_to_the_wall_time():
    split = TimeSplit(start_up=2.0, preparation=3.0, trials_wall=95.0, training=80.0, evaluation=10.0, trials=4)
    assert not split.parallel
    assert split.parts() == {"start-up": 2.0, "preparation": 3.0, "training": 80.0, "evaluation": 10.0, "other": 5.0}
    assert split.training_share() == pytest.approx(0.8)
    assert "training 80.0 s (80%)" in split.text() and "100.0 s wall" in split.text()


def test_parallel_trials_are_worker_seconds_without_an_other_part():
    split = TimeSplit(start_up=1.0, preparation=1.0, trials_wall=50.0, training=90.0, evaluation=8.0, trials=8)
    assert split.parallel and "other" not in split.parts()
    assert split.training_share() == pytest.approx(90 / 100)
    assert "summed over parallel workers" in split.text()


def test_a_run_stores_its_split_and_the_report_states_it(tmp_path):
    out = tmp_path / "run"
    before = time.perf_counter()
    assert (
        main(
            [
                "--plugin",
                "toy_plugin",
                "run",
                "--models",
                "toy-mlp",
                "--losses",
                "toy-ns",
                "--dataset",
                "toy-line",
                "--budget",
                "30steps",
                "--seeds",
                "2",
                "--metrics",
                "mean-gap",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    wall = time.perf_counter() - before
    store = Store.open_existing(out)
    split = TimeSplit(**store.get("time_split"))
    store.close()
    with sqlite3.connect(out / "results.sqlite") as db:
        training, evaluation = db.execute("SELECT sum(train_seconds), sum(eval_seconds) FROM trials").fetchone()
    assert split.trials == 2
    # The two seeds trained as one batched ensemble: the seconds they shared are counted once.
    assert split.training == pytest.approx(training / 2) and split.evaluation == pytest.approx(evaluation)
    assert split.training + split.evaluation <= split.trials_wall <= wall  # trials ran one after another
    assert "time split" in (out / "report.md").read_text() and "time split" in (out / "report.html").read_text()
