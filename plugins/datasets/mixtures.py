"""The PacGAN 2D Gaussian mixtures: ``ring8`` and ``grid25``.

Points are kept as they are (not rescaled to [-1, 1]); ``Dataset.modes`` holds the centres
and ``Dataset.mode_std`` the common standard deviation, which is what the mode-coverage
metric (nearest mode, "high quality" within 3 std) reads. 100,000 points from a fixed seed,
each from a component chosen uniformly at random, so ``Dataset.sample`` draws
fresh-looking points and every run sees the same data.
"""

from __future__ import annotations

import math

import torch

from ganbench.types import DataOptions, Dataset

from . import catalogue

N_POINTS = 100_000
SEED = 2018  # PacGAN's year; any fixed number would do


def ring_centres(k: int = 8, radius: float = 1.0) -> torch.Tensor:
    # round() keeps cos(pi/2) an exact 0 rather than 6e-17.
    angles = [2 * math.pi * i / k for i in range(k)]
    return torch.tensor([[round(radius * math.cos(a), 12), round(radius * math.sin(a), 12)] for a in angles])


def grid_centres(values: tuple[float, ...] = (-4.0, -2.0, 0.0, 2.0, 4.0)) -> torch.Tensor:
    return torch.tensor([[x, y] for x in values for y in values])


def mixture(name: str, centres: torch.Tensor, std: float, n: int = N_POINTS, seed: int = SEED) -> Dataset:
    generator = torch.Generator().manual_seed(seed)
    component = torch.randint(len(centres), (n,), generator=generator)
    x = centres[component] + std * torch.randn(n, centres.shape[1], generator=generator)
    return Dataset(name=name, x=x.float(), modes=centres.float(), mode_std=std, source=catalogue.source(name))


def load_ring8(options: DataOptions) -> Dataset:
    return mixture("ring8", ring_centres(), std=0.01)


def load_grid25(options: DataOptions) -> Dataset:
    return mixture("grid25", grid_centres(), std=0.05)
