"""BigGAN at small width: Brock, Donahue & Simonyan (2019), Large Scale GAN Training for High Fidelity
Natural Image Synthesis, ICLR (arXiv:1809.11096), as the authors' BigGAN-PyTorch builds it
(github.com/ajbrock/BigGAN-PyTorch, BigGAN.py and layers.py).

* G: a linear layer from the first chunk of z to a 4x4 map; up-sampling residual blocks (class-
  conditional BN, ReLU, nearest x2, 3x3 conv, class-conditional BN, ReLU, 3x3 conv; shortcut: x2
  and a 1x1 conv) to the image side; BN, ReLU, a 3x3 conv, tanh. **Hierarchical z**: z is split
  in one chunk per block plus one for the linear layer, and each block's BatchNorm takes its gain
  and bias from its own chunk joined with a **shared class embedding** (``1 + linear`` for the
  gain, ``linear`` for the bias, BN itself without affine terms).
* D: the SNGAN-style residual blocks (``resnet``), ReLU and sum pooling, and a **projection**
  head (Miyato & Koyama 2018, arXiv:1802.05637): ``linear(h) + <embed(y), h>``.
* **One self-attention block** (Zhang et al. 2019, SAGAN) in each network, at half the image side:
  after G's last block but one, after D's first block (16x16 for 32 px images).
* **Spectral normalisation** of every convolution, linear layer and D's embedding, in both networks,
  as BigGAN does (it is part of the model, since conditional trials take no stabilisers), and
  **orthogonal initialisation** of every weight.

Small width: ``ch`` (default 8) channels times 4 in every block (BigGAN's CIFAR layout is 4 * 64 =
256); ``--set biggan.ch=64`` builds the paper's width. Hyper-parameters: the paper's, G at 5e-5 and
D at 2e-4, Adam betas (0, 0.999), two D steps per G step, z of 128 (the paper's 120 at 128 px
splits in 20s); not modelled: its batch of 2,048, the truncation trick at sampling and the
orthogonal regulariser of G's weights. An EMA of G, which the paper evaluates, is ``--set ema=0.9999``.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganbench.types import Critic, DataShape, HParams, ModelSpec

from . import spaces
from .conditional import ProjectionCritic
from .resnet import SumPool  # ReLU, then the sum over positions: SNGAN's and BigGAN's

HPARAMS = HParams(z_dim=128, batch_size=64, optimizer="adam", lr_g=5e-5, lr_d=2e-4, betas=(0.0, 0.999), n_critic=2)
CH = 8  # BigGAN's ch is 64 for CIFAR (4 * 64 = 256 channels a block); with 8 a step at 16 px is 13.5 GFLOP (7.7 steps/s, 2 CPU cores)
EMBEDDING = 128  # the shared class embedding (BigGAN: shared_dim 128)
SIDES = (16, 32, 64)
SIDE_BLOCKS = 2  # D's blocks that keep the side, after the down-sampling ones (as SNGAN's CIFAR D)


def sn(layer: nn.Module) -> nn.Module:
    """Orthogonal initialisation, then spectral normalisation (one power iteration a step, as BigGAN)."""
    nn.init.orthogonal_(layer.weight)
    if getattr(layer, "bias", None) is not None:
        nn.init.zeros_(layer.bias)
    return spectral_norm(layer)


def conv(w_in: int, w_out: int, size: int) -> nn.Module:
    return sn(nn.Conv2d(w_in, w_out, size, padding=size // 2))


def blocks_for(shape: DataShape) -> int:
    """G's up-sampling blocks from 4x4 to the image side."""
    if shape.kind != "image" or shape.size not in SIDES:
        raise ValueError(f"biggan builds square images of {', '.join(map(str, SIDES))} px, not {shape}")
    return int(math.log2(shape.size // 4))


class ConditionalBatchNorm(nn.Module):
    """BN without affine terms, then a gain ``1 + linear(c)`` and a bias ``linear(c)`` from the condition c."""

    def __init__(self, channels: int, condition: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain, self.bias = sn(nn.Linear(condition, channels)), sn(nn.Linear(condition, channels))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return self.norm(x) * (1 + self.gain(c))[:, :, None, None] + self.bias(c)[:, :, None, None]


class SelfAttention(nn.Module):
    """SAGAN's attention: every position attends to a 2x2-pooled map; added with a gain that starts at 0."""

    def __init__(self, channels: int):
        super().__init__()
        self.theta, self.phi = conv(channels, channels // 8, 1), conv(channels, channels // 8, 1)
        self.g, self.o = conv(channels, channels // 2, 1), conv(channels // 2, channels, 1)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        theta = self.theta(x).flatten(2)  # (N, C/8, HW)
        phi = nn.functional.max_pool2d(self.phi(x), 2).flatten(2)  # (N, C/8, HW/4)
        g = nn.functional.max_pool2d(self.g(x), 2).flatten(2)  # (N, C/2, HW/4)
        attention = torch.softmax(theta.transpose(1, 2) @ phi, dim=-1)  # (N, HW, HW/4)
        o = self.o((g @ attention.transpose(1, 2)).view(n, c // 2, h, w))
        return x + self.gamma * o


class GBlock(nn.Module):
    def __init__(self, channels: int, condition: int):
        super().__init__()
        self.bn1, self.bn2 = ConditionalBatchNorm(channels, condition), ConditionalBatchNorm(channels, condition)
        self.conv1, self.conv2 = conv(channels, channels, 3), conv(channels, channels, 3)
        self.shortcut = conv(channels, channels, 1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        h = self.conv1(self.up(torch.relu(self.bn1(x, c))))
        h = self.conv2(torch.relu(self.bn2(h, c)))
        return h + self.shortcut(self.up(x))


class Generator(nn.Module):
    """G(z, y): (N, z_dim) latents and (N,) classes -> (N, C, H, W) images in [-1, 1]."""

    def __init__(self, shape: DataShape, z_dim: int, ch: int):
        super().__init__()
        blocks, width = blocks_for(shape), 4 * ch
        self.chunks = blocks + 1  # hierarchical z: one chunk for the linear layer, one per block
        if z_dim < self.chunks:
            raise ValueError(f"biggan splits z in {self.chunks} chunks: z_dim must be at least {self.chunks}")
        sizes = [len(part) for part in torch.arange(z_dim).tensor_split(self.chunks)]
        self.width = width
        self.shared = nn.Embedding(shape.classes, EMBEDDING)
        nn.init.orthogonal_(self.shared.weight)
        self.linear = sn(nn.Linear(sizes[0], width * 16))
        self.blocks = nn.ModuleList(GBlock(width, EMBEDDING + size) for size in sizes[1:])
        self.attention_after = blocks - 2 if blocks >= 2 else 0  # the block that makes 16x16 maps
        self.attention = SelfAttention(width)
        self.out = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU(), conv(width, shape.channels, 3), nn.Tanh())

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        first, *rest = z.tensor_split(self.chunks, dim=1)
        shared = self.shared(y).to(z.dtype)
        h = self.linear(first).view(z.shape[0], self.width, 4, 4)
        for index, (block, chunk) in enumerate(zip(self.blocks, rest, strict=True)):
            h = block(h, torch.cat([shared, chunk], dim=1))
            if index == self.attention_after:
                h = self.attention(h)
        return self.out(h)


class DBlock(nn.Module):
    """ReLU (but before the first block), 3x3 conv, ReLU, 3x3 conv, an optional 2x2 average pool;
    shortcut a 1x1 conv (and the pool) where the side or the width changes, else the input."""

    def __init__(self, w_in: int, w_out: int, pool: bool, first: bool = False):
        super().__init__()
        self.first, self.pool = first, nn.AvgPool2d(2) if pool else nn.Identity()
        self.conv1, self.conv2 = conv(w_in, w_out, 3), conv(w_out, w_out, 3)
        self.shortcut = conv(w_in, w_out, 1) if pool or w_in != w_out else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x if self.first else torch.relu(x)  # not in place: the shortcut reads x
        h = self.pool(self.conv2(torch.relu(self.conv1(h))))
        if self.shortcut is None:
            return h + x
        # BigGAN's D pools its first block's input before the shortcut's conv, the others' after.
        return h + (self.shortcut(self.pool(x)) if self.first else self.pool(self.shortcut(x)))


def generator(shape: DataShape, hp: HParams) -> nn.Module:
    return Generator(shape, hp.z_dim, hp.model_params.get("ch", CH))


def critic(shape: DataShape, hp: HParams) -> Critic:
    width = 4 * hp.model_params.get("ch", CH)
    downs = blocks_for(shape) - 1  # D's down-sampling stops at twice G's start side, as SNGAN's
    layers: list[nn.Module] = [DBlock(shape.channels, width, pool=True, first=True), SelfAttention(width)]
    layers += [DBlock(width, width, pool=True) for _ in range(downs - 1)]
    layers += [DBlock(width, width, pool=False) for _ in range(SIDE_BLOCKS)]
    # Miyato & Koyama's projection discriminator, its linear head and class embedding spectrally normalised
    features = nn.Sequential(*layers, SumPool())
    return ProjectionCritic(features, sn(nn.Linear(width, 1)), sn(nn.Embedding(shape.classes, width)))


class BigGANSpec(ModelSpec):
    def supports(self, shape: DataShape) -> str | None:
        reason = super().supports(shape)
        if reason is None and shape.kind == "image" and shape.size not in SIDES:
            return f"{self.name} builds image sides of {', '.join(map(str, SIDES))} px, not {shape.size}"
        return reason


def spec() -> ModelSpec:
    return BigGANSpec(
        name="biggan",
        description="BigGAN, small: class-conditional BN with shared embedding and hierarchical z, projection D, "
        "self-attention, SN, orthogonal init",
        source="Brock, Donahue & Simonyan 2019, Large Scale GAN Training for High Fidelity Natural Image "
        "Synthesis, ICLR (arXiv:1809.11096); github.com/ajbrock/BigGAN-PyTorch; projection D: Miyato & "
        "Koyama 2018 (arXiv:1802.05637)",
        generator=generator,
        critic=critic,
        hparams=HPARAMS.replace(),
        params={"ch": CH},
        search_space=spaces.ADAM,
        data_kinds=("image",),
        image_sizes=(16, 64),
        channels=(1, 3),
        conditional=True,
        label_free_features=True,  # projection: an auxiliary classifier can sit on D's features (acgan)
    )
