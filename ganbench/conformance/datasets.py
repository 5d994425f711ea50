"""A data set's checks: it loads (or says in one line why not), its samples are well-formed, it trains, twice the same."""

from __future__ import annotations

import torch

from ganbench.conformance.reference import REFERENCE_LOSS, REFERENCE_MODEL
from ganbench.conformance.results import CheckResult, described, error_line
from ganbench.conformance.watch import training_checks, trial_plan
from ganbench.registry import Registry
from ganbench.types import DataOptions, Dataset, DatasetSpec, DataUnavailable

SAMPLES_CHECKED = 10_000  # of a data set, read and checked


def check_dataset(registry: Registry, spec: DatasetSpec, options: DataOptions) -> list[CheckResult]:
    results = [described(spec)]
    if spec.takes_argument and not options.argument:
        detail = f"{spec.name} needs an argument ({spec.name}:PATH); pass --data-argument to check the rest"
        return results + [CheckResult("loads", True, detail)]
    loaded = _load(spec, options)
    if isinstance(loaded, CheckResult):
        return results + [loaded]
    data = loaded
    results.append(CheckResult("loads", True, f"{len(data)} samples, {data.shape}"))
    results.append(_samples(spec, data))
    if not results[-1].passed:
        return results
    training = training_checks(
        registry,
        trial_plan(REFERENCE_MODEL, REFERENCE_LOSS, data),
        data,
        strict_d=False,
        strict_g=False,
        g_subject="G's loss",
        d_subject="D's loss",
    )
    # Gradients are the model's and the loss's business, not the data's.
    results += [r for r in training if not r.check.startswith("gradients")]
    results.append(_loads_the_same(spec, options, data))
    return results


def _load(spec: DatasetSpec, options: DataOptions) -> Dataset | CheckResult:
    """The data set, or the "loads" check: missing files said in one line pass, anything else fails."""
    try:
        data = spec.load(options)
    except DataUnavailable as error:
        return CheckResult("loads", True, f"its files are not here, and it says so in one line: {error}")
    except Exception as error:
        return CheckResult("loads", False, error_line(error))
    if not isinstance(data, Dataset):
        return CheckResult("loads", False, f"load() gave {type(data).__name__}, not a ganbench.types.Dataset")
    return data


def _samples(spec: DatasetSpec, data: Dataset) -> CheckResult:
    problems = _dataset_problems(spec, data)
    if problems:
        return CheckResult("samples", False, "; ".join(problems))
    detail = (
        "float32, finite, in range"
        + (f", {data.num_classes} classes" if data.num_classes else "")
        + (f", {len(data.modes)} modes" if data.modes is not None else "")
    )
    return CheckResult("samples", True, detail)


def _dataset_problems(spec: DatasetSpec, data: Dataset) -> list[str]:
    problems = []
    # A fixed random subset, sorted (a streamed set reads its files in order): any data set may not fit in memory.
    index = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))[:SAMPLES_CHECKED].sort().values
    x = data.gather(index)
    if tuple(x.shape[1:]) != data.shape.shape:
        problems.append(f"samples have shape {tuple(x.shape[1:])}, but the data set says {data.shape}")
    if x.dtype != torch.float32:
        problems.append(f"x is {x.dtype}, expected float32")
    if data.shape.kind != spec.kind:
        problems.append(f"the record says {spec.kind} but x has shape {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        problems.append("x holds NaN or infinite values")
    if data.shape.kind == "image":
        if x.shape[-1] != x.shape[-2]:
            problems.append(f"images must be square, got {tuple(x.shape[-2:])}")
        if x.min() < -1 - 1e-6 or x.max() > 1 + 1e-6:
            problems.append(f"images must be scaled to [-1, 1], got [{x.min():.3g}, {x.max():.3g}]")
    if data.labels is not None:
        if data.labels.dtype != torch.int64 or tuple(data.labels.shape) != (len(data),):
            problems.append(
                f"labels must be int64 of shape ({len(data)},), got {data.labels.dtype} {tuple(data.labels.shape)}"
            )
        elif data.num_classes and int(data.labels.max()) >= data.num_classes:
            problems.append(f"label {int(data.labels.max())} but only {data.num_classes} class_names")
    if data.modes is not None and (
        data.modes.dim() != 2 or data.modes.shape[1] != x.shape[-1] or data.shape.kind != "vector"
    ):
        problems.append(f"modes must be (K, d) for vector data, got {tuple(data.modes.shape)}")
    return problems


def _loads_the_same(spec: DatasetSpec, options: DataOptions, data: Dataset) -> CheckResult:
    """Every process of a run loads the data itself: the loads must agree, or trials train on different data."""
    try:
        again = spec.load(options)
        same = again.fingerprint() == data.fingerprint()
    except Exception as error:
        return CheckResult("loads the same twice", False, f"the second load failed: {error_line(error)}")
    if same:
        return CheckResult("loads the same twice", True, "same samples and labels")
    return CheckResult("loads the same twice", False, "two loads differ: fix the seed of anything random in load()")
