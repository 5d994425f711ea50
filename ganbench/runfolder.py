"""The run folder: created or reopened (a resume), locked by one run at a time, and the facts every report states.

A folder that holds another grid, or the same grid over other data, is refused before anything
is written; a folder in use by another `ganbench run` is refused naming that process. So is a
folder whose trials were measured with other components (a plugin's default or version changed
since), unless --resume-stale keeps them, and the report then says so.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

import ganbench
from ganbench.conditioning import class_frequencies
from ganbench.errors import UsageError
from ganbench.paths import make_folder
from ganbench.registry import SINGULAR
from ganbench.runlock import LOCK_FILE, RunLock
from ganbench.runner import PlannedRun
from ganbench.store import Store
from ganbench.trial import session
from ganbench.types import OWN_OBJECTIVE


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
    installed = components(run)
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
            _check_same_run(store, run, grid, fingerprint, installed)
        _record_run_facts(store, run, grid, fingerprint, installed)
    except BaseException:
        if store is not None:
            store.close()
        if lock is not None:
            lock.release()
        raise
    return store


def _check_same_run(store: Store, run: PlannedRun, grid: list[str], fingerprint: str, installed: dict) -> None:
    """A resume: the same grid over the same samples, measured with the same components; else refused,
    and the folder left as it was."""
    out = run.request.out
    changed = component_changes(store.get("components"), installed)  # a folder from before this release: none
    if store.get("grid") == grid:
        # The same names over other samples (a folder that gained files) is another experiment.
        earlier = store.get("dataset", {}).get("fingerprint")
        if earlier not in (None, fingerprint):
            raise UsageError(
                f"--out {out} was run on other data: {run.request.dataset} has changed since "
                f"(fingerprint {earlier}, now {fingerprint}); choose a new --out"
            )
        kept = len(store.finished_ids() & {job.id for job in run.jobs})
        if changed and kept:
            _check_stale(store, run, kept, changed)
        return
    if store.get("grid") is not None or store.finished_ids():
        # A model's changed default hyper-parameter changes every trial's id, so say why the grid differs.
        why = f" (its components changed since: {'; '.join(changed)})" if changed else ""
        raise UsageError(f"--out {out} holds a run with a different grid{why}; choose a new --out to keep both")
    # else: killed while the folder was being created; start it again


def _check_stale(store: Store, run: PlannedRun, kept: int, changed: list[str]) -> None:
    """Kept trials measured with other code: refused, or with --resume-stale kept and noted for the report."""
    if not run.request.resume_stale:
        raise UsageError(
            f"--out {run.request.out} was measured with other components: {'; '.join(changed)}; "
            "choose a new --out, or add --resume-stale to keep the trials measured before"
        )
    trials = "trial" if kept == 1 else "trials"
    notes = [
        *store.get("stale_notes", []),
        f"kept {kept} {trials} measured with earlier components: {'; '.join(changed)}",
    ]
    store.set("stale_notes", notes)


def components(run: PlannedRun) -> dict[str, dict[str, Any]]:
    """Every component the run uses, as installed now: its provider, version and declared defaults.

    Model hyper-parameters are part of a trial's id; declared parameter defaults and versions are
    not, so without this a resume would keep trials measured with other code without a word.
    """
    jobs = [*run.jobs, *(job for job, _ in run.skipped)]
    used = {
        "models": {job.model for job in jobs},
        "losses": {job.loss for job in jobs} - {OWN_OBJECTIVE},  # a model's own objective is the model's
        "stabilisers": {choice.name for job in jobs for choice in job.stabilisers},
        "datasets": {run.request.dataset.partition(":")[0]},
        "metrics": {spec.name for spec, _ in session(run.session_key).evaluator.metrics},
    }
    found = {}
    for kind, names in used.items():
        for name in sorted(names):
            record = run.registry.get(kind, name)  # type: ignore[call-overload]
            facts = {
                "provider": record.provider,
                "plugin": record.plugin,
                "distribution": record.distribution,
                "version": record.version,
            }
            if getattr(record, "params", None):
                facts["params"] = dict(record.params)
            if kind == "models":
                facts["hparams"] = record.hparams.as_dict()
            found[f"{SINGULAR[kind]} {record.name}"] = facts
    return json.loads(json.dumps(found, default=str))  # as the database gives it back: tuples are lists


def component_changes(before: dict[str, dict] | None, now: dict[str, dict]) -> list[str]:
    """What differs, per component: 'stabiliser gp: lambda default 10.0 -> 5.0'; nothing if nothing was recorded."""
    if before is None:
        return []
    changes = []
    for name in sorted(before.keys() | now.keys()):
        old, new = before.get(name), now.get(name)
        if old is None or new is None:
            changes.append(f"{name}: {'not used before' if old is None else 'no longer used'}")
        elif old != new:
            changes.append(f"{name}: {', '.join(_differences(old, new))}")
    return changes


def _differences(old: dict, new: dict) -> list[str]:
    found = []
    if (old.get("plugin"), old.get("distribution")) != (new.get("plugin"), new.get("distribution")):
        found.append(f"provided by {old.get('provider')}, now {new.get('provider')}")
    elif old.get("version") != new.get("version"):
        who = new.get("distribution") or new.get("provider")
        found.append(f"{who} {old.get('version') or '?'} -> {new.get('version') or '?'}")
    for field in ("params", "hparams"):
        before, after = old.get(field) or {}, new.get(field) or {}
        for key in sorted(before.keys() | after.keys()):
            if before.get(key) != after.get(key):
                found.append(f"{key} default {_shown(before, key)} -> {_shown(after, key)}")
    return found or ["changed"]


def _shown(values: dict, key: str) -> str:
    return str(values[key]) if key in values else "(none)"


def _record_run_facts(store: Store, run: PlannedRun, grid: list[str], fingerprint: str, installed: dict) -> None:
    """What every report states about the run; written again on a resume (how data was read may differ;
    components, once a resume is allowed, are those the trials still to run are measured with)."""
    current = session(run.session_key)
    data, training = current.dataset, current.training_data
    store.set("grid", grid)
    store.set("components", installed)
    conditional = any(run.registry.get("models", job.model).conditional for job in run.jobs)
    store.set("metric_info", current.evaluator.facts(run.request.metric_options, conditional))
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
            # What a conditional G's evaluation labels are drawn from (ganbench.conditioning): `ganbench sample` too.
            "class_frequencies": class_frequencies(training).tolist() if training.labels is not None else None,
            "source": data.source,
            "loading": data.loading,
            "split": data.split,
            "fingerprint": fingerprint,
            # --data-fraction: training drew from this share (a fixed seeded subset); the metrics used all
            "fraction": run.request.data.fraction,
            "training_samples": len(training),
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
