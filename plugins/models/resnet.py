"""SNGAN's ResNet: the CIFAR-10 architecture of Miyato, Kataoka, Koyama and Yoshida (2018), arXiv:1802.05957.

The paper's Table 4 (after Gulrajani et al. 2017's ResNet), built as the authors' Chainer code
builds it (github.com/pfnet-research/sngan_projection: gen_models/resnet_32.py,
dis_models/snresnet_32.py and the resblocks.py beside each):

* G: z of size 128 -> a linear layer -> a 4x4 map, ``g_width`` (256) channels; up-sampling
  residual blocks (BN, ReLU, nearest x2, 3x3 conv, BN, ReLU, 3x3 conv; shortcut: a 1x1 conv of
  the up-sampled input) double it to the image side; BN, ReLU, a 3x3 conv to the image's
  channels, tanh.
* D, ``d_width`` (128) channels throughout: an "optimised" first block (3x3 conv, ReLU, 3x3
  conv, 2x2 average pool; shortcut: the pool, then a 1x1 conv), down-sampling blocks (ReLU,
  conv, ReLU, conv, pool; shortcut: a 1x1 conv, then the pool), then two blocks that keep the
  side (identity shortcut); ReLU and a sum over positions are the features, a linear layer
  without bias (as in the code) the head.

Sides: 32 px is Table 4. 16 px (digits as ganbench holds them) drops one block from each network
of Table 4: G's two up-sampling blocks from 4x4, D's optimised block alone down to 8x8. 48 px starts G at 6x6 as the STL-10 model does (Table 5) but keeps
Table 4's constant widths, and D is Table 4's, so its last blocks run at 12x12 (Table 5's D
instead widens from 64 to 1024 channels over five blocks). 64 px adds one block to each
network. In every layout D's down-sampling undoes all of G's up-sampling but the last, so D's
last blocks run at twice G's start side (8x8 at 32 and 64 px).

Spectral normalisation is not built in: ``--stabilisers sn`` normalises every convolution and
the head, which is what the paper trains (SN-GANs). Initialisation is the code's Glorot
(Xavier) uniform: gain sqrt(2) for the 3x3 convolutions inside the blocks, 1 for the 1x1
shortcuts, the linear layers and G's last convolution; biases zero.

Where this differs from the code, and why: the convolutions of G's blocks have no bias (what
they add reaches a BatchNorm through linear layers only, and the norm's shift removes it, so
such a bias never learns); the code's linear decay of the learning rate to 0 and its G batch
of 128 are not modelled (one constant learning rate, one batch size for G and D, as for every
model here).
"""

from __future__ import annotations

import math
from typing import TypeVar

import torch
from torch import nn

from ganbench.types import Critic, DataShape, HParams, ModelSpec

from . import spaces

#: The paper's Appendix B.2 (Gulrajani et al.'s settings): Adam at 2e-4 with betas (0, 0.9), five D
#: updates per G update; z of size 128 (Section 4); batches of 64 (the authors' CIFAR-10 config).
HPARAMS = HParams(z_dim=128, batch_size=64, optimizer="adam", lr_g=2e-4, lr_d=2e-4, betas=(0.0, 0.9), n_critic=5)

G_WIDTH = 256  # Table 4: "ResBlock up 256"
D_WIDTH = 128  # Table 4: "ResBlock down 128"
#: Image side -> G's start side: CIFAR-10's 4x4 (Table 4), STL-10's 6x6 (Table 5), 4x4 for 16 and 64 px.
START = {16: 4, 32: 4, 48: 6, 64: 4}
SIDE_BLOCKS = 2  # D's blocks that keep the side, after the down-sampling ones (Table 4)
RESIDUAL_GAIN = math.sqrt(2)  # the code's GlorotUniform(sqrt(2)) inside the blocks: a ReLU precedes each conv


Layer = TypeVar("Layer", nn.Conv2d, nn.Linear)


def glorot(layer: Layer, gain: float = 1.0) -> Layer:
    """Chainer's GlorotUniform(gain), which is torch's xavier_uniform_ (fans counted the same way); bias 0."""
    nn.init.xavier_uniform_(layer.weight, gain)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)
    return layer


def conv(w_in: int, w_out: int, size: int, gain: float, bias: bool = True) -> nn.Conv2d:
    return glorot(nn.Conv2d(w_in, w_out, size, padding=size // 2, bias=bias), gain)


def layout(shape: DataShape) -> tuple[int, int]:
    """G's start side and its number of up-sampling blocks; D has one down-sampling block fewer."""
    if shape.kind != "image" or shape.size not in START or shape.shape[1] != shape.shape[2]:
        raise ValueError(f"the resnet model builds square images of {_sides()} px, not {shape}")
    start = START[shape.size]
    return start, int(math.log2(shape.size // start))


def channels_of(hp: HParams, name: str, default: int) -> int:
    """A width parameter as a run set it (``--set resnet.g_width=64``), else the paper's."""
    value = hp.model_params.get(name, default)
    if value < 1:
        raise ValueError(f"resnet's {name} is a number of channels, at least 1, not {value}")
    return value


def _sides() -> str:
    return ", ".join(str(side) for side in START)


class UpBlock(nn.Module):
    """G's block: BN, ReLU, nearest x2, 3x3 conv, BN, ReLU, 3x3 conv; shortcut: x2, then a 1x1 conv."""

    def __init__(self, channels: int):
        super().__init__()
        # No biases: each conv's output reaches a BatchNorm (this block's second, the next block's
        # first, G's last) through linear layers only, and the norm's shift cancels a bias.
        self.residual = nn.Sequential(
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            conv(channels, channels, 3, RESIDUAL_GAIN, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            conv(channels, channels, 3, RESIDUAL_GAIN, bias=False),
        )
        self.shortcut = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"), conv(channels, channels, 1, 1.0, False)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.residual(x) + self.shortcut(x)


class FirstBlock(nn.Module):
    """D's first block, "optimised" as in the code: no ReLU before the first conv (it sees the image),
    and the shortcut pools before its 1x1 conv (both are linear, so the order only changes the cost)."""

    def __init__(self, channels_in: int, channels: int):
        super().__init__()
        self.residual = nn.Sequential(
            conv(channels_in, channels, 3, RESIDUAL_GAIN),
            nn.ReLU(),
            conv(channels, channels, 3, RESIDUAL_GAIN),
            nn.AvgPool2d(2),
        )
        self.shortcut = nn.Sequential(nn.AvgPool2d(2), conv(channels_in, channels, 1, 1.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.residual(x) + self.shortcut(x)


class DownBlock(nn.Module):
    """D's later blocks: ReLU, 3x3 conv, ReLU, 3x3 conv, then a 2x2 average pool with a 1x1 conv and
    the pool as the shortcut; with ``pool=False`` no pool, and the input itself as the shortcut."""

    def __init__(self, channels: int, pool: bool = True):
        super().__init__()
        # Not in place: the shortcut reads the block's input after the first ReLU has run, and
        # gradient penalties differentiate through this graph twice.
        layers = [
            nn.ReLU(),
            conv(channels, channels, 3, RESIDUAL_GAIN),
            nn.ReLU(),
            conv(channels, channels, 3, RESIDUAL_GAIN),
        ]
        self.residual = nn.Sequential(*layers, *([nn.AvgPool2d(2)] if pool else []))
        self.shortcut = nn.Sequential(conv(channels, channels, 1, 1.0), nn.AvgPool2d(2)) if pool else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.residual(x) + self.shortcut(x)


class SumPool(nn.Module):
    """ReLU, then the sum over positions (the paper's "global sum pooling"): (N, C, H, W) -> (N, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x).sum(dim=(2, 3))


class Generator(nn.Module):
    """(N, z_dim) latents -> (N, C, H, W) images in [-1, 1]."""

    def __init__(self, z_dim: int, channels: int, side: int, width: int = G_WIDTH):
        super().__init__()
        self.start, ups = layout(DataShape("image", (channels, side, side)))
        self.width = width
        self.project = glorot(nn.Linear(z_dim, width * self.start**2))
        self.blocks = nn.Sequential(*[UpBlock(width) for _ in range(ups)])
        self.out = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU(), conv(width, channels, 3, 1.0), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.project(z).view(z.shape[0], self.width, self.start, self.start)
        return self.out(self.blocks(h))


def critic_layers(shape: DataShape, width: int) -> nn.Sequential:
    """The residual trunk, (N, C, H, W) -> (N, width) features.

    ``shape`` is what the critic sees, so its channels may be a multiple of the data's (packing).
    """
    _, ups = layout(shape)
    blocks: list[nn.Module] = [FirstBlock(shape.channels, width)]
    blocks += [DownBlock(width) for _ in range(ups - 2)]
    blocks += [DownBlock(width, pool=False) for _ in range(SIDE_BLOCKS)]
    return nn.Sequential(*blocks, SumPool())


def generator(shape: DataShape, hp: HParams) -> nn.Module:
    return Generator(hp.z_dim, shape.channels, shape.size, channels_of(hp, "g_width", G_WIDTH))


def critic(shape: DataShape, hp: HParams) -> Critic:
    channels = channels_of(hp, "d_width", D_WIDTH)
    return Critic(critic_layers(shape, channels), glorot(nn.Linear(channels, 1, bias=False)))


class ResNetSpec(ModelSpec):
    """A ModelSpec whose image sides are the three layouts above: 48 is not a power of two, which
    ModelSpec.supports asks of every side, so the sides are checked here instead."""

    def supports(self, shape: DataShape) -> str | None:
        if shape.kind != "image":
            return super().supports(shape)
        if shape.size not in START:
            return f"{self.name} builds image sides of {_sides()} px (SNGAN's CIFAR-10 and STL-10 layouts, 16 and 64), not {shape.size}"
        if shape.channels not in self.channels:
            return f"{self.name} builds images with {self.channels} channels, not {shape.channels}"
        return None


def spec() -> ModelSpec:
    return ResNetSpec(
        name="resnet",
        description="SNGAN's CIFAR ResNet: up-sampling residual G with BatchNorm, residual D with sum pooling (add sn)",
        source="Miyato, Kataoka, Koyama & Yoshida 2018, Spectral Normalization for Generative Adversarial "
        "Networks, ICLR (arXiv:1802.05957), Table 4; github.com/pfnet-research/sngan_projection",
        generator=generator,
        critic=critic,
        hparams=HPARAMS.replace(),
        params={"g_width": G_WIDTH, "d_width": D_WIDTH},
        # No floor yet: at the paper's widths a step is 2.9 TFLOP (torch's counter, batch 64), too many for
        # a CPU to find one; on digits at 32 px with widths of 64, 4 steps in 60 s gave FID 235 (2026-12-02).
        min_steps=0,
        search_space=spaces.ADAM,
        data_kinds=("image",),
        # The smallest and largest side; 48 between them is built too (ResNetSpec.supports).
        image_sizes=(16, 64),
        channels=(1, 3),
    )
