"""A metric's checks: prepared and computed on streamed reference data, its records well-formed, its names its own.

The reference data is given to the metric *streamed* (:class:`~ganbench.conformance.reference.Streamed`):
``x`` raises as it does for a data set too big to hold, so a metric that reads it fails here,
not on the first user's streamed data. What compute() returns is judged by the same function the
evaluation of every trial uses (:func:`ganbench.types.metrics.measurements_problem`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ganbench.conditioning import class_frequencies, for_sampling
from ganbench.conformance.reference import (
    REFERENCE_MODEL,
    Streamed,
    reference_generator,
    reference_images,
    reference_vectors,
)
from ganbench.conformance.results import CPU, CheckResult, described, error_line
from ganbench.latents import sampler
from ganbench.registry import Registry
from ganbench.types import Measurement, Metric, MetricContext, MetricSpec
from ganbench.types.metrics import measurements_problem

READS_X = (
    "it reads dataset.x, which a streamed data set does not have: read samples with gather(index), "
    "sample(n) or batches(batch_size, generator), and shape, len(), labels for the rest"
)


def check_metric(registry: Registry, spec: MetricSpec, cache_dir: str) -> list[CheckResult]:
    results = [described(spec)]
    data = _data_for(spec)
    if isinstance(data, CheckResult):
        return results + [data]
    metric = _build(spec, data, cache_dir)
    if isinstance(metric, CheckResult):
        return results + [metric]
    results.append(CheckResult("builds", True, f"prepared on {data.name}, streamed"))
    torch.manual_seed(0)
    G = reference_generator(data.shape, REFERENCE_MODEL.hparams).eval()
    z_dim = REFERENCE_MODEL.hparams.z_dim
    if spec.conditional_only:  # computed for conditional trials: a G asked for labels, which it ignores
        G, z_dim = for_sampling(_LabelBlind(G), z_dim, class_frequencies(data))

    def measure() -> list[Measurement]:
        return metric.compute(sampler(G, z_dim, 0, spec.name))

    first = _computes(measure, data)
    if isinstance(first, CheckResult):
        return results + [first]
    results.append(CheckResult("computes", True, ", ".join(f"{m.column} {m.value:.4g}" for m in first)))
    if spec.measures:  # declaring them is optional: older metrics do not
        results.append(_declared(spec, first))
    results.append(_distinct(registry, spec, first, data))
    results.append(_repeatable(measure, first))
    return results


class _LabelBlind(nn.Module):
    """The reference G as a conditional one that ignores the label it is given."""

    def __init__(self, generator: nn.Module):
        super().__init__()
        self.generator = generator

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.generator(z)


def _data_for(spec: MetricSpec) -> Streamed | CheckResult:
    """The first reference data set the metric applies to (vectors first: cheaper), streamed."""
    reasons = []
    for data in (Streamed(reference_vectors()), Streamed(reference_images())):
        try:
            reason = spec.applies_to(data)
        except Exception as error:
            advice = f": {READS_X}" if data.x_reads else ""
            return CheckResult("builds", False, f"applies_to({data.name}): {error_line(error)}{advice}")
        if reason is None:
            return data
        reasons.append(f"{data.name}: {reason}")
    return CheckResult("builds", True, "applies to no reference data set, so not computed (" + "; ".join(reasons) + ")")


def _build(spec: MetricSpec, data: Streamed, cache_dir: str) -> Metric | CheckResult:
    """The factory, as a run calls it once per process."""
    try:
        metric = spec.factory(MetricContext(data, CPU, cache_dir, {}))
    except Exception as error:
        advice = f": {READS_X}" if data.x_reads else ""
        return CheckResult("builds", False, f"on {data.name}: {error_line(error)}{advice}")
    if not isinstance(metric, Metric):
        return CheckResult("builds", False, f"factory() gave {type(metric).__name__}, not a ganbench.types.Metric")
    return metric


def _computes(measure: Callable[[], list[Measurement]], data: Streamed) -> list[Measurement] | CheckResult:
    try:
        returned = measure()
    except Exception as error:
        advice = f": {READS_X}" if data.x_reads else ""
        return CheckResult("computes", False, f"{error_line(error)}{advice}")
    problem = measurements_problem(returned)
    if problem:
        return CheckResult("computes", False, f"compute() {problem}")
    if not returned:
        return CheckResult("computes", False, "compute() returned an empty list: return at least one Measurement")
    return list(returned)


def _declared(spec: MetricSpec, measured: list[Measurement]) -> CheckResult:
    """What the record declares is what other metrics' checks compare their names with: it must be true."""
    undeclared = sorted({m.name for m in measured} - set(spec.measures))
    if undeclared:
        return CheckResult(
            "declared measures",
            False,
            f"reports {', '.join(undeclared)}, not in measures={tuple(spec.measures)!r}: "
            "declare in MetricSpec.measures every name compute() reports",
        )
    return CheckResult("declared measures", True, f"reports only what it declares: {', '.join(spec.measures)}")


def _distinct(registry: Registry, spec: MetricSpec, measured: list[Measurement], data: Streamed) -> CheckResult:
    """The results table has one column per measurement: a shared name shows one metric's value as another's."""
    columns = [m.column for m in measured]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        return CheckResult(
            "distinct names", False, f"reports {twice[0]} twice: give each Measurement a name of its own"
        )
    names = {m.name for m in measured}
    others = [o for o in registry.all("metrics") if o.name != spec.name]
    for other in others:
        shared = sorted(names & set(other.measures))
        if shared and _applies(other, data):
            return CheckResult(
                "distinct names",
                False,
                f"'{shared[0]}' is also reported by metric '{other.name}' from {other.provider}, which applies to "
                f"the same data: the results table would mix the two; choose a distinctive name "
                f"(e.g. '{spec.name.replace('-', '_')}_{shared[0]}')",
            )
    unknown = sum(not o.measures for o in others)
    detail = f"no other metric that applies to {data.name} reports {', '.join(sorted(names))}"
    return CheckResult("distinct names", True, detail + (f" ({unknown} declare no measures)" if unknown else ""))


def _applies(other: MetricSpec, data: Streamed) -> bool:
    try:
        return other.applies_to(data) is None
    except Exception:  # its own check says what is wrong with it; it cannot share a table it cannot join
        return False


def _repeatable(measure: Callable[[], list[Measurement]], first: list[Measurement]) -> CheckResult:
    """The same samples must give the same numbers, or seeds cannot be compared."""
    try:
        again = measure()
    except Exception as error:
        return CheckResult("same seed, same numbers", False, f"the second evaluation failed: {error_line(error)}")
    problem = measurements_problem(again)
    if problem:
        return CheckResult("same seed, same numbers", False, f"the second evaluation: compute() {problem}")
    if [(m.column, m.value) for m in again] == [(m.column, m.value) for m in first]:
        return CheckResult("same seed, same numbers", True, "two evaluations with the same sampler seed agree")
    return CheckResult(
        "same seed, same numbers",
        False,
        "two evaluations of the same samples differ: draw any randomness from a seeded torch.Generator",
    )
