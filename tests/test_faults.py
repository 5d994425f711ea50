"""Faults stay inside their trial: every status is recorded and shown, and the grid goes on."""

import sqlite3

from ganbench.cli import main
from ganbench.plugins import PluginOptions
from ganbench.testing import run_tiny_trial

PLUGINS = ["--plugin", "toy_plugin", "--plugin", "fault_plugin"]


def statuses(folder):
    with sqlite3.connect(folder / "results.sqlite") as db:
        return dict(db.execute("SELECT loss || '/' || model, status FROM trials").fetchall())


def test_cuda_out_of_memory_is_recorded_as_oom():
    result = run_tiny_trial(
        "toy-mlp",
        "fault-oom",
        dataset="toy-line",
        steps=5,
        plugins=PluginOptions(modules=("toy_plugin", "fault_plugin")),
    )
    assert result.status == "oom"
    assert "out of memory" in result.reason and "fault_plugin" in result.reason


def test_an_error_raised_inside_a_library_names_the_plugin_that_called_it():
    plugins = PluginOptions(modules=("toy_plugin", "fault_plugin"))
    result = run_tiny_trial("toy-mlp", "fault-library", dataset="toy-line", steps=2, plugins=plugins)
    assert result.status == "error"
    assert result.reason == "LinAlgError: Singular matrix (in fault_plugin)"


def test_every_fault_is_recorded_and_shown_and_the_grid_goes_on(tmp_path, capsys, monkeypatch):
    from ganbench import terminal

    monkeypatch.setattr(terminal.console, "width", 250)  # one table row per line
    out = tmp_path / "run"
    code = main(
        [
            *PLUGINS,
            "run",
            "--models",
            "toy-mlp,fault-picky",
            "--losses",
            "fault-nan,fault-oom,fault-raise,toy-ns",
            "--dataset",
            "toy-line",
            "--budget",
            "20steps",
            "--metrics",
            "mean-gap",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert statuses(out) == {
        "fault-nan/toy-mlp": "diverged",
        "fault-oom/toy-mlp": "oom",
        "fault-raise/toy-mlp": "error",
        "toy-ns/toy-mlp": "done",
        **{f"{loss}/fault-picky": "skipped" for loss in ("fault-nan", "fault-oom", "fault-raise", "toy-ns")},
    }
    with sqlite3.connect(out / "results.sqlite") as db:
        reason, trace = db.execute(
            "SELECT reason, traceback FROM trials WHERE loss = 'fault-raise' AND model = 'toy-mlp'"
        ).fetchone()
        [diverged] = db.execute("SELECT reason FROM trials WHERE loss = 'fault-nan' AND model = 'toy-mlp'").fetchone()
    assert "fails on purpose" in reason and "(in fault_plugin)" in reason
    assert "Traceback" in trace and "raising_loss" in trace
    assert "not finite at step" in diverged
    table = [line for line in capsys.readouterr().out.splitlines() if "toy-mlp" in line or "fault-picky" in line]
    for status in ("diverged", "oom", "error", "done", "skipped"):
        assert any(f" {status} " in line for line in table), status
    report = (out / "report.md").read_text()
    assert all(status in report for status in ("diverged", "oom", "error", "done", "skipped"))


def test_fail_fast_stops_at_the_first_trial_that_does_not_finish(tmp_path):
    out = tmp_path / "run"
    code = main(
        [
            *PLUGINS,
            "run",
            "--models",
            "toy-mlp",
            "--losses",
            "toy-ns,fault-raise,toy-ns,fault-nan",
            "--dataset",
            "toy-line",
            "--budget",
            "10steps",
            "--seeds",
            "2",
            "--metrics",
            "mean-gap",
            "--fail-fast",
            "--no-batch",  # trial by trial: with batching it stops after the first ensemble with a failure
            "--out",
            str(out),
        ]
    )
    assert code == 0
    with sqlite3.connect(out / "results.sqlite") as db:
        rows = db.execute("SELECT loss, seed, status FROM trials ORDER BY position").fetchall()
    # toy-ns s0, toy-ns s1 finish; fault-raise s0 fails; nothing after it runs
    assert rows == [("toy-ns", 0, "done"), ("toy-ns", 1, "done"), ("fault-raise", 0, "error")]
