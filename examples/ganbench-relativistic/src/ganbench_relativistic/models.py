"""resnet-small: a residual generator and critic for 16-64 px images.

The shape of the SNGAN/WGAN-GP CIFAR ResNets (Gulrajani et al. 2017; Miyato et al. 2018),
narrowed for quick benchmarks: G goes from a 4x4 map up to the image side with one
up-sampling residual block per doubling; D comes down to 4x4 with one down-sampling block per
halving, then ReLU and a sum over positions give the features, and a linear head the score.
D has no BatchNorm, so gradient penalties stay per-sample.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ganbench.types import Critic, DataShape, HParams, ModelSpec

WIDTH = 64


class UpBlock(nn.Module):
    """BN-ReLU-upsample-conv-BN-ReLU-conv, plus an upsampled 1x1 shortcut."""

    def __init__(self, channels: int):
        super().__init__()
        self.bn1, self.bn2 = nn.BatchNorm2d(channels), nn.BatchNorm2d(channels)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.shortcut = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.interpolate(F.relu(self.bn1(x)), scale_factor=2)
        h = self.conv2(F.relu(self.bn2(self.conv1(h))))
        return h + self.shortcut(F.interpolate(x, scale_factor=2))


class DownBlock(nn.Module):
    """(ReLU)-conv-ReLU-conv-avgpool, plus a 1x1-conv-avgpool shortcut; the first block skips the opening ReLU."""

    def __init__(self, in_channels: int, channels: int, first: bool = False):
        super().__init__()
        self.first = first
        self.conv1 = nn.Conv2d(in_channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.shortcut = nn.Conv2d(in_channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x if self.first else F.relu(x)
        h = F.avg_pool2d(self.conv2(F.relu(self.conv1(h))), 2)
        return h + F.avg_pool2d(self.shortcut(x), 2)


class Generator(nn.Module):
    def __init__(self, shape: DataShape, hp: HParams, width: int = WIDTH):
        super().__init__()
        self.width = width
        self.project = nn.Linear(hp.z_dim, width * 4 * 4)
        self.blocks = nn.Sequential(*[UpBlock(width) for _ in range(int(math.log2(shape.size)) - 2)])
        self.out = nn.Sequential(
            nn.BatchNorm2d(width), nn.ReLU(), nn.Conv2d(width, shape.channels, 3, padding=1), nn.Tanh()
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.out(self.blocks(self.project(z).view(-1, self.width, 4, 4)))


class SumPool(nn.Module):
    """ReLU, then the sum over positions: (N, C, H, W) -> (N, C), the critic's features."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x).sum(dim=(2, 3))


def generator(shape: DataShape, hp: HParams) -> nn.Module:
    return Generator(shape, hp)


def critic(shape: DataShape, hp: HParams) -> Critic:
    # ``shape`` is what D sees: packing m samples multiplies the channels.
    halvings = int(math.log2(shape.size)) - 2
    blocks = [DownBlock(shape.channels, WIDTH, first=True)] + [DownBlock(WIDTH, WIDTH) for _ in range(halvings - 1)]
    return Critic(nn.Sequential(*blocks, SumPool()), head=nn.Linear(WIDTH, 1))


def specs() -> list[ModelSpec]:
    return [
        ModelSpec(
            name="resnet-small",
            description="residual generator and critic (64 channels) for 16-64 px images",
            generator=generator,
            critic=critic,
            data_kinds=("image",),
            image_sizes=(16, 64),
            channels=(1, 3),
            hparams=HParams(z_dim=64, batch_size=64, optimizer="adam", lr_g=2e-4, lr_d=2e-4, betas=(0.0, 0.9)),
            source="after the ResNets of Gulrajani et al. 2017 (arXiv:1704.00028) and Miyato et al. 2018 (arXiv:1802.05957)",
        )
    ]
