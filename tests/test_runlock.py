"""One run per run folder: a second `ganbench run` on a folder in use is refused naming the first, a
lock left by a killed run is taken over, and the lock goes when the run ends, however it ends."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganbench import dispatch
from ganbench.cli import main
from ganbench.errors import UsageError
from ganbench.runlock import LOCK_FILE, RunLock, check_free

SUPPORT = Path(__file__).parent / "support"
LONG_RUN = [
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
    "100000steps",
    "--metrics",
    "none",
]


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_held_folder_is_refused_naming_the_holder_and_free_again_once_released(tmp_path):
    with RunLock(tmp_path):
        assert (tmp_path / LOCK_FILE).read_text().strip() == str(os.getpid())
        with pytest.raises(UsageError, match=f"is in use by another ganbench run \\(process {os.getpid()}\\)"):
            RunLock(tmp_path).acquire()
        with pytest.raises(UsageError, match=f"process {os.getpid()}"):
            check_free(tmp_path)
    assert not (tmp_path / LOCK_FILE).exists()
    check_free(tmp_path)
    with RunLock(tmp_path):  # free again
        pass


def test_a_lock_left_by_a_process_that_is_gone_is_taken_over(tmp_path):
    (tmp_path / LOCK_FILE).write_text(f"{dead_pid()}\n")
    check_free(tmp_path)
    with RunLock(tmp_path):
        assert (tmp_path / LOCK_FILE).read_text().strip() == str(os.getpid())
    assert not (tmp_path / LOCK_FILE).exists()


def short_run(out):
    return [*LONG_RUN[:-3], "5steps", "--metrics", "none", "--out", str(out)]


def test_the_lock_is_released_when_the_run_ends_and_when_it_fails(tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert main(short_run(out)) == 0
    assert (out / "results.sqlite").is_file() and not (out / LOCK_FILE).exists()

    def fails(*args, **kwargs):
        assert (out / LOCK_FILE).is_file()  # held while the trials run
        raise RuntimeError("an executor that breaks")

    monkeypatch.setattr(dispatch, "execute", fails)
    with pytest.raises(RuntimeError, match="an executor that breaks"):
        main(short_run(out))
    assert not (out / LOCK_FILE).exists()


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


def wait_for_lock(process, out, timeout=120):
    """Until the lock file names this process (the run has opened its folder)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if (out / LOCK_FILE).read_text().strip() == str(process.pid):
                return
        except OSError:
            pass
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run did not lock its folder in time"
        time.sleep(0.05)


def trials(out):
    with sqlite3.connect(out / "results.sqlite") as db:
        return db.execute("SELECT id, status FROM trials").fetchall()


def test_a_second_run_on_a_folder_in_use_is_refused_and_a_killed_runs_lock_is_taken_over(tmp_path, cache_dir, capsys):
    out = tmp_path / "run"
    first = start([*LONG_RUN, "--out", str(out)], cache_dir)
    try:
        wait_for_lock(first, out)
        capsys.readouterr()
        assert main([*LONG_RUN, "--out", str(out)]) == 2
        captured = capsys.readouterr()
        assert captured.err.strip() == (
            f"ganbench: error: --out {out} is in use by another ganbench run (process {first.pid}); "
            "wait for it to end, stop it, or choose another --out"
        )
        assert "trials (" not in captured.out  # refused before planning: nothing loaded, nothing trained
    finally:
        first.kill()  # SIGKILL: no cleanup, the lock file stays behind naming a process that is gone
        first.wait()
    assert (out / LOCK_FILE).read_text().strip() == str(first.pid)

    third = start([*LONG_RUN, "--out", str(out)], cache_dir)
    try:
        wait_for_lock(third, out)  # took the stale lock over
        time.sleep(1.0)  # inside its trial
        third.send_signal(signal.SIGINT)
        stdout, stderr = third.communicate(timeout=120)
    finally:
        third.kill()
    assert third.returncode == 130, stderr
    assert "1 trials (1 to run, 0 kept" in " ".join(stdout.split())  # the same grid: a resume
    assert [status for _, status in trials(out)] == ["interrupted"]  # one trial, trained by one run at a time
    assert not (out / LOCK_FILE).exists()  # released on Ctrl-C
