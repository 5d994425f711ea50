"""What a trial's row should say about how it trained: facts that change how its numbers read.

A trial that waited for data, trained on a machine busy with other work, slowed down as it went,
or stopped before its model can show anything is still measured; its notes say so where the
table is read, so a fast model is never ranked by a disk, a neighbour's job or a short budget.
"""

from __future__ import annotations

import torch

from ganbench.threads import cores
from ganbench.types import Dataset, StreamedDataset

#: a trial that waits longer than this share of its training time for data is called data-bound
DATA_BOUND = 0.10
#: a trial whose last stretch ran at under this share of its first stretch's steps/s slowed down
SLOWED = 0.5
UNDER_TRAINED = "under-trained"
#: a machine is busy when more than this many runnable processes beyond its cores share it: the run's
#: own trials fill the cores by design (a 2-core run of 2-thread trials reads a load of about 2)
BUSY_MARGIN = 1.0


def how_it_trained(outcome, model, dataset: Dataset, result, budget, device: torch.device) -> list[str]:
    found = []
    if outcome.data_wait_share > DATA_BOUND:
        found.append(data_bound(outcome.data_wait_share, dataset))
    if device.type == "cpu" and result.load_average is not None and result.load_average > cores() + BUSY_MARGIN:
        found.append(busy(result.load_average, budget))
    slowed = slowdown(outcome.stretches)
    if slowed is not None:
        found.append(slowed)
    if model.min_steps and outcome.usage.steps < model.min_steps:
        found.append(under_trained(outcome.usage.steps, model, budget))
    return found


def data_bound(share: float, dataset: Dataset) -> str:
    advice = "; more --data-workers would help where cores are free" if isinstance(dataset, StreamedDataset) else ""
    return (
        f"waited {share:.1%} of its timed training for real batches: the data loader, not the model, "
        f"limited its steps/s ({dataset.loading}{advice})"
    )


def busy(load: float, budget) -> str:
    under_time = ", and so did its training under a time budget" if budget.unit == "seconds" else ""
    return (
        f"the machine was busy while it trained (load average {load:.1f} on {cores()} cores): its steps/s "
        f"understates the model{under_time}"
    )


def slowdown(stretches: list[tuple[int, float]]) -> str | None:
    """Steps/s between checkpoints, first stretch against last: a neighbour's job, thermal throttling."""
    rates = [steps / seconds for steps, seconds in stretches if seconds > 0 and steps > 0]
    if len(rates) < 2 or rates[-1] >= SLOWED * rates[0]:
        return None
    return f"slowed down as it trained: {rates[-1]:.3g} steps/s at the end against {rates[0]:.3g} at the start"


def under_trained(steps: int, model, budget) -> str:
    advice = (
        f"; a step budget (--budget {model.min_steps}steps) gives every trial as many" if budget.unit != "steps" else ""
    )
    return f"{UNDER_TRAINED}: {steps} steps, {model.name} needs about {model.min_steps} to show anything{advice}"


def compile_fallbacks() -> str:
    """What torch.compile could not compile in this trial (torch._dynamo.reset() when the trial compiles clears them):
    each graph break runs a part of the step eagerly, so a compiled trial's speed is not all compiled."""
    try:
        from torch._dynamo.utils import counters  # torch's own bookkeeping; absent in builds without dynamo
    except ImportError:
        return ""
    breaks = sum(counters["graph_break"].values())
    return f"; {breaks} graph breaks fell back to eager" if breaks else "; no graph break fell back to eager"


def batched(members: int, steps_per_s: float) -> str:
    """A batched ensemble's member: its steps/s is the ensemble's, shared with the others."""
    return (
        f"batched: trained as one of {members} stacked trials (torch.vmap), {steps_per_s:.3g} steps/s each, "
        f"{members * steps_per_s:.4g} trial-steps/s together"
    )
