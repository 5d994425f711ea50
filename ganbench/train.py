"""One trial's training: build it, then the step, repeated until the budget is spent.

The step reads like pytorch/examples' DCGAN: (1) update D, (2) update G, (3) account. The
loss and the stabilisers do all the GAN-specific work; this loop only calls them in order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

from ganbench.budget import Budget, TrainingClock
from ganbench.conditioning import CriticGiven, GeneratorGiven, auxiliary_classifier, class_logits
from ganbench.ema import GeneratorAverage
from ganbench.ledger import Diverged, TrainingLedger, TrainingOutcome
from ganbench.registry import Registry
from ganbench.types import Critic, Dataset, HParams, LossSpec, Objective, Stabiliser, TrialPlan, Usage

__all__ = ["Diverged", "Draws", "FastPaths", "Setup", "TrainingOutcome", "build_setup", "train", "train_members"]


@dataclass(frozen=True)
class FastPaths:
    """Speed options, recorded with each trial; they change how fast a step runs, not what it computes.

    ``amp``: None, "bf16" or "fp16" (autocast, with a gradient scaler per optimiser for fp16);
    ``channels_last``: NHWC memory layout for image models; ``compile``: torch.compile G and D;
    ``cudnn_benchmark``: let cuDNN autotune convolution algorithms (CUDA only).
    """

    amp: str | None = None
    channels_last: bool = False
    compile: bool = False
    cudnn_benchmark: bool = False


@dataclass
class Setup:
    """Everything one trial trains: built fresh per trial, so no state leaks between trials."""

    generator: nn.Module
    critic: Critic
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    loss: LossSpec
    stabilisers: list[Stabiliser]
    hparams: HParams
    seed: int
    fast: FastPaths = FastPaths()
    scaler_g: torch.amp.GradScaler | None = None
    scaler_d: torch.amp.GradScaler | None = None
    loss_params: dict = field(default_factory=dict)  # the loss's own parameters, as keywords
    # Optimisers of the stabilisers' own modules (MRGAN's encoder), stepped with G's from G's loss.
    opt_own: list[torch.optim.Optimizer] = field(default_factory=list)
    compiled: str = ""  # under --compile: what was compiled ("G and D", or "G only, ..." and why)
    average: GeneratorAverage | None = None  # the EMA of G's weights, where hparams.ema asks for one
    # A batched ensemble's members (ganbench.ensemble), each built as alone; G and D above stack theirs.
    members: list[Setup] = field(default_factory=list)
    conditional: bool = False  # G(z, y) and D(x, y): a class-conditional model (ganbench.conditioning)
    objective: Objective | None = None  # the model's own objective (a VAE's ELBO), trained in place of a loss

    @property
    def seeds(self) -> list[int]:
        """The seed of every trial this trains: each draws its data and latents from its own generator."""
        return [m.seed for m in self.members] or [self.seed]

    @property
    def averages(self) -> list[GeneratorAverage]:
        """G's moving averages, updated after each G step: the trial's, or each member's."""
        own = [self.average] if self.average is not None else []
        return [a for m in self.members for a in m.averages] or own

    def _progress_listeners(self) -> list:
        """The ``set_progress`` of every module that has one: G, D, G's moving averages (made at their first
        update, so looked up each time) and, in an ensemble, every member's modules."""
        modules = [self.generator, self.critic, *(a.evaluated for a in self.averages)]
        modules += [m for member in self.members for m in (member.generator, member.critic)]
        found = (getattr(getattr(module, "_orig_mod", module), "set_progress", None) for module in modules)
        return [told for told in found if told is not None]

    @property
    def follows_budget(self) -> bool:
        """A progress-aware model (progressive growing): one that reads the share of the budget spent."""
        return bool(self._progress_listeners())

    @property
    def real_view(self) -> Callable[[torch.Tensor], torch.Tensor] | None:
        """D's ``real_view``, if it has one: what each real batch becomes before D (progressive growing
        fades the real images in with a new resolution). In an ensemble, one member's: they share the budget."""
        critic = self.members[0].critic if self.members else self.critic
        return getattr(getattr(critic, "_orig_mod", critic), "real_view", None)

    def tell_progress(self, progress: float) -> None:
        for told in self._progress_listeners():
            told(progress)

    @property
    def evaluated(self) -> nn.Module:
        """What metrics, pictures and the saved generator use: the EMA of G where there is one, else G."""
        return self.average.evaluated if self.average is not None else self.generator

    def autocast(self):
        device = next(self.generator.parameters()).device.type
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.fast.amp or "")
        return torch.autocast(device, dtype=dtype, enabled=dtype is not None)


def make_optimiser(hp: HParams, params, lr: float) -> torch.optim.Optimizer:
    if hp.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, betas=hp.betas)
    if hp.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    raise ValueError(f"unknown optimizer '{hp.optimizer}': use adam or rmsprop")


def optimiser_step(
    optimiser: torch.optim.Optimizer,
    loss: torch.Tensor,
    scaler: torch.amp.GradScaler | None,
    also: list[torch.optim.Optimizer] | None = None,
) -> None:
    """One update from ``loss``; ``also``: optimisers of stabilisers' modules that learn from the same loss."""
    optimisers = [optimiser, *(also or ())]
    for each in optimisers:
        each.zero_grad(set_to_none=True)
    if loss.dim():  # a batched ensemble's members' losses: their sum gives each member its own gradient
        loss = loss.sum()
    if scaler is None:
        loss.backward()
        for each in optimisers:
            each.step()
    else:  # fp16: scale the loss so small gradients survive, unscale before the step
        scaler.scale(loss).backward()
        for each in optimisers:
            scaler.step(each)
        scaler.update()


def build_setup(plan: TrialPlan, registry: Registry, device: torch.device, fast: FastPaths = FastPaths()) -> Setup:
    if fast.amp not in (None, "bf16", "fp16"):
        raise ValueError(f"amp '{fast.amp}': use bf16 or fp16")
    torch.manual_seed(plan.seed)
    stabilisers = [
        registry.get("stabilisers", choice.name).factory(**dict(choice.params)) for choice in plan.stabilisers
    ]
    critic_shape = plan.data_shape
    for stabiliser in stabilisers:
        critic_shape = stabiliser.critic_shape(critic_shape)
    hp = plan.hparams
    generator = plan.model.generator(plan.data_shape, hp).to(device)
    critic = plan.model.critic(critic_shape, hp)
    for stabiliser in stabilisers:
        critic = stabiliser.wrap_critic(critic)
    if plan.loss.uses_classes:  # acgan: a classifier on D's features, trained by D's optimiser
        critic.classifier = auxiliary_classifier(critic, critic_shape)
    critic = critic.to(device)
    if fast.channels_last and plan.data_shape.kind == "image":
        generator = generator.to(memory_format=torch.channels_last)
        critic = critic.to(memory_format=torch.channels_last)
    opt_g = make_optimiser(hp, generator.parameters(), hp.lr_g)
    opt_d = make_optimiser(hp, critic.parameters(), hp.lr_d)
    compiled = ""
    if fast.compile:
        generator, critic, compiled = compile_modules(generator, critic, registry, plan)
    scalers = (
        (torch.amp.GradScaler(device.type), torch.amp.GradScaler(device.type)) if fast.amp == "fp16" else (None, None)
    )
    setup = Setup(generator, critic, opt_g, opt_d, plan.loss, stabilisers, hp, plan.seed, fast, *scalers)
    setup.loss_params, setup.compiled = dict(plan.loss_params), compiled
    setup.conditional, setup.objective = plan.model.conditional, plan.model.objective
    setup.average = GeneratorAverage(generator, hp.ema, hp.ema_start)
    for stabiliser in stabilisers:
        own = stabiliser.own_module(plan.data_shape, hp)
        if own is not None:
            setup.opt_own.append(make_optimiser(hp, own.to(device).parameters(), hp.lr_g))
    return setup


def compile_modules(generator: nn.Module, critic: Critic, registry: Registry, plan: TrialPlan):
    """torch.compile G and D, or G alone where a stabiliser's penalty needs D's double backward, which
    compiled graphs do not support; returns both and what was compiled, in words, for the trial's notes.

    The compiled wrappers share parameters with the originals and pass attribute look-ups
    (features, head, constrain) through to them.
    """
    # Each trial compiles afresh: a cache from an earlier trial in this process would hide its compile
    # time and its graph breaks (ganbench.notes.compile_fallbacks counts them from here).
    torch._dynamo.reset()
    needing = [c.name for c in plan.stabilisers if registry.get("stabilisers", c.name).double_backward]
    if plan.loss.uses_classes or plan.model.objective is not None:
        # D is called through its own methods there (score_and_features, a VAE's posterior), which a
        # compiled wrapper passes to the eager module: say so rather than credit D's speed to compile.
        caller = "its step" if plan.model.objective is None else f"{plan.model.name}'s objective"
        why = f"{caller} calls D's own methods, which run eager"
        return torch.compile(generator), critic, f"G only, D eager ({why})"
    if needing:
        why = f"{', '.join(needing)} differentiates D's gradient, which compiled graphs cannot"
        return torch.compile(generator), critic, f"G only, D eager ({why})"
    return torch.compile(generator), torch.compile(critic), "G and D"


class Draws:
    """A trial's random draws, real batches and latents, from its own generator seeded by its seed.

    Labels travel as the extra arguments of G and D: ``()`` for an unconditional trial, ``(y,)`` for a
    conditional one, whose real batches bring their labels (and whose fakes ask for the same, see
    ganbench.conditioning). An ensemble's members each draw from their own generator, in the order
    they would alone, and their draws are concatenated member by member (the order the stacked
    modules expect).
    """

    def __init__(self, seeds: list[int], device: torch.device, labelled: bool = False):
        self.device, self.labelled = device, labelled
        self.generators = [torch.Generator(device).manual_seed(seed) for seed in seeds]

    def latents(self, batch: int, z_dim: int) -> torch.Tensor:
        drawn = [torch.randn(batch, z_dim, device=self.device, generator=g) for g in self.generators]
        return drawn[0] if len(drawn) == 1 else torch.cat(drawn)

    def real_batches(self, data: Dataset, batch: int) -> Iterator[tuple[torch.Tensor, tuple[torch.Tensor, ...]]]:
        """(samples, labels as extra arguments) for every D update."""
        if not self.labelled:
            streams = [_as_arguments(data.batches(batch, g), labelled=False) for g in self.generators]
        else:
            streams = [_as_arguments(data.labelled_batches(batch, g), labelled=True) for g in self.generators]
        return streams[0] if len(streams) == 1 else _concatenated(streams)


def _as_arguments(batches: Iterator, labelled: bool) -> Iterator[tuple[torch.Tensor, tuple]]:
    """x or (x, y) batches as (x, labels): the stream closed when its reader is (a loader's workers stop)."""
    try:
        for drawn in batches:
            yield (drawn[0], (drawn[1],)) if labelled else (drawn, ())
    finally:
        _close(batches)


def _close(stream: Iterator) -> None:
    close = getattr(stream, "close", None)
    if close is not None:
        close()


def _concatenated(streams: list[Iterator[tuple[torch.Tensor, tuple]]]) -> Iterator[tuple[torch.Tensor, tuple]]:
    try:
        while True:
            drawn = [next(stream) for stream in streams]
            yield torch.cat([x for x, _ in drawn]), tuple(torch.cat(ys) for ys in zip(*(y for _, y in drawn)))
    finally:  # a streamed data set's loader stops its workers when its iterator is closed
        for stream in streams:
            _close(stream)


def train(setup: Setup, data: Dataset, budget: Budget, clock: TrainingClock, **options) -> TrainingOutcome:
    """Train one trial until the budget is spent (see :func:`train_members` for the options)."""
    return train_members(setup, data, budget, clock, **options)[0]


def train_members(
    setup: Setup,
    data: Dataset,
    budget: Budget,
    clock: TrainingClock,
    *,
    checkpoints: int,
    on_checkpoint: Callable[[int, Usage], None],
    on_log: Callable[[Usage, dict[str, float], int], None] = lambda usage, values, member: None,
    log_every: int = 10,
    warmup_steps: int = 5,
    on_first_step: Callable[[int | None], None] | None = None,
) -> list[TrainingOutcome]:
    """Train until the budget is spent, evaluating (clock paused) at even fractions of it; one outcome
    for each trial trained (the members of a batched ensemble: ``on_log``'s last argument names one)."""
    G, D, loss, stabilisers, hp = setup.generator, setup.critic, setup.loss, setup.stabilisers, setup.hparams
    device = next(G.parameters()).device
    # Data and latents (a conditional trial's labels come with its real batches); stabilisers use the global RNG.
    draws = Draws(setup.seeds, device, labelled=setup.conditional)
    targets = [t for t in (s.real_target() for s in stabilisers) if t is not None]
    label = {"real_target": targets[0]} if targets and loss.uses_labels else {}
    params = setup.loss_params
    batch = hp.batch_size

    def critic_view(x: torch.Tensor, progress: float) -> torch.Tensor:
        for stabiliser in stabilisers:
            x = stabiliser.critic_input(x, progress)
        return x

    def fakes(progress: float, for_g: bool, labels: tuple) -> torch.Tensor:
        """G's samples as D sees them, from fresh latents, asking for ``labels`` (a conditional trial's:
        the real batch's); with G's graph only when G's update will use them."""
        with torch.set_grad_enabled(for_g):
            return critic_view(G(draws.latents(batch, hp.z_dim), *labels), progress)

    def given(labels: tuple) -> tuple[nn.Module, Critic]:
        """G and D as the stabilisers call them: with a conditional trial's labels bound."""
        return (GeneratorGiven(G, labels), CriticGiven(D, labels)) if labels and stabilisers else (G, D)

    def judged(x: torch.Tensor, labels: tuple) -> tuple[torch.Tensor, torch.Tensor | None]:
        """D's scores, and for a loss that reads class logits (acgan) its classifier's, from one pass."""
        if not loss.uses_classes:
            return D(x, *labels), None
        scores, features = D.score_and_features(x, *labels)
        return scores, D.classifier(features)

    def adversarial_g_loss(x: torch.Tensor, real_scores, progress: float, labels: tuple) -> torch.Tensor:
        """G's loss on samples ``x`` as D sees them: what a stabiliser's g_penalty may ask of G (MRGAN)."""
        return loss.g_loss(D(critic_view(x, progress), *labels), real_scores, **params)

    def stabiliser_scalars() -> dict[str, float]:
        return {name: value for stabiliser in stabilisers for name, value in stabiliser.scalars().items()}

    images_per_step = batch * (hp.n_critic if setup.objective is None else 1)
    ledger = TrainingLedger(
        budget, clock, images_per_step=images_per_step, checkpoints=checkpoints,
        on_checkpoint=on_checkpoint, on_log=on_log, log_every=log_every, warmup_steps=warmup_steps,
        on_first_step=on_first_step, stabiliser_scalars=stabiliser_scalars, members=len(setup.seeds),
    )  # fmt: skip
    # Real batches: drawn by index for data in memory, decoded ahead by DataLoader workers for streamed data.
    follows_budget, view_real = setup.follows_budget, setup.real_view  # decided once: other models pay nothing
    with ledger.real_batches(draws.real_batches(data, batch)) as real_batches:
        if setup.objective is not None:
            own_objective_steps(setup, ledger, real_batches, follows_budget)
            return ledger.outcomes()
        while not ledger.spent:
            progress = ledger.progress
            if follows_budget:
                setup.tell_progress(progress)  # progressive growing: the share of the budget spent

            # (1) Update D, n_critic times: minimise the loss's D term plus every stabiliser penalty.
            for update in range(hp.n_critic):
                with setup.autocast():
                    drawn, labels = next(real_batches)  # as the data holds it; real: as D sees it
                    real = critic_view(drawn if view_real is None else view_real(drawn), progress)
                    kept = fakes(progress, hp.reuse_fake and update == hp.n_critic - 1, labels)
                    fake = kept.detach()
                    (real_scores, real_logits), (fake_scores_d, fake_logits) = (
                        judged(real, labels),
                        judged(fake, labels),
                    )
                    classes = class_logits(real_logits, fake_logits, labels)
                    loss_d = loss.d_loss(real_scores, fake_scores_d, **label, **params, **classes)
                    _, critic_given = given(labels)
                    for stabiliser in stabilisers:
                        penalties = (
                            stabiliser.d_penalty(critic_given, real, fake),
                            stabiliser.d_scores(real_scores, fake_scores_d),
                        )
                        for penalty in penalties:
                            if penalty is not None:
                                loss_d = loss_d + penalty
                optimiser_step(setup.opt_d, loss_d, setup.scaler_d)
                D.constrain()
                for stabiliser in stabilisers:
                    stabiliser.after_d_step(D)

            # (2) Update G once: minimise the loss's G term, as the stabilisers amend it.
            with setup.autocast():
                fake = kept if hp.reuse_fake else fakes(progress, True, labels)  # the last real batch's labels
                fake_scores, fake_logits = judged(fake, labels)
                with torch.no_grad():
                    real_for_g = D(real, *labels) if loss.g_uses_real else None
                loss_g = loss.g_loss(fake_scores, real_for_g, **params, **class_logits(None, fake_logits, labels))
                g_loss_on = functools.partial(
                    adversarial_g_loss, real_scores=real_for_g, progress=progress, labels=labels
                )
                generator_given, critic_given = given(labels)
                for stabiliser in stabilisers:
                    loss_g = stabiliser.g_loss(critic_given, real, fake, loss_g)
                    penalty = stabiliser.g_penalty(generator_given, drawn, g_loss_on)
                    if penalty is not None:
                        loss_g = loss_g + penalty
            optimiser_step(setup.opt_g, loss_g, setup.scaler_g, setup.opt_own)
            for stabiliser in stabilisers:
                stabiliser.after_g_step(G)
            for average in setup.averages:
                average.update()  # G's moving average, what the metrics will see (hparams.ema)

            # (3) Account: budget, throughput window, logs (D(x), D(G(z)) as D saw them), checkpoints.
            ledger.step_done({"d_loss": loss_d, "g_loss": loss_g, "d_real": real_scores, "d_fake": fake_scores_d})
    return ledger.outcomes()


def own_objective_steps(setup: Setup, ledger: TrainingLedger, real_batches: Iterator, follows_budget: bool) -> None:
    """The training of a model that brings its own objective (a VAE's negative ELBO): each step one
    update of all its networks from the objective's ``loss``; no adversarial loss, no stabiliser."""
    assert setup.objective is not None
    while not ledger.spent:
        if follows_budget:
            setup.tell_progress(ledger.progress)
        with setup.autocast():
            drawn, labels = next(real_batches)
            terms = setup.objective.step(setup.generator, setup.critic, drawn, *labels)
        optimiser_step(setup.opt_g, terms["loss"], setup.scaler_g, [setup.opt_d, *setup.opt_own])
        for average in setup.averages:
            average.update()
        ledger.step_done(terms)
