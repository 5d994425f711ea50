"""Wall time of one 8-trial step-budget grid with --workers 1 and --workers 2 (pool executor).

    python benchmarks/bench_executors.py [--budget 600steps] [--repeats 1]

Each run is a fresh `ganbench run` process with its own --out, so each pays the same start-up
(imports, plugins, data) and the comparison is of whole commands, as a user times them. The
pool gives each worker ``cores // workers`` torch threads; as a control the script also times
the local executor with one thread (OMP_NUM_THREADS=1), one process doing what one pool worker
does on a 2-core machine, so the ratio can be read without the threads' effect. The load
average is printed with the times: on a shared machine rerun when it is high.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRID = ["run", "--models", "mlp", "--losses", "ns", "--dataset", "ring8", "--seeds", "8", "--checkpoints", "2",
        "--device", "cpu"]


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def timed(label: str, arguments: list[str], env: dict[str, str], folder: Path) -> float:
    out = folder / label.replace(" ", "-")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ganbench.cli", *arguments, "--out", str(out)], env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{label} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    print(f"{label:<34} {seconds:7.1f} s   load average {load()}", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="600steps")
    parser.add_argument("--repeats", type=int, default=1)
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


if __name__ == "__main__":
    main()
