"""Class-conditional GANs by concatenation: the cGAN of Mirza & Osindero (2014), arXiv:1411.1784.

"Both the generator and discriminator are conditioned on some extra information y ... by feeding y
into both as an additional input layer." G sees its latent concatenated with a learned class
embedding; D sees its input concatenated with the class as a one-hot code (planes of ones and
zeros stacked on an image's channels). Two bodies:

* ``cdcgan``: DCGAN's generator and critic (``dcgan``) around that conditioning, the common
  conditional DCGAN;
* ``cmlp``: the paper's own MNIST set-up, fully connected, a ReLU generator and a maxout
  discriminator, on flattened images or vectors (widths reduced for a CPU, as ``mlp``).

And ``pdcgan``, cdcgan's generator with a **projection** discriminator instead (Miyato & Koyama
2018, cGANs with Projection Discriminator, arXiv:1802.05637; mimicry's cGAN-PD): D(x, y) =
linear(h) + <embed(y), h> with h = DCGAN's features of x alone, so the label enters at the score
only and an auxiliary classifier can sit on h (``label_free_features``: the ``acgan`` loss).

Both are ``conditional``: G(z, y) and D(x, y), y the class indices (in training the fakes ask for the
labels of the real batch beside them, see ganbench.conditioning).
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import nn

from ganbench.types import Critic, DataShape, HParams, ModelSpec

from . import dcgan, spaces
from .mlp import Maxout
from .mlp import init_weights as mlp_init

#: the class embedding's size in G (Mirza & Osindero map y to 1,000 units; a small embedding suffices here)
EMBEDDING = 16
CMLP_G_WIDTHS = (256, 512)  # Mirza & Osindero: 200 (z) and 1,000 (y) units, joined in 1,200
CMLP_D_WIDTH = 128  # Mirza & Osindero: maxout 240 units (x) and 50 (y), joined in 240
MAXOUT_PIECES = 5


def one_hot(y: torch.Tensor, classes: int, like: torch.Tensor) -> torch.Tensor:
    """(N,) class indices -> (N, classes) codes in ``like``'s dtype (a comparison, so vmap can batch it)."""
    return (y[:, None] == torch.arange(classes, device=y.device)).to(like.dtype)


class EmbeddingGenerator(nn.Module):
    """G(z, y) = body([z, embed(y)]): any unconditional generator body, built for the wider latent."""

    def __init__(self, body: nn.Module, classes: int, embedding: int = EMBEDDING):
        super().__init__()
        self.embed = nn.Embedding(classes, embedding)
        self.body = body

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([z, self.embed(y).to(z.dtype)], dim=1))


class OneHotCritic(Critic):
    """D(x, y) = head(features([x, onehot(y)])): the code as planes beside an image's channels, or
    concatenated to a (flattened) vector."""

    def __init__(self, features: nn.Module, head: nn.Module, classes: int, flatten: bool):
        super().__init__(features, head)
        self.classes, self.flatten = classes, flatten

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.score_and_features(x, y)[0]

    def score_and_features(self, x: torch.Tensor, *labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The features of the sample joined with its code (so they read the label: feature matching
        compares them class by class; an auxiliary classifier declines them)."""
        code = one_hot(labels[0], self.classes, x)
        if self.flatten:
            joined = torch.cat([x.flatten(1), code], dim=1)
        else:
            planes = code[:, :, None, None].expand(-1, -1, *x.shape[2:])
            joined = torch.cat([x, planes], dim=1)
        h = self.features(joined)
        return self.head(h).reshape(-1), h


class ProjectionCritic(Critic):
    """D(x, y) = head(h) + <embed(y), h>, h = features(x): Miyato & Koyama's projection. ``head`` maps
    the F features to one score and ``embed`` the classes to F (pdcgan's plain, biggan's spectrally
    normalised)."""

    def __init__(self, features: nn.Module, head: nn.Module, embed: nn.Module):
        super().__init__(features, head)
        self.embed = embed

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.score_and_features(x, y)[0]

    def score_and_features(self, x: torch.Tensor, *labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The label enters at the score only: h = features(x) reads the sample alone (label_free_features)."""
        h = self.features(x)
        return self.head(h).reshape(-1) + (self.embed(labels[0]).to(h.dtype) * h).sum(dim=1), h


# cdcgan and pdcgan: DCGAN's bodies.


def cdcgan_generator(shape: DataShape, hp: HParams) -> nn.Module:
    width = hp.model_params.get("width") or None
    body = dcgan.Generator(hp.z_dim + EMBEDDING, shape.channels, shape.size, width)
    return EmbeddingGenerator(body, shape.classes)


def cdcgan_critic(shape: DataShape, hp: HParams) -> Critic:
    with_planes = DataShape("image", (shape.channels + shape.classes, *shape.shape[1:]))
    features, n_features = dcgan.critic_layers(with_planes, batch_norm=True, width=hp.model_params.get("width") or None)
    model = OneHotCritic(features, nn.Linear(n_features, 1), shape.classes, flatten=False)
    model.apply(dcgan.init_weights)
    return model


def pdcgan_critic(shape: DataShape, hp: HParams) -> Critic:
    features, n_features = dcgan.critic_layers(shape, batch_norm=True, width=hp.model_params.get("width") or None)
    head, embed = nn.Linear(n_features, 1), nn.Embedding(shape.classes, n_features)
    nn.init.xavier_uniform_(embed.weight)  # as the authors' code initialises it
    model = ProjectionCritic(features, head, embed)
    features.apply(dcgan.init_weights)
    model.head.apply(dcgan.init_weights)
    return model


# cmlp: Mirza & Osindero's fully connected nets.


class Unflatten(nn.Module):
    def __init__(self, shape: tuple[int, ...]):
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)


def cmlp_generator(shape: DataShape, hp: HParams) -> nn.Module:
    layers: list[nn.Module] = []
    width_in = hp.z_dim + EMBEDDING
    for width in CMLP_G_WIDTHS:
        layers += [nn.Linear(width_in, width, bias=False), nn.BatchNorm1d(width), nn.ReLU(True)]
        width_in = width
    layers.append(nn.Linear(width_in, math.prod(shape.shape)))
    if shape.kind == "image":  # images live in [-1, 1]
        layers.append(nn.Tanh())
    layers.append(Unflatten(shape.shape))
    body = nn.Sequential(*layers)
    body.apply(mlp_init)
    return EmbeddingGenerator(body, shape.classes)


def cmlp_critic(shape: DataShape, hp: HParams) -> Critic:
    width = hp.model_params.get("d_width", CMLP_D_WIDTH)
    features = nn.Sequential(
        Maxout(math.prod(shape.shape) + shape.classes, width, MAXOUT_PIECES), Maxout(width, width, MAXOUT_PIECES)
    )
    model = OneHotCritic(features, nn.Linear(width, 1), shape.classes, flatten=True)
    model.apply(mlp_init)
    return model


MIRZA = "Mirza & Osindero 2014, Conditional generative adversarial nets, arXiv:1411.1784"


def specs() -> list[ModelSpec]:
    cdcgan = ModelSpec(
        name="cdcgan",
        description="conditional DCGAN: class embedding beside z in G, one-hot class planes beside x in D",
        source=f"{MIRZA}, on DCGAN (Radford, Metz & Chintala 2015, arXiv:1511.06434)",
        generator=cdcgan_generator,
        critic=cdcgan_critic,
        hparams=dcgan.HPARAMS.replace(),
        params={"width": 0},
        min_steps=300,
        search_space=spaces.ADAM,
        data_kinds=("image",),
        image_sizes=(16, 64),
        channels=(1, 3),
        conditional=True,
    )
    # cdcgan's record with the projection critic (hparams copied afresh: records never share them)
    pdcgan = dataclasses.replace(
        cdcgan,
        name="pdcgan",
        description="conditional DCGAN with a projection D (cGAN-PD): class embedding beside z in G, "
        "<embed(y), features(x)> added to D's score",
        source="Miyato & Koyama 2018, cGANs with Projection Discriminator, ICLR (arXiv:1802.05637), on "
        "DCGAN's networks (Radford, Metz & Chintala 2015, arXiv:1511.06434)",
        critic=pdcgan_critic,
        hparams=dcgan.HPARAMS.replace(),
        params={"width": 0},
        label_free_features=True,  # the label enters at the score: acgan's classifier can read h
    )
    return [
        cdcgan,
        pdcgan,
        ModelSpec(
            name="cmlp",
            description="conditional MLP GAN: class embedding beside z, one-hot class beside the flattened x",
            source=f"{MIRZA}, MNIST architecture (fully connected, maxout D), widths reduced for CPU",
            generator=cmlp_generator,
            critic=cmlp_critic,
            hparams=HParams(z_dim=100, batch_size=64, optimizer="adam", lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999)),
            params={"d_width": CMLP_D_WIDTH},
            min_steps=500,
            search_space=spaces.ADAM,
            data_kinds=("image", "vector"),
            image_sizes=(8, 64),
            channels=(1, 3),
            conditional=True,
        ),
    ]
