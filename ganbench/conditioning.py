"""Class-conditional trials: which labels G is asked for, in training and when it is evaluated.

A conditional model (``ModelSpec.conditional``) trains on labelled data: its real batches come with
their labels, and each fake batch asks for the labels of the real batch it is judged beside. Those
follow the class frequencies (the real batches are drawn from the data), and pairing them gives a
stabiliser that mixes or compares a real and a fake row (a gradient penalty's interpolates,
consistency terms, feature matching) one class per row: the stabilisers call :class:`CriticGiven`
and :class:`GeneratorGiven`, D and G with the step's labels bound.

Outside training, metrics, pictures and ``ganbench sample`` see a conditional G as an unconditional
one, :class:`LabelledGenerator`: its latents are one coordinate wider, and that last coordinate names
the class (through the normal CDF, then the inverse CDF of the class frequencies). The latent
streams (ganbench.latents) stay what they are, the asked label is a function of the latent, and a
metric that needs the labels (conditional accuracy) reads them back with ``labels_of``.

A loss that reads class logits (``LossSpec.uses_classes``, ACGAN) gets an auxiliary classifier on
D's features (:func:`auxiliary_classifier`) and its step's logits as ``classes=`` (:func:`class_logits`).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganbench.latents import PICTURES, stream_seed
from ganbench.types import ClassLogits, Critic, Dataset, DataShape


def class_frequencies(dataset: Dataset) -> torch.Tensor:
    """The share of each class among the samples (float64, on the CPU): what the labels G is asked for
    outside training (metrics, pictures, ``ganbench sample``) are drawn from."""
    if dataset.labels is None:
        raise ValueError(f"data set '{dataset.name}' has no labels")
    classes = dataset.shape.classes
    counts = torch.bincount(dataset.labels.reshape(-1).cpu(), minlength=classes)[:classes]
    return counts.to(torch.float64) / counts.sum()


class LabelledGenerator(nn.Module):
    """A conditional G as an unconditional one: (N, z_dim + 1) latents in, samples of the class the last
    coordinate names out. A standard normal coordinate u gives the class whose share of the data
    covers Phi(u) in the classes' cumulative shares: the classes come at the data's frequencies."""

    def __init__(self, generator: nn.Module, frequencies: torch.Tensor):
        super().__init__()
        self.generator = generator
        cumulative = torch.cumsum(frequencies.to(torch.float64), 0)
        self.register_buffer("cumulative", (cumulative / cumulative[-1]).to(torch.float32), persistent=False)
        self.to(next(generator.parameters()).device)

    def labels_of(self, z: torch.Tensor) -> torch.Tensor:
        """The classes latents ``z`` (N, z_dim + 1) ask for."""
        u = 0.5 * (1 + torch.erf(z[:, -1].to(self.cumulative.device) / math.sqrt(2)))
        return torch.searchsorted(self.cumulative, u, right=True).clamp_(max=len(self.cumulative) - 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z[:, :-1], self.labels_of(z))

    def asking(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Latents ``z`` (N, z_dim + 1) with the last coordinate set to ask for ``labels``: the middle of
        each class's share of the normal distribution."""
        cumulative = self.cumulative.to(torch.float64)
        below = torch.cat([cumulative.new_zeros(1), cumulative[:-1]])
        u = ((below + cumulative) / 2)[labels.to(cumulative.device)]
        asked = z.clone()
        asked[:, -1] = (math.sqrt(2) * torch.erfinv(2 * u - 1)).to(z.dtype).to(z.device)
        return asked

    @property
    def classes(self) -> int:
        return len(self.cumulative)


def for_sampling(generator: nn.Module, z_dim: int, frequencies: torch.Tensor | None) -> tuple[nn.Module, int]:
    """What metrics and pictures sample from, and its latent width: G itself, or a conditional G labelled."""
    if frequencies is None:
        return generator, z_dim
    return LabelledGenerator(generator, frequencies), z_dim + 1


#: the most classes a picture shows, one row each (the first ones, for data with more)
PICTURE_CLASSES = 10


@torch.no_grad()
def class_rows(generator: LabelledGenerator, z_dim: int, trial_seed: int, columns: int) -> torch.Tensor:
    """Samples from the pictures' latent stream in rows, one class a row (the first PICTURE_CLASSES):
    class 0 in the first row, class 1 in the second, and so on."""
    rows = min(generator.classes, PICTURE_CLASSES)
    rng = torch.Generator().manual_seed(stream_seed(trial_seed, PICTURES))
    latents = torch.randn(rows * columns, z_dim, generator=rng).to(generator.cumulative.device)
    return generator(generator.asking(latents, torch.arange(rows).repeat_interleave(columns)))


def auxiliary_classifier(critic: Critic, shape: DataShape) -> nn.Module:
    """A linear layer from D's features to the classes' logits, sized by one pass of D's features in
    eval mode (so no BatchNorm statistic or spectral-norm vector moves before training does); every
    module's own mode is restored after, a part kept in eval mode on purpose included."""
    modes = [(module, module.training) for module in critic.modules()]
    with torch.no_grad():
        width = critic.eval().features(torch.zeros(2, *shape.shape)).shape[1]
    for module, training in modes:
        module.training = training
    return nn.Linear(width, shape.classes)


def class_logits(real_logits, fake_logits, labels: tuple) -> dict[str, ClassLogits]:
    """The ``classes=`` keyword of a loss that reads class logits (LossSpec.uses_classes), else nothing:
    the real and the fake batch are of the step's labels; G's update passes no real logits."""
    if fake_logits is None:
        return {}
    (y,) = labels
    return {"classes": ClassLogits(real_logits, None if real_logits is None else y, fake_logits, y)}


class _FeaturesGiven(nn.Module):
    def __init__(self, critic: Critic, labels: tuple[torch.Tensor, ...]):
        super().__init__()
        self.critic, self.labels = critic, labels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.critic.score_and_features(x, *self.labels)[1]


class CriticGiven(Critic):
    """A conditional D with one step's labels bound, as stabilisers call it: ``critic(x)`` is
    ``D(x, y)`` and ``critic.features(x)`` the features D computes for ``(x, y)``, row i of x read as
    a sample of class ``y[i]``. It holds D's own modules, so D's parameters are its parameters."""

    def __init__(self, critic: Critic, labels: tuple[torch.Tensor, ...]):
        super().__init__(_FeaturesGiven(critic, labels), critic.head)
        self.critic, self.labels = critic, labels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.critic(x, *self.labels)

    def constrain(self) -> None:
        self.critic.constrain()

    def __getattr__(self, name: str):
        """Anything else of D's own (a projection's ``embed``, a model's helper) reads through to D."""
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name == "critic":  # not yet set (while nn.Module builds itself)
                raise
            return getattr(self.critic, name)


class GeneratorGiven(nn.Module):
    """A conditional G with one step's labels bound: ``generator(z)`` is ``G(z, y)``."""

    def __init__(self, generator: nn.Module, labels: tuple[torch.Tensor, ...]):
        super().__init__()
        self.generator, self.labels = generator, labels

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z, *self.labels)
