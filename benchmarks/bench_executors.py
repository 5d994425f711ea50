"""Wall time of one 8-trial step-budget grid with --workers 1 and --workers 2 (pool executor).

    python benchmarks/bench_executors.py [--budget 600steps] [--repeats 1]

Each run is a fresh `ganbench run` process with its own --out, so each pays the same start-up
(imports, plugins, data) and the comparison is of whole commands, as a user times them. The
pool gives each worker ``cores // workers`` torch threads; as a control the script also times
the local executor with one thread (OMP_NUM_THREADS=1), one process doing what one pool worker
does on a 2-core machine, so the ratio can be read without the threads' effect. The load
average is printed with the times: on a shared machine rerun when it is high.

With ``--ray`` (needs ``pip install 'ganbench[ray]'``) the same grid also runs on a local Ray
instance, and every run's per-trial numbers (steps, final metrics) are compared with the
pool's: the database must not depend on the executor. The built-in mlp's last bits change
with the thread count (a parallel sum adds in another order), so metrics agree to 1e-4.
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRID = [
    "run",
    "--models",
    "mlp",
    "--losses",
    "ns",
    "--dataset",
    "ring8",
    "--seeds",
    "8",
    "--checkpoints",
    "2",
    "--device",
    "cpu",
]


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def timed(label: str, arguments: list[str], env: dict[str, str], folder: Path) -> float:
    out = folder / label.replace(" ", "-")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ganbench.cli", *arguments, "--out", str(out)], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{label} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    print(f"{label:<34} {seconds:7.1f} s   load average {load()}", flush=True)
    return seconds


def finals(out: Path) -> dict[str, tuple]:
    """Per trial id: status, steps and every metric at the last checkpoint."""
    with sqlite3.connect(out / "results.sqlite") as db:
        trials = {i: (status, steps) for i, status, steps in db.execute("SELECT id, status, steps FROM trials")}
        rows = db.execute(
            "SELECT trial_id, name, value FROM metrics WHERE checkpoint = "
            "(SELECT max(checkpoint) FROM metrics) ORDER BY trial_id, name"
        ).fetchall()
    return {i: (*trials[i], tuple((name, value) for t, name, value in rows if t == i)) for i in trials}


def same_results(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for trial in a:
        (status_a, steps_a, metrics_a), (status_b, steps_b, metrics_b) = a[trial], b[trial]
        if (status_a, steps_a) != (status_b, steps_b) or [n for n, _ in metrics_a] != [n for n, _ in metrics_b]:
            return False
        if not all(math.isclose(x, y, rel_tol=1e-4, abs_tol=1e-6) for (_, x), (_, y) in zip(metrics_a, metrics_b)):
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="600steps")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--ray", action="store_true", help="also run the grid on a local Ray instance and compare")
    args = parser.parse_args()
    env = dict(os.environ)
    one_thread = {**env, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    grid = [*GRID, "--budget", args.budget]
    print(f"{os.cpu_count()} cores; 8 trials of mlp/ns on ring8, {args.budget} each; load average {load()}")
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as cache:
        env["GANBENCH_CACHE"] = one_thread["GANBENCH_CACHE"] = cache
        timed("warm-up (caches)", [*GRID, "--budget", "1steps", "--seeds", "1"], env, Path(folder))
        for repeat in range(args.repeats):
            tag = f" #{repeat + 1}" if args.repeats > 1 else ""
            one = timed(f"pool --workers 1{tag}", [*grid, "--executor", "pool", "--workers", "1"], env, Path(folder))
            two = timed(f"pool --workers 2{tag}", [*grid, "--executor", "pool", "--workers", "2"], env, Path(folder))
            local = timed(f"local, 1 thread{tag}", [*grid, "--executor", "local"], one_thread, Path(folder))
            print(f"ratio --workers 2 / --workers 1:      {two / one:.2f}  (target <= 0.6)")
            print(f"ratio --workers 2 / local (1 thread): {two / local:.2f}")
        if args.ray:
            timed("ray (local instance)", [*grid, "--executor", "ray"], env, Path(folder))
            pool = finals(Path(folder) / "pool---workers-2")
            for label in ("pool---workers-1", "local,-1-thread", "ray-(local-instance)"):
                verdict = "the same" if same_results(pool, finals(Path(folder) / label)) else "DIFFERENT"
                print(f"results of {label} against pool --workers 2: {verdict} ({len(pool)} trials)")


if __name__ == "__main__":
    main()
