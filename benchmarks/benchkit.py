"""Shared by the benchmarks: the registry, data, trials built by hand, paired timing, the session's report.

Imported by ``conftest.py`` and the ``bench_*.py`` modules (pytest puts this folder on
``sys.path``, as it has no ``__init__.py``). Nothing here measures anything by itself.
"""

from __future__ import annotations

import functools
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ganbench.budget import Budget, TrainingClock
from ganbench.grid import PlannedTrial, check_trial, stabiliser_sets
from ganbench.registry import Registry, load_registry
from ganbench.train import FastPaths, TrainingOutcome, build_setup, train
from ganbench.types import DataOptions, Dataset, TrialPlan

#: torch threads for every benchmark, both sides of every comparison. One by default: on a
#: shared 2-core machine a second OpenMP thread waits on whatever else runs there, and the
#: step time then swings by 2-4x (seen while writing these); one thread swings by a few %.
THREADS = int(os.environ.get("GANBENCH_BENCH_THREADS", "1"))
CPU = torch.device("cpu")
SEED = 0
BATCH = 64
RESULTS = Path(__file__).parent / "results"


def use_threads() -> None:
    torch.set_num_threads(THREADS)


@functools.cache
def registry() -> Registry:
    """The built-ins only: an installed third-party plugin must not change what is measured."""
    return load_registry(external=False)


@functools.cache
def random_images(n: int = 2048, side: int = 32, channels: int = 1) -> Dataset:
    """Uniform noise in [-1, 1]: the step costs the same for any pixels, and nothing is downloaded."""
    x = torch.rand(n, channels, side, side, generator=torch.Generator().manual_seed(SEED)) * 2 - 1
    return Dataset(name="random-images", x=x)


@functools.cache
def ring8() -> Dataset:
    return registry().get("datasets", "ring8").load(DataOptions(download=False))


def plan(model: str, loss: str, data: Dataset, stabilisers: str = "none", **hparams) -> PlannedTrial:
    """A trial as `ganbench run` would plan it, checked by the grid (so a skip comes with its reason)."""
    reg = registry()
    [choices] = stabiliser_sets(reg, [stabilisers])
    spec = reg.get("models", model)
    hp = spec.hparams.replace(**hparams)
    return check_trial(reg, TrialPlan(spec, reg.get("losses", loss), choices, SEED, hp, data.shape))


class GanbenchTrial:
    """One trial built by hand, as ``ganbench.trial.run_trial`` builds it: ``build_setup``, then ``train``.

    Each :meth:`train` call is a fresh step budget on the same modules and optimisers (the
    modules keep training), with no checkpoints: exactly the loop a run times, minus evaluation.
    """

    def __init__(self, planned: PlannedTrial, data: Dataset, device: torch.device = CPU, fast: FastPaths = FastPaths()):
        if planned.skip_reason:
            raise ValueError(f"the grid skips this trial: {planned.skip_reason}")
        self.plan, self.device = planned.plan, device
        self.data = data.to(device)
        self.setup = build_setup(self.plan, registry(), device, fast)

    @property
    def n_critic(self) -> int:
        return self.plan.hparams.n_critic

    def train(self, steps: int, on_log=lambda usage, values, member: None) -> TrainingOutcome:
        return train(
            self.setup,
            self.data,
            Budget("steps", steps),
            TrainingClock(self.device),
            checkpoints=0,
            on_checkpoint=lambda index, usage: None,
            on_log=on_log,
        )


def seconds(run: Callable[[int], object], steps: int) -> float:
    started = time.perf_counter()
    run(steps)
    return time.perf_counter() - started


@dataclass
class Paired:
    """Round times of a subject, each taken right after a round of its reference, in one process.

    Load from other processes drifts over seconds; a pair's two rounds are adjacent, so their
    ratio mostly cancels the drift that the absolute times carry.
    """

    steps: int
    subject: list[float] = field(default_factory=list)
    reference: list[float] = field(default_factory=list)

    def benchmark(
        self, benchmark, subject: Callable[[int], object], reference: Callable[[int], object], rounds: int
    ) -> None:
        """pytest-benchmark times the subject's rounds; its ``setup`` hook (untimed there) runs the reference
        right before each, so the two alternate: R, S, R, S, ..."""

        def reference_round() -> None:
            self.reference.append(seconds(reference, self.steps))

        def subject_round() -> None:
            self.subject.append(seconds(subject, self.steps))

        benchmark.pedantic(subject_round, setup=reference_round, rounds=rounds, iterations=1)

    @property
    def ratios(self) -> list[float]:
        """Subject time / reference time, per pair."""
        return [s / r for s, r in zip(self.subject, self.reference)]

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios)

    def ms_per_step(self, times: list[float]) -> float:
        return 1000 * statistics.median(times) / self.steps


# --------------------------------------------------------------------------- the session's report


@dataclass
class ComponentRow:
    kind: str  # "model x loss" or "stabiliser"
    model: str
    loss: str
    stabiliser: str
    data: str
    n_critic: int
    ms_per_g_step: float | None
    ratio: float | None  # to the plain model (same model, ns, no stabiliser), paired
    note: str = ""

    @property
    def ms_per_d_update(self) -> float | None:
        return None if self.ms_per_g_step is None else self.ms_per_g_step / self.n_critic


@dataclass
class Report:
    """What the benchmarks found, printed at the end of the session (conftest.py) whatever -s says."""

    sections: dict[str, list[str]] = field(default_factory=dict)
    components: list[ComponentRow] = field(default_factory=list)
    component_notes: list[str] = field(default_factory=list)

    def say(self, section: str, line: str) -> None:
        lines = self.sections.setdefault(section, [])
        if line not in lines:  # e.g. one skip reason for two benchmarks
            print(line)  # visible at once with -s
            lines.append(line)

    def components_markdown(self) -> str:
        def number(value: float | None, digits: int) -> str:
            return "—" if value is None else f"{value:.{digits}f}"

        lines = [
            "# Step time per component",
            "",
            f"CPU, {THREADS} torch thread(s), batch {BATCH}; median of paired rounds in one process "
            "(`python -m pytest benchmarks/bench_components.py --benchmark-only -s`). "
            "`× plain`: time per generator step over that of the same model with the `ns` loss and no "
            "stabiliser, the median of per-pair ratios, each pair measured back to back.",
            "",
            "| kind | model | loss | stabiliser | data | D updates / G step | ms / G step | ms / D update¹ "
            "| × plain | note |",
            "|---|---|---|---|---|---:|---:|---:|---:|---|",
        ]
        for row in self.components:
            lines.append(
                f"| {row.kind} | {row.model} | {row.loss} | {row.stabiliser} | {row.data} | {row.n_critic} | "
                f"{number(row.ms_per_g_step, 1)} | {number(row.ms_per_d_update, 1)} | {number(row.ratio, 2)} | "
                f"{row.note} |"
            )
        lines += ["", "¹ a generator step's time divided by its D updates (so the G update's share is included)."]
        for note in self.component_notes:
            lines += ["", note]
        return "\n".join(lines) + "\n"


REPORT = Report()
