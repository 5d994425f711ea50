"""Batched ensembles against the same trials one after another: where stacking pays on this machine.

For each case, K trials that differ only in seed train the same number of steps twice, in
alternating rounds: as one ensemble (ganbench.ensemble) and one by one; the ratio of each pair
(alone seconds / batched seconds) is the speed-up in trial-steps per second. Each side runs at
the thread count a run would choose for it (ganbench.threads: one thread for small steps). Run
with the machine otherwise idle:

    python benchmarks/bench_batched.py [--quick]

The printed table is benchmarks/results/batched.md; where batching loses on a CPU is what
ganbench.batching.CPU_BATCH_FLOPS is set from.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import torch
from benchkit import plan, random_images, registry, ring8

from ganbench.budget import Budget, TrainingClock
from ganbench.ensemble import build_ensemble
from ganbench.threads import choose_threads, flop_counter
from ganbench.train import FastPaths, build_setup, train_members

CPU = torch.device("cpu")
CORES = torch.get_num_threads()
CASES = [
    ("mlp", "ring8", 8, ring8),
    ("mlp", "ring8, own lr and betas", 8, ring8),  # a tuning round: a parameter group per member
    ("dcgan", "16 px", 4, lambda: random_images(side=16)),
    ("dcgan", "32 px", 4, lambda: random_images(side=32)),
]


def member_plans(first, members: int, own_settings: bool):
    """Seeds 0..K-1; with ``own_settings`` each member also has its own learning rates and beta1."""
    plans = []
    for seed in range(members):
        hp = first.hparams
        if own_settings:
            hp = hp.replace(lr_g=hp.lr_g * (1 + seed), lr_d=hp.lr_d / (1 + seed), betas=(0.1 * seed, hp.betas[1]))
        plans.append(dataclasses.replace(first, seed=seed, hparams=hp))
    return plans


def step_flops(setup, data) -> int:
    with flop_counter() as counter:
        _train(setup, data, 1)
    return int(counter.get_total_flops())


def _train(setup, data, steps: int) -> None:
    train_members(setup, data, Budget("steps", steps), TrainingClock(CPU), checkpoints=0,
                  on_checkpoint=lambda index, usage: None)  # fmt: skip


def round_seconds(plans, data, steps: int, batched: bool, threads: int | None = None) -> float:
    """One round: the trials' set-up untimed, their training timed, at the threads a run would choose."""
    if batched:
        setups = [build_ensemble(plans, registry(), CPU, FastPaths())]
    else:
        setups = [build_setup(p, registry(), CPU) for p in plans]
    torch.set_num_threads(CORES)  # what the process may use; choose_threads reads it
    torch.set_num_threads(choose_threads(threads, step_flops(setups[0], data), CPU))
    started = time.perf_counter()
    for setup in setups:
        _train(setup, data, steps)
    return time.perf_counter() - started


def main(pairs: int, quick: bool, models: list[str], threads: int | None = None) -> None:
    print("| model | data | trials | GFLOP per trial-step | trial-steps/s alone | trial-steps/s batched "
          "| batched / alone (median of pairs) |")  # fmt: skip
    print("|:--|:--|--:|--:|--:|--:|--:|")
    for model, label, members, data_of in CASES:
        if models and model not in models:
            continue
        data = data_of()
        first = plan(model, "ns", data).plan
        plans = member_plans(first, members, own_settings="own" in label)
        flops = step_flops(build_setup(first, registry(), CPU), data)
        steps = max(20, int((2e10 if quick else 2e11) / max(flops * members, 1)))  # a few seconds a round
        alone, together = [], []
        for _ in range(pairs):
            alone.append(round_seconds(plans, data, steps, batched=False, threads=threads))
            together.append(round_seconds(plans, data, steps, batched=True, threads=threads))
        ratios = [a / b for a, b in zip(alone, together, strict=True)]
        work = steps * members
        print(f"| {model} | {label} | {members} | {flops / 1e9:.3g} | {work / statistics.median(alone):.1f} "
              f"| {work / statistics.median(together):.1f} | {statistics.median(ratios):.2f} "
              f"({min(ratios):.2f}-{max(ratios):.2f}) |")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a tenth of the steps a round (a smoke run)")
    parser.add_argument("--models", default="", help="comma-separated: only these models' cases")
    parser.add_argument("--threads", type=int, help="both sides at this many threads (a pool worker's share)")
    options = parser.parse_args()
    main(options.pairs, options.quick, [m for m in options.models.split(",") if m], options.threads)
