"""One script for a GPU machine: does ganbench's CUDA path hold up? Prints PASS/FAIL per check, in under 5 minutes.

    python benchmarks/gpu_check.py            # on a machine with a GPU (cuda:0, or --device cuda:N)
    python benchmarks/gpu_check.py --dry      # anywhere: every step on the CPU, a few steps each, nothing judged

Checks, each against its goal:

1. the training loop against a bare PyTorch loop on the same GPU (dcgan 32x32, batch 64, the same
   computation checked bit for bit first): ganbench steps/s over bare steps/s >= 0.97, median of pairs;
2. a time budget's accuracy with the host clock and few device synchronisations: a 10 s trial ends
   within max(2%, one step) of its budget;
3. bf16 autocast and torch.compile speed-ups over the plain step (goal: above 1.0; what they buy);
4. a double-backward penalty (gp) under --compile trains (G compiled, D eager), and its generator saves
   under plain keys;
5. batched trials: 16 dcgan-32 trials (seeds 0-15) as one ensemble (ganbench.ensemble) against the
   same trials one at a time, goal >= 10x trial-steps/s; and each member's first step (its losses and
   D's scores) equals its trial's alone to 1e-3 relative (a vmapped convolution may take another algorithm).

The dry mode exists so that the script itself is tested where no GPU is (tests run it), and so that a
session with a GPU machine spends its minutes measuring, not debugging.
"""

from __future__ import annotations

import argparse
import functools
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchkit and the bare loop, beside this file

import benchkit  # noqa: E402
import torch  # noqa: E402
from bench_bare_loop import BareLoop, check_same_training  # noqa: E402
from benchkit import GanbenchTrial, random_images  # noqa: E402

from ganbench.budget import Budget, TrainingClock  # noqa: E402
from ganbench.train import FastPaths, train  # noqa: E402
from ganbench.trial import weights  # noqa: E402

RESULTS: list[tuple[str, str, str]] = []  # (check, PASS/FAIL/SKIP/DRY, what was measured)


def record(check: str, passed: bool | None, detail: str, dry: bool, failed: bool = False) -> None:
    """``passed`` None: skipped. A dry run judges no goal (DRY), but a check that raised is FAIL anywhere."""
    if failed:
        verdict = "FAIL"
    elif passed is None:
        verdict = "SKIP"
    else:
        verdict = "DRY" if dry else ("PASS" if passed else "FAIL")
    RESULTS.append((check, verdict, detail))
    print(f"{verdict:4}  {check}: {detail}", flush=True)


def said(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:160] if lines else ''}"


def timed(run, steps: int, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    started = time.perf_counter()
    run(steps)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - started


def paired_ratio(subject, reference, steps: int, rounds: int, device: torch.device) -> float:
    """Median over adjacent pairs of reference time / subject time: the subject's steps/s over the reference's."""
    ratios = []
    for _ in range(rounds):
        reference_seconds = timed(reference, steps, device)
        ratios.append(reference_seconds / timed(subject, steps, device))
    return statistics.median(ratios)


def dcgan(data, device, **fast) -> GanbenchTrial:
    return GanbenchTrial(benchkit.plan("dcgan", "ns", data), data, device, FastPaths(**fast))


def check_bare_loop(device, data, steps, rounds, dry):
    bare, trial = BareLoop(data, device=device), dcgan(data, device)
    check_same_training(bare, trial, 10 if not dry else 2)
    ratio = paired_ratio(trial.train, bare.train, steps, rounds, device)
    record("ganbench vs bare loop (dcgan 32, batch 64)", ratio >= 0.97, f"{ratio:.3f} (goal >= 0.97)", dry)


def check_time_budget(device, data, seconds, dry):
    trial = dcgan(data, device)
    trial.train(5)  # warm-up: cuDNN's choices, the allocator
    outcome = train(trial.setup, trial.data, Budget("seconds", seconds), TrainingClock(device), checkpoints=0,
                    on_checkpoint=lambda index, usage: None)  # fmt: skip
    step = outcome.usage.seconds / max(1, outcome.usage.steps)
    over = outcome.usage.seconds - seconds
    ok = -1e-9 <= over <= max(0.02 * seconds, step)
    record(
        f"time budget {seconds:g} s",
        ok,
        f"trained {outcome.usage.seconds:.3f} s in {outcome.usage.steps} steps (over by {over * 1000:.1f} ms; "
        f"allowed {max(0.02 * seconds, step) * 1000:.1f} ms)",
        dry,
    )


def check_fast_paths(device, data, steps, rounds, dry):
    plain = dcgan(data, device)
    plain.train(5)
    for name, fast in (("bf16 autocast", {"amp": "bf16"}), ("torch.compile", {"compile": True})):
        try:
            fast_trial = dcgan(data, device, **fast)
            fast_trial.train(5 if not dry else 1)  # compiling happens here, before the timed rounds
            ratio = paired_ratio(fast_trial.train, plain.train, steps, rounds, device)
            record(f"{name} speed-up", ratio > 1.0, f"{ratio:.3f}x the plain step (goal > 1.0)", dry)
        except Exception as error:  # a backend missing here is a result, not a crash of the script
            record(f"{name} speed-up", False, said(error), dry, failed=True)


def check_compiled_gp(device, data, dry):
    plan = benchkit.plan("dcgan", "ns", data, stabilisers="gp")
    trial = GanbenchTrial(plan, data, device, FastPaths(compile=True))
    try:
        trial.train(3)
        saved = torch.load(io.BytesIO(weights(trial.setup.generator)), weights_only=True)  # as run_trial saves it
        plain_keys = bool(saved) and not any(key.startswith("_orig_mod.") for key in saved)
        record("gp under --compile", plain_keys, f"trained; compiled {trial.setup.compiled}; plain keys", dry)
    except Exception as error:
        record("gp under --compile", False, said(error), dry, failed=True)


def check_batched(device, data, steps, members, dry):
    import dataclasses

    from ganbench.ensemble import build_ensemble
    from ganbench.train import build_setup, train_members

    first = benchkit.plan("dcgan", "ns", data).plan
    plans = [dataclasses.replace(first, seed=seed) for seed in range(members)]
    data = data.to(device)

    def run(setup, n, logs=None):
        def log(usage, values, member):
            if logs is not None:
                logs.append(values)

        train_members(setup, data, Budget("steps", n), TrainingClock(device), checkpoints=0,
                      on_checkpoint=lambda index, usage: None, on_log=log)  # fmt: skip

    try:
        ensemble = build_ensemble(plans, benchkit.registry(), device, FastPaths())
        alone = [build_setup(plan, benchkit.registry(), device) for plan in plans]
        together_logs: list[dict] = []
        alone_logs: list[dict] = []
        run(ensemble, 1, together_logs)  # the first step's losses and scores, member by member
        for setup in alone:
            run(setup, 1, alone_logs)
        gap = max(
            abs(t[name] - a[name]) / max(abs(a[name]), 1e-6)
            for t, a in zip(together_logs, alone_logs, strict=True)
            for name in a
        )
        ensemble = build_ensemble(plans, benchkit.registry(), device, FastPaths())
        run(ensemble, 2)  # warm-up
        together = timed(lambda n: run(ensemble, n), steps, device)
        one_by_one = sum(timed(lambda n, s=setup: run(s, n), steps, device) for setup in alone)
        ratio = one_by_one / together
        record(
            f"batched trials ({members} dcgan-32)",
            ratio >= 10 and gap < 1e-3,
            f"{ratio:.2f}x the trial-steps/s of one at a time (goal >= 10); first steps equal alone to {gap:.1e}",
            dry,
        )
    except Exception as error:
        record(f"batched trials ({members} dcgan-32)", False, said(error), dry, failed=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda", help="the GPU to check (default: cuda)")
    parser.add_argument("--dry", action="store_true", help="every step on the CPU, a few steps each, nothing judged")
    args = parser.parse_args(argv)
    dry = args.dry
    if not dry and not torch.cuda.is_available():
        print("no CUDA device here: run with --dry to exercise the script on the CPU", file=sys.stderr)
        return 2
    device = torch.device("cpu" if dry else args.device)
    if dry:  # AOTAutograd without inductor's C++ build: the same graphs (and double-backward limit), in seconds
        torch.compile = functools.partial(torch.compile, backend="aot_eager")
    started = time.perf_counter()
    where = "CPU (dry)" if dry else f"{torch.cuda.get_device_name(device)} ({device})"
    print(f"ganbench gpu_check on {where}, torch {torch.__version__}", flush=True)
    data = random_images(n=512 if dry else 4096)
    steps, rounds = (2, 2) if dry else (50, 8)
    check_bare_loop(device, data, steps, rounds, dry)
    check_time_budget(device, data, 1.0 if dry else 10.0, dry)
    check_fast_paths(device, data, steps, rounds if not dry else 1, dry)
    check_compiled_gp(device, data, dry)
    check_batched(device, data, steps if not dry else 1, 16 if not dry else 2, dry)
    failed = [check for check, verdict, _ in RESULTS if verdict == "FAIL"]
    print(f"{len(RESULTS)} checks in {time.perf_counter() - started:.0f} s; failed: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
