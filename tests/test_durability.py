"""Never lose a result: SIGKILL loses at most the trials in flight, Ctrl-C stores the interrupted
one and exits 130, and the same command resumes, keeping what finished."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganbench.cli import main

SUPPORT = Path(__file__).parent / "support"
GRID = [
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
    "200steps",
    "--seeds",
    "6",
    "--metrics",
    "mean-gap",
    "--checkpoints",
    "2",
    "--no-batch",  # one trial in flight at a time: what a kill or Ctrl-C may cost is one trial
]


def start(arguments, cache_dir):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SUPPORT), os.environ.get("PYTHONPATH", "")]),
        "GANBENCH_CACHE": str(cache_dir),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "ganbench.cli", *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def recorded(folder, status="done"):
    database = folder / "results.sqlite"
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database, timeout=1) as db:
            return db.execute("SELECT count(*) FROM trials WHERE status = ?", (status,)).fetchone()[0]
    except sqlite3.OperationalError:  # the table is not there yet
        return 0


def wait_for_a_trial(process, folder, timeout=120):
    deadline = time.monotonic() + timeout
    while recorded(folder) == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no trial was recorded in time"
        time.sleep(0.05)


def rows(folder):
    with sqlite3.connect(folder / "results.sqlite") as db:
        return db.execute("SELECT id, status, finished_at FROM trials ORDER BY id").fetchall()


def test_sigkill_mid_grid_loses_at_most_the_trial_in_flight_and_the_rerun_resumes(tmp_path, cache_dir, capsys):
    out = tmp_path / "run"
    process = start([*GRID, "--out", str(out)], cache_dir)
    wait_for_a_trial(process, out)
    process.kill()  # SIGKILL: no handler, no cleanup
    process.wait()
    before = [row for row in rows(out) if row[1] == "done"]
    assert 1 <= len(before) < 6
    assert main(["report", str(out)]) == 0 and (out / "report.md").is_file()
    capsys.readouterr()
    assert main([*GRID, "--out", str(out)]) == 0
    assert f"{6 - len(before)} to run, {len(before)} kept from an earlier run" in capsys.readouterr().out
    after = rows(out)
    assert [status for _, status, _ in after] == ["done"] * 6
    assert set(before) <= set(after)  # the same rows: same finished_at


@pytest.mark.parametrize("executor", [["--executor", "local"], ["--workers", "2"]], ids=["local", "pool"])
def test_ctrl_c_stores_the_interrupted_trial_renders_the_report_and_exits_130(tmp_path, cache_dir, executor):
    out = tmp_path / "run"
    process = start([*GRID, *executor, "--out", str(out)], cache_dir)
    wait_for_a_trial(process, out)
    time.sleep(0.3)  # well inside the next trial
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "interrupted; finished trials are kept" in err
    statuses = [status for _, status, _ in rows(out)]
    assert statuses.count("done") >= 1 and statuses.count("done") + statuses.count("interrupted") == len(statuses)
    assert 1 <= statuses.count("interrupted") <= (1 if executor[0] == "--executor" else 2)
    report = (out / "report.md").read_text()
    assert "interrupted" in report and "done" in report
