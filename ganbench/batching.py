"""Which trials of a run train together as one batched ensemble (ganbench.ensemble), and how they travel.

Trials batch when they differ only in their seed, their optimiser's settings (learning rates, Adam's
betas), their EMA of G and the numbers their loss declares (a hinge margin): the same model, loss,
data, budget and every other hyper-parameter, so that their tensors stack. Left alone are:

* trials under a time budget: members share one clock, so each would be charged the others' work;
* trials with stabilisers: penalties differentiate D's gradient, wrap or reshape D, or draw from the
  global RNG, none of which a stacked step can give each member as alone;
* ``--compile`` (graphs compiled for one member) and fp16 (one gradient scaler would skip every
  member's step when one overflows);
* a model with its own objective (a VAE) and a loss that classifies D's features (acgan): their
  steps are not the stacked one;
* a model or loss that cannot run under ``torch.vmap`` (random numbers drawn inside the forward,
  an operation vmap does not know): found by a one-step trial run of the ensemble in the worker,
  after which its trials train alone and say why;
* on a CPU, trials whose step costs CPU_BATCH_FLOPS or more, or whose ensemble would train with one
  thread: there batching pays only where a step is mostly overhead and the ensemble can use a
  second thread (measured, benchmarks/results/batched.md). On a GPU, where a small
  trial leaves the device idle, every trial that stacks is batched.

An :class:`EnsembleJob` travels to an executor like a trial's job (an ``id``, a ``device``); what
comes back is an :class:`EnsembleResult` holding each member's own result, which the runner stores
one by one. An executor's own failure for the whole ensemble is given to each member.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import torch

from ganbench import ensemble
from ganbench.budget import Budget, TrainingClock
from ganbench.registry import Registry
from ganbench.threads import choose_threads, flop_counter
from ganbench.train import train_members
from ganbench.trial import TrialJob, plan_for, run_members, run_trial, session
from ganbench.types import OWN_OBJECTIVE, TrialResult

#: the most trials one ensemble stacks: 16 dcgan-32 members fill a large GPU (benchmarks/gpu_check.py)
MAX_MEMBERS = 16
#: on a CPU, trials whose step (each member's) costs this many FLOPs or more train alone: measured with
#: benchmarks/bench_batched.py on 2026-12-02 (2-core CPU): 8 mlp/ring8 trials (0.11 GFLOP) batched ran at
#: 1.53x the trial-steps/s of the same trials alone, 4 dcgan trials at 0.97x (16 px, 0.26 GFLOP) and
#: 0.91x (32 px, 7.2 GFLOP). The gain is the second thread an ensemble can use where a small trial alone
#: cannot: with one thread each side, the 8 mlp trials ran at 1.03x, so an ensemble that would get one
#: thread (a pool worker's share of two cores) trains its members alone too.
CPU_BATCH_FLOPS = 2e8
#: what members may differ in besides the seed (and the numbers a loss declares, a hinge margin): the
#: optimiser's settings, a parameter group per member (ganbench.ensemble.member_optimiser), and G's
#: moving average, which each member keeps for itself
MEMBER_HPARAMS = ("lr_g", "lr_d", "betas", "ema", "ema_start")


@dataclass
class EnsembleJob:
    """Trials trained as one: what an executor is given in their place."""

    members: tuple[TrialJob, ...]

    @property
    def id(self) -> str:
        return "ensemble-" + hashlib.sha256(" ".join(m.id for m in self.members).encode()).hexdigest()[:12]

    @property
    def device(self) -> str:
        return self.members[0].device

    # What the progress display names it by, as a trial's job.
    @property
    def model(self) -> str:
        return self.members[0].model

    @property
    def loss(self) -> str:
        return self.members[0].loss

    @property
    def stabilisers(self) -> tuple:
        return self.members[0].stabilisers

    @property
    def seed(self) -> str:
        seeds = [m.seed for m in self.members]
        return f"{seeds[0]}-{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else ",".join(map(str, seeds))

    @property
    def member_ids(self) -> list[str]:
        return [m.id for m in self.members]


@dataclass
class EnsembleResult:
    id: str
    results: list[TrialResult]

    @property
    def status(self) -> str:
        """'interrupted' when Ctrl-C stopped it (the local executor stops there), else 'done'."""
        return "interrupted" if any(r.status == "interrupted" for r in self.results) else "done"


def why_alone(job: TrialJob, registry: Registry | None = None) -> str:
    """Why ``job`` cannot be stacked with others, in words; '' when it can. With the run's registry,
    a loss that classifies D's features is known too (without it, the worker's trial step finds it)."""
    if job.loss == OWN_OBJECTIVE:
        return "a model with its own objective (its step is its own)"
    if registry is not None and registry.get("losses", job.loss).uses_classes:
        return f"{job.loss} classifies D's features, outside the stacked forward"
    if job.budget.unit == "seconds":
        return "a time budget (members would share one clock)"
    if job.stabilisers:
        return "stabilisers"
    if job.fast.compile:
        return "--compile"
    if job.fast.amp == "fp16":
        return "fp16 (one gradient scaler for all members)"
    return ""


def _stacking_key(job: TrialJob) -> str:
    """What members must share: everything the trial measures but its seed, the optimiser's settings,
    G's moving average and the values of the loss's numeric parameters (their names it must share)."""
    config = job.config()
    config.pop("seed")
    config.pop("settings", None)  # the --tune label, which names the values that differ too
    config["hparams"] = {k: v for k, v in config["hparams"].items() if k not in MEMBER_HPARAMS}
    config["loss_params"] = {k: _numeric_or(v) for k, v in config.get("loss_params", {}).items()}
    return json.dumps(config, sort_keys=True, default=str)


def _numeric_or(value: Any) -> Any:
    """A number may differ between members (it travels as a tensor under vmap); anything else may not."""
    return "a number" if isinstance(value, int | float) and not isinstance(value, bool) else value


def group(
    jobs: list[TrialJob], enabled: bool = True, slots: int = 1, registry: Registry | None = None
) -> list[TrialJob | EnsembleJob]:
    """The run's jobs with those that stack gathered into ensembles, in the order of their first member;
    with fewer units than the executor's ``slots`` (jobs it runs at once), the largest ensembles are
    halved until each slot has one: 8 seeds on a pool of 2 workers train as two ensembles of 4."""
    if not enabled:
        return list(jobs)
    groups: dict[str, list[TrialJob]] = {}
    units: list[Any] = []
    for job in jobs:
        if why_alone(job, registry):
            units.append(job)
            continue
        key = _stacking_key(job)
        members = groups.get(key)
        if members is None or len(members) == MAX_MEMBERS:
            members = groups[key] = []
            units.append(members)
        members.append(job)
    while len(units) < slots:
        largest = max((u for u in units if isinstance(u, list)), key=len, default=[])
        if len(largest) < 2:
            break
        at = next(i for i, unit in enumerate(units) if unit is largest)
        half = (len(largest) + 1) // 2
        units[at : at + 1] = [largest[:half], largest[half:]]
    return [_unit(u) if isinstance(u, list) else u for u in units]


def _unit(members: list[TrialJob]) -> TrialJob | EnsembleJob:
    return members[0] if len(members) == 1 else EnsembleJob(tuple(members))


def run_job(job: TrialJob | EnsembleJob, on_log=None) -> TrialResult | EnsembleResult:
    """What the runner gives executors to run: a trial alone, or an ensemble."""
    if isinstance(job, EnsembleJob):
        return run_ensemble(job, on_log)
    return run_trial(job, on_log)


def run_ensemble(job: EnsembleJob, on_log=None) -> EnsembleResult:
    """The members trained as one; where one step of the ensemble fails, each trial alone, saying why."""
    members = list(job.members)
    reason = trial_step(members)
    if not reason:
        return EnsembleResult(job.id, run_members(members, on_log))
    results = [run_trial(member, on_log) for member in members]
    for result in results:
        result.notes.append(f"not batched: {reason}")
    return EnsembleResult(job.id, results)


def trial_step(members: list[TrialJob]) -> str:
    """One step of the ensemble on throw-away copies, counted; '' if batching them is right, else why not."""
    try:
        current = session(members[0].session)
    except Exception:  # the members' own runs will report it
        return ""
    device = torch.device(members[0].session.device)
    try:
        plans = [plan_for(member, current) for member in members]
        if plans[0].model.objective is not None:  # its step is its own: nothing here stacks it
            return f"{plans[0].model.name} trains with its own objective, which ganbench does not stack"
        if plans[0].loss.uses_classes:  # the classifier sits on D's features, outside the stacked forward
            return f"{plans[0].loss.name} classifies D's features, which ganbench does not stack"
        setup = ensemble.build_ensemble(plans, current.registry, device, members[0].fast)
        with flop_counter() as counter:
            train_members(
                setup, current.training_data, Budget("steps", 1), TrainingClock(device),
                checkpoints=0, on_checkpoint=lambda index, usage: None, warmup_steps=0,
            )  # fmt: skip
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return f"{type(error).__name__} when stacked: {first}"
    if device.type != "cpu":
        return ""
    flops = counter.get_total_flops() / len(members)
    if flops >= CPU_BATCH_FLOPS:
        return (
            f"on a CPU, a step of {flops / 1e9:.3g} GFLOP trains as fast alone "
            f"(batching pays below {CPU_BATCH_FLOPS / 1e9:g} GFLOP)"
        )
    if choose_threads(members[0].threads, counter.get_total_flops(), device) < 2:
        return "on a CPU with one thread (a pool worker's share or --threads 1), stacking is no faster"
    return ""


def member_results(outcome: TrialResult | EnsembleResult, units: dict[str, Any]) -> list[TrialResult]:
    """The trials' results in what an executor handed back: an ensemble's members' own, or its failure
    (a pool's crash, Ctrl-C) given to each member."""
    if isinstance(outcome, EnsembleResult):
        return outcome.results
    unit = units.get(outcome.id)
    if isinstance(unit, EnsembleJob):
        return [dataclasses.replace(outcome, id=member.id) for member in unit.members]
    return [outcome]
