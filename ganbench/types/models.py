"""Models: a generator and a critic built for a data shape, and the hyper-parameters they train with."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ganbench.types.data import DataShape
from ganbench.types.losses import LossSpec
from ganbench.types.records import Record

#: the loss column of a trial whose model trains with its own objective (ModelSpec.objective)
OWN_OBJECTIVE = "own-objective"


@dataclass(kw_only=True)
class HParams:
    """A model's default hyper-parameters; recorded with every trial."""

    z_dim: int = 100
    batch_size: int = 64
    optimizer: str = "adam"  # "adam" or "rmsprop"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1  # discriminator updates per generator update
    # G's update reuses the fakes of D's last update, as pytorch/examples' DCGAN does (one G forward a
    # step instead of two; measured 1.16x the steps/s of dcgan), rather than drawing fresh latents.
    reuse_fake: bool = False
    # An exponential moving average of G's weights (Karras et al. 2018, Yazici et al. 2019), evaluated and
    # sampled instead of G: its decay per G update (0: none; 0.999 is usual) and the G step it starts at.
    ema: float = 0.0
    ema_start: int = 0
    # Values of the model's own parameters (ModelSpec.params) that a run sets; the builders read
    # them with a default: ``hp.model_params.get("width", 64)``.
    model_params: dict[str, Any] = field(default_factory=dict)

    def replace(self, **changes: Any) -> HParams:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """As a trial records it; model_params, reuse_fake and ema only when set, so trials that set none keep their ids."""
        values = dataclasses.asdict(self)
        for key in ("model_params", "reuse_fake", "ema", "ema_start"):
            if not values[key]:
                del values[key]
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> HParams:
        """Back from a trial's record (JSON turned the betas into a list)."""
        known = {f.name for f in dataclasses.fields(cls)}
        given: dict[str, Any] = {k: tuple(v) if k == "betas" else v for k, v in values.items() if k in known}
        return cls(**given)


class Critic(nn.Module):
    """The discriminator: ``D(x) = head(features(x))``, raw scores of shape (N,), never a sigmoid.

    Split in two so that stabilisers can reach both halves: feature matching reads
    ``features(x)`` (N, F); minibatch discrimination replaces ``head``.
    """

    def __init__(self, features: nn.Module, head: nn.Module):
        super().__init__()
        self.features = features
        self.head = head
        # An auxiliary classifier on the features (features -> class logits), put here by the harness
        # for a loss that reads class logits (LossSpec.uses_classes, ACGAN); None otherwise.
        self.classifier: nn.Module | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).reshape(-1)

    # A class-conditional model's critic scores (x, y) instead: ``forward(x, y)`` with y the (N,) int64
    # class indices of the samples (ModelSpec.conditional).

    def score_and_features(self, x: torch.Tensor, *labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The scores and the features they came from, in one pass, for the auxiliary classifier. A
        conditional critic whose features read the sample alone (a projection D) overrides it to add
        its label's term to the scores."""
        h = self.features(x)
        return self.head(h).reshape(-1), h

    def constrain(self) -> None:
        """Called after every critic optimiser step; a model's own constraint (WGAN clips here)."""


@dataclass(frozen=True, kw_only=True)
class Objective:
    """A model's own training objective, in place of an adversarial loss (a VAE's negative ELBO).

    ``step(generator, critic, real, *labels)`` returns a dict of scalar tensors: ``"loss"`` is
    minimised, one update of G's and D's optimisers from it (each with its learning rate); every
    entry is logged. ``critic`` is the model's second network (a VAE's encoder), built by
    ``ModelSpec.critic`` and never scored as a critic; ``generator`` maps latents to samples, and is
    what the metrics, pictures and ``ganbench sample`` use, as for any model.
    """

    name: str  # what it is called, e.g. "negative ELBO"
    step: Callable[..., Mapping[str, torch.Tensor]]


@dataclass(kw_only=True)
class ModelSpec(Record):
    """A GAN architecture: two builders, called with the data's shape and the trial's hyper-parameters.

    ``generator(shape, hparams)`` maps (N, z_dim) latents to samples of ``shape``.
    ``critic(shape, hparams)`` returns a :class:`Critic` for inputs of ``shape``; that shape is
    the data's, or what a stabiliser makes of it (packing m samples multiplies the channels).
    """

    generator: Callable[[DataShape, HParams], nn.Module]
    critic: Callable[[DataShape, HParams], Critic]
    hparams: HParams = field(default_factory=HParams)
    data_kinds: tuple[str, ...] = ("image",)
    # Image sides the model can build, inclusive; ignored for vectors.
    image_sizes: tuple[int, int] = (16, 64)
    channels: tuple[int, ...] = (1, 3)
    # Loss names this model cannot train with, and why.
    incompatible_losses: Mapping[str, str] = field(default_factory=dict)
    # Properties the model guarantees, e.g. {"lipschitz"} for a clipped critic.
    provides: frozenset[str] = frozenset()
    # Generator steps below which this model shows nothing worth comparing: a trial that ends its
    # budget with fewer is flagged "under-trained" (0: no such floor).
    min_steps: int = 0
    # The model's own parameters (name -> default, typed by it), set with --set dcgan.width=32.
    params: Mapping[str, Any] = field(default_factory=dict)
    # Ranges `--tune` searches, keyed like --set (``lr``, ``beta1``, ``n_critic``, a param's name):
    # see ganbench.types.search. Empty: the model cannot be tuned.
    search_space: Mapping[str, Any] = field(default_factory=dict)
    # Class-conditional (Mirza & Osindero 2014): ``G(z, y)`` and ``D(x, y)``, y the (N,) int64 class
    # indices; trains on labelled data only, real batches with their labels and the fakes beside them
    # asking for the same (ganbench.conditioning). The builders read ``shape.classes``.
    conditional: bool = False
    # A model that trains with its own step (a VAE's ELBO): losses and stabilisers do not apply, so it
    # trains once per stabiliser-free setting and seed, its loss column reading OWN_OBJECTIVE.
    objective: Objective | None = None
    # A conditional model whose critic's features(x) read the sample alone, the label entering only at
    # the head (a projection D, overriding Critic.score_and_features): an auxiliary classifier can sit
    # on those features (LossSpec.uses_classes, the acgan loss).
    label_free_features: bool = False
    source: str = ""

    def objective_loss(self) -> LossSpec:
        """The loss a trial of a model with its own objective records: a name for the table, never called."""
        assert self.objective is not None, f"{self.name} trains with an adversarial loss"
        about = f"{self.name} trains with its own objective: {self.objective.name}"

        def refused(*args: Any, **kwargs: Any) -> torch.Tensor:
            raise TypeError(f"{about}, not a loss")

        return LossSpec(name=OWN_OBJECTIVE, description=about, d_loss=refused, g_loss=refused, source=self.source)

    def supports(self, shape: DataShape) -> str | None:
        """None if the model can be built for this data, else the reason it cannot."""
        if self.conditional and shape.classes < 2:
            return f"{self.name} is class-conditional: it needs a labelled data set with 2 or more classes"
        if shape.kind not in self.data_kinds:
            return f"{self.name} needs {' or '.join(self.data_kinds)} data, the data set gives {shape.kind}s"
        if shape.kind == "image":
            lo, hi = self.image_sizes
            if not lo <= shape.size <= hi or shape.size & (shape.size - 1):
                return f"{self.name} builds power-of-two image sides from {lo} to {hi} px, not {shape.size}"
            if shape.channels not in self.channels:
                return f"{self.name} builds images with {self.channels} channels, not {shape.channels}"
        return None
