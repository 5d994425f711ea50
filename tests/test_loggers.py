"""--log: loggers are checked before anything is written, told what the database is told, and never fail a trial."""

import importlib.util
import json
import sqlite3

import pytest

from ganbench import loggers
from ganbench.cli import main
from ganbench.loggers import TrialLoggers
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.types import LogContext, Measurement

PLUGIN = ["--plugin", "logger_plugin"]
RUN = [*PLUGIN, "run", "--models", "mlp", "--losses", "ns", "--dataset", "ring8", "--budget", "40steps"]


def events(folder):
    files = sorted((folder / "logs" / "recorder").glob("*.jsonl"))
    return [[json.loads(line) for line in file.read_text().splitlines()] for file in files]


def test_a_recorder_is_told_what_the_database_holds(tmp_path):
    out = tmp_path / "run"
    assert main([*RUN, "--seeds", "2", "--checkpoints", "2", "--log", "recorder", "--out", str(out)]) == 0
    trials = events(out)
    assert len(trials) == 2
    with sqlite3.connect(out / "results.sqlite") as db:
        for trial in trials:
            started, *middle, finished = trial
            assert started["event"] == "started" and started["shared"] == {"token": "from-the-driver"}
            assert started["group"] == "run" and finished == {
                "event": "finished", "status": "done", "steps": 40, "scalars": finished["scalars"],
            }  # fmt: skip
            logged = [(e["step"], e["values"]["d_loss"]) for e in middle if e["event"] == "logged"]
            stored = db.execute(
                "SELECT step, value FROM scalars WHERE trial_id = ? AND name = 'd_loss' ORDER BY step",
                (started["id"],),
            ).fetchall()
            assert logged == [tuple(row) for row in stored] and [s for s, _ in logged] == [1, 10, 20, 30, 40]
            checkpoints = [e for e in middle if e["event"] == "checkpoint"]
            assert [e["step"] for e in checkpoints] == [20, 40]
            assert checkpoints[0]["png"] == b"\x89PNG\r\n\x1a\n".hex()
            modes = db.execute(
                "SELECT value FROM metrics WHERE trial_id = ? AND name = 'modes' ORDER BY checkpoint", (started["id"],)
            ).fetchall()
            assert [e["metrics"]["modes"] for e in checkpoints] == [value for (value,) in modes]


def test_a_failing_logger_is_reported_with_the_trial_and_the_others_go_on(tmp_path):
    out = tmp_path / "run"
    assert main([*RUN, "--checkpoints", "2", "--log", "broken,recorder", "--out", str(out)]) == 0
    with sqlite3.connect(out / "results.sqlite") as db:
        status, reason = db.execute("SELECT status, reason FROM trials").fetchone()
    assert status == "done"
    assert "logger broken failed in checkpoint and stopped logging this trial: OSError: No space left" in reason
    (trial,) = events(out)
    assert [e["event"] for e in trial].count("checkpoint") == 2 and trial[-1]["status"] == "done"


def test_a_logger_that_cannot_start_the_run_is_left_out_with_a_warning(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*RUN, "--log", "unstartable", "--out", str(out)]) == 0
    assert "--log unstartable could not start, so it logs nothing this run: ConnectionError" in capsys.readouterr().err
    assert not (out / "logs" / "recorder").exists()


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ("needy", "--log needy needs no_such_module_q, which is not installed: install the package providing"),
        ("recorder,tensorbord", "unknown logger 'tensorbord'"),
    ],
)
def test_a_logger_that_cannot_run_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, names, message):
    out = tmp_path / "run"
    assert main([*RUN, "--log", names, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_a_builtin_logger_without_its_extra_names_the_extra(tmp_path, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "wandb" else real(name, *a))
    out = tmp_path / "run"
    assert main([*RUN, "--log", "wandb", "--out", str(out)]) == 2
    assert "--log wandb needs wandb, which is not installed: pip install 'ganbench[wandb]'" in capsys.readouterr().err
    assert not out.exists()


class Collect:
    def __init__(self, context, trial):
        self.seen = []

    def logged(self, step, seconds, values):
        self.seen.append(("logged", step))

    def checkpoint(self, index, step, seconds, measurements, picture):
        self.seen.append(("checkpoint", step))

    def finished(self, status, summary, scalars):
        self.seen.append(("finished", status))


def test_logs_reach_loggers_in_order_at_checkpoints_and_the_end(monkeypatch):
    registry = registry_for(PluginOptions(modules=("logger_plugin",)))
    monkeypatch.setattr(registry.get("loggers", "recorder"), "start_trial", Collect)
    context = LogContext("run", "run/logs", "run", {}, {"recorder": {}})
    guard = TrialLoggers(registry, context, {"id": "x", "model": "m", "loss": "l", "seed": 0})
    (collect,) = guard.loggers.values()
    guard.logged(1, 0.1, {"d_loss": 1.0})
    guard.logged(10, 0.2, {"d_loss": 0.9})
    assert collect.seen == []  # held while the training clock runs
    guard.checkpoint(0, 10, 0.2, [Measurement("m", 1.0, True)], b"png")
    guard.logged(20, 0.3, {"d_loss": 0.8})
    assert collect.seen == [("logged", 1), ("logged", 10), ("checkpoint", 10)]
    guard.finished("done", {"steps": 20}, [])
    assert collect.seen[-2:] == [("logged", 20), ("finished", "done")] and guard.failures == []


class Interrupting(Collect):
    def finished(self, status, summary, scalars):
        raise KeyboardInterrupt


def test_ctrl_c_inside_a_loggers_finish_costs_the_finished_trial_nothing(monkeypatch):
    registry = registry_for(PluginOptions(modules=("logger_plugin",)))
    monkeypatch.setattr(registry.get("loggers", "recorder"), "start_trial", Interrupting)
    guard = TrialLoggers(registry, LogContext("run", "run/logs", "run", {}, {"recorder": {}}), {"id": "x"})
    guard.finished("done", {"steps": 20}, [])  # does not raise
    assert guard.failures and "KeyboardInterrupt" in guard.failures[0] and guard.loggers == {}


def test_a_start_run_that_returns_what_cannot_travel_is_left_out(tmp_path, monkeypatch):
    registry = registry_for(PluginOptions(modules=("logger_plugin",)))
    monkeypatch.setattr(registry.get("loggers", "recorder"), "start_run", lambda context: {"client": lambda: None})
    context, warnings = loggers.start_run(registry, ["recorder"], tmp_path, None, {})
    assert context.shared == {} and "could not start" in warnings[0]
    assert context.log_dir == str((tmp_path / "logs").resolve())  # absolute, for workers elsewhere


def test_a_trial_without_loggers_holds_no_logs():
    registry = registry_for(PluginOptions())
    guard = TrialLoggers(registry, None, {"id": "x"})
    guard.logged(1, 0.1, {"d_loss": 1.0})
    assert guard.pending == [] and guard.loggers == {}
