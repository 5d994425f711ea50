"""The run folder: created or reopened (a resume), locked by one run at a time, and the facts every report states.

A folder that holds another grid, or the same grid over other data, is refused before anything
is written; a folder in use by another `ganbench run` is refused naming that process.
"""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

import ganbench
from ganbench.errors import UsageError
from ganbench.paths import make_folder
from ganbench.runlock import LOCK_FILE, RunLock
from ganbench.runner import PlannedRun
from ganbench.store import Store
from ganbench.trial import session


@contextmanager
def run_folder(run: PlannedRun) -> Iterator[Store]:
    """The run folder (open_run_folder), held by this process until the block ends, however it ends.

    A second `ganbench run` on the folder meanwhile is refused in one line naming this process
    (ganbench.runlock), so no trial is trained twice; the store is closed and the lock released
    on the way out, on Ctrl-C and on errors too.
    """
    lock = RunLock(run.request.out)
    store = open_run_folder(run, lock)
    try:
        yield store
    finally:
        store.close()
        lock.release()


def open_run_folder(run: PlannedRun, lock: RunLock | None = None) -> Store:
    """Create or reopen the run folder; a folder holding a different grid, or the same over other data, is refused.

    With a lock, the folder is locked before its database is touched (and unlocked again if refused).
    """
    out = run.request.out
    grid = sorted([job.id for job in run.jobs] + [job.id for job, _ in run.skipped])
    fingerprint = session(run.session_key).dataset.fingerprint()  # hashes every sample held in memory: once
    resuming = (out / "results.sqlite").exists()
    if not resuming and out.exists() and any(p.name != LOCK_FILE for p in out.iterdir()):
        raise UsageError(f"--out {out} exists and is not a ganbench run folder; choose an empty or new folder")
    make_folder(out)
    if lock is not None:
        lock.acquire()
    store = None
    try:
        store = Store(out)
        if resuming:
            _check_same_run(store, run, grid, fingerprint)
        _record_run_facts(store, run, grid, fingerprint)
    except BaseException:
        if store is not None:
            store.close()
        if lock is not None:
            lock.release()
        raise
    return store


def _check_same_run(store: Store, run: PlannedRun, grid: list[str], fingerprint: str) -> None:
    """A resume: the same grid over the same samples; else refused, and the folder left as it was."""
    out = run.request.out
    if store.get("grid") == grid:
        # The same names over other samples (a folder that gained files) is another experiment.
        earlier = store.get("dataset", {}).get("fingerprint")
        if earlier not in (None, fingerprint):
            raise UsageError(
                f"--out {out} was run on other data: {run.request.dataset} has changed since "
                f"(fingerprint {earlier}, now {fingerprint}); choose a new --out"
            )
        return
    if store.get("grid") is not None or store.finished_ids():
        raise UsageError(f"--out {out} holds a run with a different grid; choose a new --out to keep both")
    # else: killed while the folder was being created; start it again


def _record_run_facts(store: Store, run: PlannedRun, grid: list[str], fingerprint: str) -> None:
    """What every report states about the run; written again on a resume (how data was read may differ)."""
    data = session(run.session_key).dataset
    store.set("grid", grid)
    store.set("metric_info", session(run.session_key).evaluator.facts(run.request.metric_options))
    store.set("budget", str(run.request.budget))
    store.set("checkpoints", run.request.checkpoints)
    store.set(
        "dataset",
        {
            "name": run.request.dataset,
            "shape": str(data.shape),
            "samples": len(data),
            "modes": len(data.modes) if data.modes is not None else None,
            "classes": data.num_classes or None,
            "source": data.source,
            "loading": data.loading,
            "fingerprint": fingerprint,
        },
    )


def manifest(run: PlannedRun) -> dict[str, Any]:
    device = run.session_key.device
    versions = {"ganbench": ganbench.__version__, "python": platform.python_version(), "torch": torch.__version__}
    for package in ("torchvision", "torch_fidelity", "pluggy", "pandas", "numpy"):
        try:
            versions[package] = __import__(package).__version__
        except Exception:
            pass
    return {
        "command": run.request.command,
        "versions": versions,
        "device": torch.cuda.get_device_name(torch.device(device))
        if device.startswith("cuda")
        else f"{device} ({platform.processor() or platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} threads)",
        "platform": platform.platform(),
        "plugins": [vars(p) for p in run.registry.plugins.loaded],
        "plugin_failures": [str(f) for f in run.registry.plugins.failures],
        "git_revision": _git_revision(),
    }


def _git_revision() -> str | None:
    try:
        return (
            subprocess.run(
                ["git", "rev-parse", "HEAD"],
                cwd=Path(ganbench.__file__).parent,
                capture_output=True,
                text=True,
                timeout=5,
            ).stdout.strip()
            or None
        )
    except Exception:
        return None
