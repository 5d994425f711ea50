"""A model's checks: it builds for a shape it supports, trains with the reference loss, and with every built-in loss."""

from __future__ import annotations

import torch

from ganbench.conformance.reference import REFERENCE_LOSS, reference_vectors
from ganbench.conformance.results import BATCH, CheckResult, described, error_line
from ganbench.conformance.watch import Run, objective_checks, train_once, training_checks, trial_plan
from ganbench.plugins import BUILTIN_DISTRIBUTION
from ganbench.registry import Registry
from ganbench.types import Critic, Dataset, DataShape, ModelSpec


def check_model(registry: Registry, spec: ModelSpec) -> list[CheckResult]:
    shape = _shape_for(spec)
    data = _data_for(shape)
    results = [described(spec), _builds(spec, shape)]
    if not results[-1].passed:
        return results
    if spec.objective is not None:  # no adversarial loss: its own step, through both its networks
        return [*results, *objective_checks(registry, trial_plan(spec, spec.objective_loss(), data), data)]
    # A model knows its own parameters: an update must reach every one of them, but for a model that
    # follows the budget (set_progress: progressive growing), whose later layers wait for their turn.
    strict = not _progress_aware(spec, shape)
    results += training_checks(
        registry,
        trial_plan(spec, REFERENCE_LOSS, data),
        data,
        strict_d=strict,
        strict_g=strict,
        g_subject=f"G's loss through {spec.name}",
        d_subject=f"D's loss through {spec.name}",
    )
    results.append(_with_every_builtin_loss(registry, spec, data))
    return results


#: the classes of the labelled data a class-conditional model is checked on
CLASSES = 3


def _progress_aware(spec: ModelSpec, shape: DataShape) -> bool:
    hp = spec.hparams
    return any(hasattr(module, "set_progress") for module in (spec.generator(shape, hp), spec.critic(shape, hp)))


def _shape_for(model: ModelSpec) -> DataShape:
    """The cheapest shape the model declares it supports: 2-D vectors, else small grey images; labelled
    (CLASSES classes) for a class-conditional model."""
    classes = CLASSES if model.conditional else 0
    if "vector" in model.data_kinds:
        return DataShape("vector", (2,), classes)
    lo, hi = model.image_sizes
    side = next((s for s in (16, 32, 8, 64, 4, 128) if lo <= s <= hi), lo)
    channels = 1 if 1 in model.channels else model.channels[0]
    return DataShape("image", (channels, side, side), classes)


def _data_for(shape: DataShape) -> Dataset:
    g = torch.Generator().manual_seed(0)
    if shape.classes:  # labelled: each class its own offset, so a conditional model has something to learn
        labels = torch.randint(shape.classes, (256,), generator=g)
        offset = (labels.float() - 1).view(-1, *[1] * len(shape.shape))
        x = torch.randn(256, *shape.shape, generator=g) + offset
        names = tuple(str(c) for c in range(shape.classes))
        return Dataset(f"reference-labelled {shape}", torch.tanh(x) if shape.kind == "image" else x, labels, names)
    if shape.kind == "vector":
        data = reference_vectors()
        return data if shape.shape == (2,) else Dataset("reference-vectors", torch.randn(512, *shape.shape))
    return Dataset(f"reference-images {shape}", torch.tanh(torch.randn(256, *shape.shape, generator=g)))


def _builds(spec: ModelSpec, shape: DataShape) -> CheckResult:
    """G and D for the shape, and what they give for one batch: the shapes the training step relies on."""
    hp = spec.hparams.replace(batch_size=BATCH)
    try:
        torch.manual_seed(0)
        G, D = spec.generator(shape, hp), spec.critic(shape, hp)
        labels = (torch.randint(shape.classes, (BATCH,)),) if spec.conditional else ()  # G(z, y), D(x, y)
        with torch.no_grad():
            x = G(torch.randn(BATCH, hp.z_dim), *labels)
            # A model with its own objective has no scores: its second network is the objective's to use.
            scores = D(x, *labels) if spec.objective is None else torch.zeros(BATCH)
            # A conditional critic's features may read the sample joined with its label: checked alone only
            # where the model says they read the sample alone (label_free_features).
            readable = not spec.conditional or spec.label_free_features  # else they read (x, y) joined
            features = D.features(x) if isinstance(D, Critic) and readable else None
            terms = spec.objective.step(G, D, x, *labels) if spec.objective is not None else {"loss": torch.zeros(())}
            paired = _score_and_features(spec, D, x, labels)
    except Exception as error:
        return CheckResult(
            "builds", False, f"for {shape}: {error_line(error)} (it must build for every shape supports() accepts)"
        )
    problems = []
    if not isinstance(D, Critic):
        problems.append(f"critic() returned {type(D).__name__}, not a ganbench.types.Critic")
    if tuple(x.shape) != (BATCH, *shape.shape):
        problems.append(f"G gives {tuple(x.shape)} for {BATCH} latents, expected {(BATCH, *shape.shape)}")
    if tuple(scores.shape) != (BATCH,):
        problems.append(f"D gives scores of shape {tuple(scores.shape)}, expected ({BATCH},)")
    if "loss" not in terms or terms["loss"].dim():
        problems.append(f"the objective's step gives {sorted(terms)}, which must hold 'loss', a scalar to minimise")
    if features is not None and (features.dim() != 2 or features.shape[0] != BATCH):
        problems.append(f"D.features gives {tuple(features.shape)}, expected (N, F)")
    if paired:
        problems.append(paired)
    return CheckResult("builds", not problems, "; ".join(problems) or f"G and D for {shape}")


def _score_and_features(spec: ModelSpec, D: Critic, x: torch.Tensor, labels: tuple) -> str:
    """A conditional critic must score through ``score_and_features(x, y)`` as through forward, with the
    features (N, F) D computes for (x, y): acgan's step reads them, and so does a stabiliser's
    ``critic.features(x)`` (feature matching) through ganbench.conditioning.CriticGiven. Compared in
    eval mode, where BatchNorm and spectral norm give the same numbers twice."""
    if not spec.conditional or spec.objective is not None:
        return ""
    mode = D.training
    D.eval()
    try:
        scores, h = D.score_and_features(x, *labels)
        same = torch.allclose(scores, D(x, *labels), rtol=1e-4, atol=1e-5)
    except Exception as error:
        same, h = False, None
        failed = f" (it failed: {error_line(error)})"
    else:
        failed = ""
    finally:
        D.train(mode)
    if not same or h is None or h.dim() != 2 or h.shape[0] != x.shape[0]:
        joined = "x alone" if spec.label_free_features else "x with its label"
        return (
            f"D.score_and_features(x, y) must give forward's scores and the features (N, F) of {joined}{failed}: "
            "override it where the label enters the critic (stabilisers such as fm read its features)"
        )
    return ""


def _with_every_builtin_loss(registry: Registry, spec: ModelSpec, data: Dataset) -> CheckResult:
    """A grid pairs a model with every loss: each built-in must train one step, or be declined with a reason.

    Built-in means shipped with ganbench (by distribution); no loss is named here.
    """
    losses = [r for r in registry.all("losses") if r.distribution == BUILTIN_DISTRIBUTION]
    if not losses:
        return CheckResult("every built-in loss", True, "no built-in loss is installed")
    trained, declined, failed = [], [], []
    for loss in losses:
        if loss.name in spec.incompatible_losses:
            declined.append(f"{loss.name} ({spec.incompatible_losses[loss.name]})")
            continue
        try:
            run = train_once(registry, trial_plan(spec, loss, data), data, steps=1)
        except Exception as error:
            failed.append(f"{loss.name}: {error_line(error)}")
            continue
        (trained if isinstance(run, Run) else declined).append(
            loss.name if isinstance(run, Run) else f"{loss.name} ({run})"
        )
    if failed:
        return CheckResult(
            "every built-in loss",
            False,
            "; ".join(failed) + " (fix it, or declare it in incompatible_losses with the reason)",
        )
    detail = f"trains with {', '.join(trained) or 'none'}" + (f"; declines {', '.join(declined)}" if declined else "")
    return CheckResult("every built-in loss", True, detail)
