"""Does one component keep the plugin contract? `ganbench check-plugin NAME` and ``check(kind, name)``.

Every check trains through the real step (:func:`ganbench.train.train`), paired with small
*reference* partners defined here (an MLP pair, a non-saturating loss, two synthetic data
sets), so a loss is judged without depending on a built-in model and the other way round.
The optimisers are watched, not replaced: at the first D and G updates we look at which
parameters hold a gradient, which is how "the generator term must reach G" is checked.

A check is ``CheckResult(check, passed, detail)``; ``detail`` is one line saying what was
seen, and on failure what the contract asks for.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from ganbench.budget import Budget, TrainingClock
from ganbench.errors import UsageError, unknown_name
from ganbench.grid import check_trial
from ganbench.plugins import BUILTIN_DISTRIBUTION
from ganbench.registry import KINDS, SINGULAR, Registry
from ganbench.train import build_setup, train
from ganbench.types import (
    Critic,
    DataOptions,
    Dataset,
    DatasetSpec,
    DataShape,
    DataUnavailable,
    Executor,
    ExecutorSpec,
    HParams,
    LossSpec,
    Measurement,
    Metric,
    MetricContext,
    MetricSpec,
    ModelSpec,
    Record,
    Stabiliser,
    StabiliserChoice,
    StabiliserSpec,
    TrialPlan,
    normalise_name,
)

#: the kinds a check exists for (CLI words, singular or plural, map onto these)
CHECKABLE = ("models", "losses", "stabilisers", "datasets", "metrics", "executors")
CPU = torch.device("cpu")
BATCH = 8
SAMPLES_CHECKED = 10_000  # of a data set, read and checked


class CheckResult(NamedTuple):
    check: str
    passed: bool
    detail: str = ""


# --------------------------------------------------------------------------- reference partners


def _size(shape: DataShape) -> int:
    return math.prod(shape.shape)


def reference_generator(shape: DataShape, hp: HParams) -> nn.Module:
    layers = [nn.Linear(hp.z_dim, 32), nn.LeakyReLU(0.2), nn.Linear(32, _size(shape))]
    if shape.kind == "image":
        layers.append(nn.Tanh())
    return nn.Sequential(*layers, nn.Unflatten(1, shape.shape))


def reference_critic(shape: DataShape, hp: HParams) -> Critic:
    return Critic(nn.Sequential(nn.Flatten(), nn.Linear(_size(shape), 32), nn.LeakyReLU(0.2)), nn.Linear(32, 1))


REFERENCE_MODEL = ModelSpec(
    name="reference-mlp",
    description="conformance partner: an MLP pair for any data",
    generator=reference_generator,
    critic=reference_critic,
    data_kinds=("vector", "image"),
    image_sizes=(4, 256),
    channels=tuple(range(1, 65)),
    hparams=HParams(z_dim=8, batch_size=BATCH, lr_g=1e-3, lr_d=1e-3),
)


def _ns_d_loss(real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    real_term = real_target * F.softplus(-real) + (1.0 - real_target) * F.softplus(real)
    return real_term.mean() + F.softplus(fake).mean()


REFERENCE_LOSS = LossSpec(
    name="reference-ns",
    description="conformance partner: the non-saturating loss",
    d_loss=_ns_d_loss,
    g_loss=lambda fake, real: F.softplus(-fake).mean(),
    uses_labels=True,
)


def reference_vectors() -> Dataset:
    """Eight tight Gaussians on the unit circle, fixed by seed: vector data with known modes."""
    g = torch.Generator().manual_seed(0)
    angles = torch.arange(8) * (2 * math.pi / 8)
    modes = torch.stack([angles.cos(), angles.sin()], dim=1)
    index = torch.randint(8, (512,), generator=g)
    return Dataset(
        "reference-ring",
        modes[index] + 0.02 * torch.randn(512, 2, generator=g),
        labels=index,
        class_names=tuple(map(str, range(8))),
        modes=modes,
        mode_std=0.02,
    )


def reference_images() -> Dataset:
    """256 grey 16x16 images in [-1, 1] with ten labels: image data for image-only components."""
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(10, (256,), generator=g)
    x = torch.tanh(torch.randn(256, 1, 16, 16, generator=g) + labels.view(-1, 1, 1, 1) / 5 - 1)
    return Dataset("reference-images", x, labels=labels, class_names=tuple(map(str, range(10))))


# --------------------------------------------------------------------------- the watched step


class _Watched:
    """An optimiser that reports the gradients it is about to apply, then applies them."""

    def __init__(self, optimiser: torch.optim.Optimizer, on_step: Callable[[], None]):
        self._optimiser, self._on_step = optimiser, on_step

    def zero_grad(self, set_to_none: bool = True) -> None:
        self._optimiser.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        self._on_step()
        self._optimiser.step()

    def __getattr__(self, name):
        return getattr(self._optimiser, name)


class Run(NamedTuple):
    numbers: list[tuple[int, str, float]]  # the step's logged scalars
    generator_state: dict[str, torch.Tensor]
    d_grads: dict[str, str]  # "D"/"G" param name -> "none" | "zero" | "ok", at the first D update
    g_grads: dict[str, str]  # the same at the first G update


def _grad_state(p: torch.Tensor) -> str:
    if p.grad is None:
        return "none"
    return "ok" if bool(p.grad.abs().sum() > 0) else "zero"


def train_once(registry: Registry, plan: TrialPlan, data: Dataset, steps: int = 2) -> Run | str:
    """``steps`` generator steps of the real training loop on the CPU; a skip reason if the grid would skip it."""
    planned = check_trial(registry, plan)
    if planned.skip_reason:
        return planned.skip_reason
    setup = build_setup(plan, registry, CPU)
    seen: dict[str, dict[str, str]] = {}

    def snapshot(which: str) -> Callable[[], None]:
        def on_step() -> None:
            if which not in seen:
                seen[which] = {
                    **{f"G.{n}": _grad_state(p) for n, p in setup.generator.named_parameters() if p.requires_grad},
                    **{f"D.{n}": _grad_state(p) for n, p in setup.critic.named_parameters() if p.requires_grad},
                }

        return on_step

    setup.opt_d = _Watched(setup.opt_d, snapshot("d"))  # type: ignore[assignment]
    setup.opt_g = _Watched(setup.opt_g, snapshot("g"))  # type: ignore[assignment]
    outcome = train(
        setup,
        data,
        Budget("steps", steps),
        TrainingClock(CPU),
        checkpoints=0,
        on_checkpoint=lambda index, usage: None,
        log_every=1,
    )
    state = {k: v.detach().clone() for k, v in setup.generator.state_dict().items()}
    numbers = [(s.step, s.name, s.value) for s in outcome.scalars]
    return Run(numbers, state, seen.get("d", {}), seen.get("g", {}))


def _same(a: Run, b: Run) -> bool:
    return (
        a.numbers == b.numbers
        and a.generator_state.keys() == b.generator_state.keys()
        and all(torch.equal(a.generator_state[k], b.generator_state[k]) for k in a.generator_state)
    )


def _names(grads: dict[str, str], prefix: str, states: set[str]) -> list[str]:
    return [n for n, s in grads.items() if n.startswith(prefix) and s in states]


def _short(names: list[str], n: int = 4) -> str:
    return ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")


def _error(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def _plan(
    model: ModelSpec, loss: LossSpec, data: Dataset, stabilisers: tuple[StabiliserChoice, ...] = (), seed: int = 0
) -> TrialPlan:
    hp = model.hparams.replace(batch_size=BATCH)
    return TrialPlan(model, loss, stabilisers, seed, hp, data.shape)


def _training_checks(
    registry: Registry,
    plan: TrialPlan,
    data: Dataset,
    *,
    strict_d: bool,
    strict_g: bool,
    g_subject: str,
    d_subject: str,
) -> list[CheckResult]:
    """one step runs; losses are finite; gradients go where they should; same seed, same numbers."""
    results = []
    try:
        first = train_once(registry, plan, data)
    except Exception as error:
        text = _error(error)
        if "does not require grad" in text:
            return [
                CheckResult("one CPU step", False, text),
                CheckResult(
                    "gradients: G update",
                    False,
                    f"{g_subject} gives G no gradient at all: it must be "
                    "computed from the scores it is given, not detached from them",
                ),
            ]
        if "not finite" in text:
            return [CheckResult("one CPU step", True, "ran"), CheckResult("finite losses", False, text)]
        return [CheckResult("one CPU step", False, text)]
    if isinstance(first, str):
        return [CheckResult("one CPU step", False, f"the trial would be skipped: {first}")]
    results.append(
        CheckResult(
            "one CPU step",
            True,
            f"{plan.model.name} x {plan.loss.name} x {plan.stabiliser_label} on {data.name}, 2 steps",
        )
    )
    values = {name: value for _, name, value in first.numbers}
    bad = [n for n, v in values.items() if not math.isfinite(v)]
    results.append(CheckResult("finite losses", not bad, ", ".join(f"{n} {v:.4g}" for n, v in values.items())))

    # D's update: its loss must reach D and, with G's samples detached, nothing of G.
    d_missing = _names(first.d_grads, "D.", {"none"} if strict_d else {"none", "zero"})
    d_any = _names(first.d_grads, "D.", {"ok"})
    g_leak = _names(first.d_grads, "G.", {"ok", "zero"})
    if not d_any:
        results.append(
            CheckResult("gradients: D update", False, f"{d_subject} gives no gradient to any parameter of D")
        )
    elif strict_d and d_missing:
        results.append(CheckResult("gradients: D update", False, f"D's loss never reaches {_short(d_missing)}"))
    elif g_leak:
        results.append(CheckResult("gradients: D update", False, f"D's update gives gradients to G: {_short(g_leak)}"))
    else:
        results.append(CheckResult("gradients: D update", True, f"{len(d_any)} D tensors, no G tensor"))
    # G's update: its loss must reach G.
    g_none = _names(first.g_grads, "G.", {"none"})
    g_any = _names(first.g_grads, "G.", {"ok"})
    if not g_any:
        results.append(
            CheckResult("gradients: G update", False, f"{g_subject} gives no (or only zero) gradient to G's parameters")
        )
    elif strict_g and g_none:
        results.append(CheckResult("gradients: G update", False, f"G's loss never reaches {_short(g_none)}"))
    else:
        results.append(CheckResult("gradients: G update", True, f"{len(g_any)} G tensors"))
    try:
        again = train_once(registry, plan, data)
        same = isinstance(again, Run) and _same(first, again)
        results.append(
            CheckResult(
                "same seed, same numbers",
                same,
                "two runs with seed 0 agree"
                if same
                else "two runs with seed 0 differ: draw randomness from torch's seeded generators",
            )
        )
    except Exception as error:
        results.append(CheckResult("same seed, same numbers", False, f"the second run failed: {_error(error)}"))
    return results


def _described(record: Record) -> CheckResult:
    ok = bool(record.description.strip()) and "\n" not in record.description.strip()
    return CheckResult("described", ok, record.description if ok else "give the record a one-line description")


# --------------------------------------------------------------------------- per kind


def _shape_for(model: ModelSpec) -> DataShape:
    if "vector" in model.data_kinds:
        return DataShape("vector", (2,))
    lo, hi = model.image_sizes
    side = next((s for s in (16, 32, 8, 64, 4, 128) if lo <= s <= hi), lo)
    channels = 1 if 1 in model.channels else model.channels[0]
    return DataShape("image", (channels, side, side))


def _data_for(shape: DataShape) -> Dataset:
    if shape.kind == "vector":
        data = reference_vectors()
        return data if shape.shape == (2,) else Dataset("reference-vectors", torch.randn(512, *shape.shape))
    g = torch.Generator().manual_seed(0)
    return Dataset(f"reference-images {shape}", torch.tanh(torch.randn(256, *shape.shape, generator=g)))


def check_model(registry: Registry, spec: ModelSpec) -> list[CheckResult]:
    results = [_described(spec)]
    shape = _shape_for(spec)
    data = _data_for(shape)
    hp = spec.hparams.replace(batch_size=BATCH)
    try:
        torch.manual_seed(0)
        G, D = spec.generator(shape, hp), spec.critic(shape, hp)
        with torch.no_grad():
            x = G(torch.randn(BATCH, hp.z_dim))
            scores, features = D(x), (D.features(x) if isinstance(D, Critic) else None)
        problems = []
        if not isinstance(D, Critic):
            problems.append(f"critic() returned {type(D).__name__}, not a ganbench.types.Critic")
        if tuple(x.shape) != (BATCH, *shape.shape):
            problems.append(f"G gives {tuple(x.shape)} for {BATCH} latents, expected {(BATCH, *shape.shape)}")
        if tuple(scores.shape) != (BATCH,):
            problems.append(f"D gives scores of shape {tuple(scores.shape)}, expected ({BATCH},)")
        if features is not None and (features.dim() != 2 or features.shape[0] != BATCH):
            problems.append(f"D.features gives {tuple(features.shape)}, expected (N, F)")
        results.append(CheckResult("builds", not problems, "; ".join(problems) or f"G and D for {shape}"))
        if problems:
            return results
    except Exception as error:
        return results + [CheckResult("builds", False, f"for {shape}: {_error(error)}")]
    plan = _plan(spec, REFERENCE_LOSS, data)
    results += _training_checks(
        registry,
        plan,
        data,
        strict_d=True,
        strict_g=True,
        g_subject=f"G's loss through {spec.name}",
        d_subject=f"D's loss through {spec.name}",
    )
    results.append(_with_every_builtin_loss(registry, spec, data))
    return results


def _with_every_builtin_loss(registry: Registry, spec: ModelSpec, data: Dataset) -> CheckResult:
    losses = [r for r in registry.all("losses") if r.distribution == BUILTIN_DISTRIBUTION]
    if not losses:
        return CheckResult("every built-in loss", True, "no built-in loss is installed")
    trained, declined, failed = [], [], []
    for loss in losses:
        if loss.name in spec.incompatible_losses:
            declined.append(f"{loss.name} ({spec.incompatible_losses[loss.name]})")
            continue
        try:
            run = train_once(registry, _plan(spec, loss, data), data, steps=1)  # type: ignore[arg-type]
            (trained if isinstance(run, Run) else declined).append(
                loss.name if isinstance(run, Run) else f"{loss.name} ({run})"
            )
        except Exception as error:
            failed.append(f"{loss.name}: {_error(error)}")
    if failed:
        return CheckResult(
            "every built-in loss",
            False,
            "; ".join(failed) + " (fix it, or declare it in incompatible_losses with the reason)",
        )
    detail = f"trains with {', '.join(trained) or 'none'}" + (f"; declines {', '.join(declined)}" if declined else "")
    return CheckResult("every built-in loss", True, detail)


def check_loss(registry: Registry, spec: LossSpec) -> list[CheckResult]:
    results = [_described(spec)]
    real, fake = torch.tensor([1.0, -0.5, 2.0]), torch.tensor([-1.0, 0.5, 0.0])
    try:
        values = {"d_loss": spec.d_loss(real, fake), "g_loss": spec.g_loss(fake, real if spec.g_uses_real else None)}
        if spec.uses_labels:
            values["d_loss(real_target=0.9)"] = spec.d_loss(real, fake, real_target=0.9)
        wrong = [
            f"{k} gives {tuple(v.shape) if torch.is_tensor(v) else type(v).__name__}"
            for k, v in values.items()
            if not (torch.is_tensor(v) and v.dim() == 0)
        ]
        results.append(
            CheckResult(
                "builds",
                not wrong,
                "; ".join(wrong) + " (each must return a scalar tensor)"
                if wrong
                else "d_loss and g_loss return scalars",
            )
        )
    except Exception as error:
        hint = " (a loss that reads D(real) in g_loss must set g_uses_real=True)" if not spec.g_uses_real else ""
        return results + [CheckResult("builds", False, f"calling the loss on scores: {_error(error)}{hint}")]
    data = reference_vectors()
    plan = _plan(REFERENCE_MODEL, spec, data)
    return results + _training_checks(
        registry,
        plan,
        data,
        strict_d=False,
        strict_g=False,
        g_subject=f"{spec.name}'s g_loss",
        d_subject=f"{spec.name}'s d_loss",
    )


def check_stabiliser(registry: Registry, spec: StabiliserSpec) -> list[CheckResult]:
    results = [_described(spec)]
    try:
        made = spec.factory(**dict(spec.params))
        if not isinstance(made, Stabiliser):
            return results + [
                CheckResult("builds", False, f"factory() gave {type(made).__name__}, not a ganbench.types.Stabiliser")
            ]
        results.append(CheckResult("builds", True, f"factory({', '.join(f'{k}={v}' for k, v in spec.params.items())})"))
    except Exception as error:
        return results + [CheckResult("builds", False, f"factory with the default parameters: {_error(error)}")]
    reasons = []
    for data in (reference_vectors(), reference_images()):
        plan = _plan(REFERENCE_MODEL, REFERENCE_LOSS, data, (StabiliserChoice(spec.name),))
        try:
            reason = check_trial(registry, plan).skip_reason
        except Exception as error:
            reason = _error(error)
        if reason:
            reasons.append(f"{data.name}: {reason}")
            continue
        return results + _training_checks(
            registry,
            plan,
            data,
            strict_d=False,
            strict_g=False,
            g_subject=f"G's loss as {spec.name} amends it",
            d_subject=f"D's loss with {spec.name}",
        )
    return results + [CheckResult("one CPU step", False, "skipped with every reference model: " + "; ".join(reasons))]


def check_dataset(registry: Registry, spec: DatasetSpec, options: DataOptions) -> list[CheckResult]:
    results = [_described(spec)]
    if spec.takes_argument and not options.argument:
        return results + [
            CheckResult(
                "loads",
                True,
                f"{spec.name} needs an argument ({spec.name}:PATH); pass --data-argument to check the rest",
            )
        ]
    try:
        data = spec.load(options)
    except DataUnavailable as error:
        return results + [CheckResult("loads", True, f"its files are not here, and it says so in one line: {error}")]
    except Exception as error:
        return results + [CheckResult("loads", False, _error(error))]
    if not isinstance(data, Dataset):
        return results + [
            CheckResult("loads", False, f"load() gave {type(data).__name__}, not a ganbench.types.Dataset")
        ]
    results.append(CheckResult("loads", True, f"{len(data)} samples, {data.shape}"))
    problems = _dataset_problems(spec, data)
    results.append(
        CheckResult(
            "samples",
            not problems,
            "; ".join(problems)
            or "float32, finite, in range"
            + (f", {data.num_classes} classes" if data.num_classes else "")
            + (f", {len(data.modes)} modes" if data.modes is not None else ""),
        )
    )
    if problems:
        return results
    model = REFERENCE_MODEL
    plan = _plan(model, REFERENCE_LOSS, data)
    training = _training_checks(
        registry, plan, data, strict_d=False, strict_g=False, g_subject="G's loss", d_subject="D's loss"
    )
    results += [r for r in training if not r.check.startswith("gradients")]
    again = spec.load(options)
    same = again.fingerprint() == data.fingerprint()
    results.append(
        CheckResult(
            "loads the same twice",
            same,
            "same samples and labels" if same else "two loads differ: fix the seed of anything random in load()",
        )
    )
    return results


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


def check_metric(registry: Registry, spec: MetricSpec, cache_dir: str) -> list[CheckResult]:
    results = [_described(spec)]
    reasons, data = [], None
    for candidate in (reference_vectors(), reference_images()):
        reason = spec.applies_to(candidate)
        if reason is None:
            data = candidate
            break
        reasons.append(f"{candidate.name}: {reason}")
    if data is None:
        return results + [
            CheckResult(
                "builds", True, "applies to no reference data set, so not computed (" + "; ".join(reasons) + ")"
            )
        ]
    try:
        metric = spec.factory(MetricContext(data, CPU, cache_dir, {}))
        results.append(CheckResult("builds", isinstance(metric, Metric), f"prepared on {data.name}"))
    except Exception as error:
        return results + [CheckResult("builds", False, f"on {data.name}: {_error(error)}")]
    from ganbench.evaluate import sampler

    torch.manual_seed(0)
    G = reference_generator(data.shape, REFERENCE_MODEL.hparams).eval()

    def measure() -> list[Measurement]:
        return metric.compute(sampler(G, REFERENCE_MODEL.hparams.z_dim, seed=0))

    try:
        first = measure()
    except Exception as error:
        return results + [CheckResult("computes", False, _error(error))]
    wrong = [m for m in first if not isinstance(m, Measurement) or not isinstance(m.value, (int, float))]
    if wrong or not first:
        return results + [
            CheckResult("computes", False, "compute() must return a non-empty list of Measurement with float values")
        ]
    results.append(CheckResult("computes", True, ", ".join(f"{m.column} {m.value:.4g}" for m in first)))
    bad = [m.column for m in first if not math.isfinite(m.value)]
    results.append(CheckResult("finite values", not bad, f"not finite: {', '.join(bad)}" if bad else "all finite"))
    same = [(m.column, m.value) for m in measure()] == [(m.column, m.value) for m in first]
    results.append(
        CheckResult(
            "same seed, same numbers",
            same,
            "two evaluations with the same sampler seed agree"
            if same
            else "two evaluations of the same samples differ",
        )
    )
    return results


def _jobs(registry: Registry, plugins) -> list:
    """Two real two-step trials (mlp x ns on ring8, seeds 0 and 1), as `ganbench run` would send them."""
    from ganbench.trial import PluginOptions, SessionKey, TrialJob

    model = registry.get("models", "mlp")
    key = SessionKey(
        plugins or PluginOptions(), "ring8", DataOptions(download=False), "cpu", (), (), tempfile.gettempdir()
    )
    hp = model.hparams.replace(batch_size=32).as_dict()
    return [TrialJob("mlp", "ns", (), seed, hp, Budget("steps", 2), 1, key, position=seed) for seed in (0, 1)]


def check_executor(registry: Registry, spec: ExecutorSpec, plugins=None) -> list[CheckResult]:
    from ganbench.trial import run_trial

    results = [_described(spec)]
    try:
        executor = spec.factory({"workers": 1})
    except UsageError as error:  # e.g. an optional dependency is missing: it says so in one line
        return results + [CheckResult("builds", True, f"not usable here, and it says why: {error}")]
    except Exception as error:
        return results + [CheckResult("builds", False, _error(error))]
    results.append(CheckResult("builds", isinstance(executor, Executor), "factory({'workers': 1})"))
    try:
        jobs = _jobs(registry, plugins)
    except UsageError as error:
        return results + [
            CheckResult("runs every job once", True, f"not run: the built-in mlp, ns or ring8 is missing ({error})")
        ]
    try:
        got = list(executor.run(jobs, run_trial))
    except Exception as error:
        return results + [CheckResult("runs every job once", False, _error(error))]
    ids = sorted(getattr(r, "id", None) for r in got)
    ok = ids == sorted(job.id for job in jobs) and all(r.status == "done" for r in got)
    detail = (
        "2 trials, 2 results, both done"
        if ok
        else (
            f"expected one 'done' result per job, got {[(getattr(r, 'id', r), getattr(r, 'status', '?')) for r in got]}"
        )
    )
    return results + [CheckResult("runs every job once", ok, detail)]


# --------------------------------------------------------------------------- entry points


def kind_of(word: str) -> str:
    """'loss', 'losses' or 'Loss' -> 'losses'."""
    word = normalise_name(word)
    for kind in CHECKABLE:
        if word in (kind, SINGULAR[kind].replace(" ", ""), SINGULAR[kind].replace(" ", "-")):
            return kind
    raise UsageError(f"unknown kind '{word}': choose one of {', '.join(SINGULAR[k] for k in CHECKABLE)}")


def find(registry: Registry, name: str, kind: str | None = None) -> tuple[str, Record]:
    """The kind and record of a name; unknown names and names of several kinds are usage errors."""
    if kind is not None:
        kind = kind_of(kind)
        return kind, registry.get(kind, name)
    key = normalise_name(name)
    kinds = [k for k in CHECKABLE if key in registry.records[k]]
    if not kinds:
        everything = {n for k in CHECKABLE for n in registry.records[k]}
        raise unknown_name("component", name, everything)
    if len(kinds) > 1:
        raise UsageError(
            f"'{key}' is a {' and a '.join(SINGULAR[k] for k in kinds)}; "
            f"say which with --kind {SINGULAR[kinds[0]].replace(' ', '')}"
        )
    return kinds[0], registry.records[kinds[0]][key]


def check(
    kind: str | None,
    name: str,
    *,
    registry: Registry | None = None,
    plugins=None,
    data: DataOptions = DataOptions(download=False),
    cache_dir: str | None = None,
) -> list[CheckResult]:
    """Check one component against the contract; ``kind`` is 'model', 'loss', ... (or None to look it up).

    ``plugins`` (:class:`ganbench.trial.PluginOptions`) are the options the registry was built
    with; executors need them to send real trials to their workers.
    """
    if registry is None:
        from ganbench.trial import PluginOptions, registry_for

        registry = registry_for(plugins or PluginOptions())
    kind, record = find(registry, name, kind)
    providers = [r.provider for r in registry.all(kind) if r.name == record.name]
    results = [
        CheckResult("unique name", len(providers) == 1, f"{SINGULAR[kind]} '{record.name}' from {record.provider}")
    ]
    if kind == "models":
        results += check_model(registry, record)  # type: ignore[arg-type]
    elif kind == "losses":
        results += check_loss(registry, record)  # type: ignore[arg-type]
    elif kind == "stabilisers":
        results += check_stabiliser(registry, record)  # type: ignore[arg-type]
    elif kind == "datasets":
        results += check_dataset(registry, record, data)  # type: ignore[arg-type]
    elif kind == "metrics":
        results += check_metric(registry, record, cache_dir or tempfile.gettempdir())  # type: ignore[arg-type]
    else:
        results += check_executor(registry, record, plugins)  # type: ignore[arg-type]
    return results


def failures(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.passed]


assert set(CHECKABLE) == set(KINDS)
