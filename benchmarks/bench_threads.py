"""One torch thread or two: which is faster for a step of a given cost (ganbench.threads.SMALL_STEP_FLOPS).

For models whose steps cost from ~0.1 to a few GFLOP, pairs of rounds (one thread, then two, in
alternation) time the same number of steps on this machine; the ratio of each pair is what
travels. Run with the machine otherwise idle:

    python benchmarks/bench_threads.py

and read the printed table: the smallest step cost at which two threads win is where
SMALL_STEP_FLOPS belongs.
"""

from __future__ import annotations

import statistics
import time

import torch
from benchkit import plan, random_images, registry, ring8

from ganbench.budget import Budget, TrainingClock
from ganbench.train import build_setup, train

CASES = [
    ("mlp", "ring8", lambda: ring8()),
    ("dcgan", "16 px", lambda: random_images(side=16)),
    ("dcgan", "32 px", lambda: random_images(side=32)),
    ("dcgan", "64 px", lambda: random_images(side=64)),
]


def seconds_for(model: str, data, threads: int, steps: int) -> float:
    torch.set_num_threads(threads)
    planned = plan(model, "ns", data)
    setup = build_setup(planned.plan, registry(), torch.device("cpu"))
    started = time.perf_counter()
    train(setup, data, Budget("steps", steps), TrainingClock(torch.device("cpu")), checkpoints=0,
          on_checkpoint=lambda index, usage: None)  # fmt: skip
    return time.perf_counter() - started


def main(pairs: int = 5) -> None:
    print(
        "| model | data | GFLOP per step | steps/s, 1 thread | steps/s, 2 threads | 2 threads / 1 (median of pairs) |"
    )
    print("|:--|:--|--:|--:|--:|--:|")
    for model, label, data_of in CASES:
        data = data_of()
        planned = plan(model, "ns", data)
        counted: list[int] = []
        setup = build_setup(planned.plan, registry(), torch.device("cpu"))
        train(setup, data, Budget("steps", 1), TrainingClock(torch.device("cpu")), checkpoints=0,
              on_checkpoint=lambda index, usage: None, on_first_step=counted.append)  # fmt: skip
        flops = counted[0]
        steps = max(5, int(2e10 / max(flops, 1)))  # ~20 GFLOP a round
        ratios, one, two = [], [], []
        for _ in range(pairs):
            a = seconds_for(model, data, 1, steps)
            b = seconds_for(model, data, 2, steps)
            one.append(steps / a)
            two.append(steps / b)
            ratios.append(a / b)
        print(f"| {model} | {label} | {flops / 1e9:.3g} | {statistics.median(one):.1f} | {statistics.median(two):.1f} "
              f"| {statistics.median(ratios):.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
