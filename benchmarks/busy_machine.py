"""A ganbench command on a busy machine: one busy-loop process pinned to each core, bounded in time.

    python benchmarks/busy_machine.py --seconds 1800 -- ganbench run --out /tmp/busy

starts the loops, runs the command, stops the loops (also when the command fails or the time
limit ends them first) and prints the load average the command saw. Run the same command
without the script and compare the two reports: with a step budget a trial's numbers must not
depend on the load (ganbench chooses its torch threads from the step's FLOPs and the cores, never
from the load), and the notes must flag what the load did to the timings. Used for the README's
"On a busy machine" measurement (issue 19).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time


def spin(core: int, until: float) -> None:
    """Burn one core until the deadline (pinned to it where the platform allows)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    while time.monotonic() < until:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1800, help="the loops end after this long whatever happens")
    parser.add_argument("--per-core", type=int, default=1, help="busy loops pinned to each core (default 1)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    until = time.monotonic() + args.seconds
    loops = [
        multiprocessing.Process(target=spin, args=(core, until), daemon=True)
        for core in cores
        for _ in range(args.per_core)
    ]
    for loop in loops:
        loop.start()
    started = time.monotonic()
    try:
        time.sleep(5)  # let the load average rise before the command reads it
        code = subprocess.call(command)
        print(
            f"busy_machine: {len(loops)} busy loops on {len(cores)} cores; the command took "
            f"{time.monotonic() - started:.0f} s, load average at its end {os.getloadavg()[0]:.1f}"
        )
    finally:
        for loop in loops:
            loop.terminate()
            loop.join()
    return code


if __name__ == "__main__":
    sys.exit(main())
