"""Real data for the metric tests, built here and not through the data set plugins.

Other test files import these helpers (``from test_metrics_data import ...``); the tests at
the bottom check the helpers themselves.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganbench.types import Dataset

torch.set_num_threads(min(2, torch.get_num_threads()))

MNIST_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"
DIGIT_NAMES = tuple(map(str, range(10)))


def digits(size: int = 16) -> Dataset:
    """scikit-learn's 1,797 8x8 digits, resized to size x size, in [-1, 1]."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = torch.tensor(data.images, dtype=torch.float32)[:, None] / 16
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1) * 2 - 1
    return Dataset("digits", x.contiguous(), torch.tensor(data.target, dtype=torch.int64), DIGIT_NAMES)


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzip): magic (2 zero bytes, type 0x08 = uint8, number of dimensions), sizes, data."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    assert raw[:3] == b"\x00\x00\x08", f"{path} is not a uint8 IDX file"
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def mnist(size: int = 32) -> Dataset:
    """The real MNIST test split (10,000 digits), resized to size x size, in [-1, 1]; skips if absent."""
    images, labels = MNIST_DIR / "t10k-images-idx3-ubyte.gz", MNIST_DIR / "t10k-labels-idx1-ubyte.gz"
    if not (images.exists() and labels.exists()):
        pytest.skip(f"the real MNIST files are not in {MNIST_DIR}")
    x = torch.tensor(read_idx(images), dtype=torch.float32)[:, None] / 255
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1) * 2 - 1
    return Dataset("mnist", x.contiguous(), torch.tensor(read_idx(labels), dtype=torch.int64), DIGIT_NAMES)


def stacked(single: Dataset, n: int, seed: int = 0) -> Dataset:
    """Stacked MNIST from random triples of real digits: channel k holds digit k, label 100a + 10b + c."""
    index = torch.randint(len(single), (n, 3), generator=torch.Generator().manual_seed(seed))
    x = single.x[index, 0]  # (n, 3, H, W)
    y = single.labels[index]
    return Dataset(
        "stacked-mnist", x.contiguous(), 100 * y[:, 0] + 10 * y[:, 1] + y[:, 2], tuple(f"{i:03d}" for i in range(1000))
    )


def ring(k: int = 8, radius: float = 2.0, std: float = 0.02, n: int = 20_000, seed: int = 0) -> Dataset:
    """The 2D ring of k Gaussians (VEEGAN/PacGAN)."""
    angles = torch.arange(k, dtype=torch.float64) * 2 * math.pi / k
    modes = torch.stack([radius * angles.cos(), radius * angles.sin()], dim=1).float()
    return mixture("ring", modes, std, n, seed)


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05, n: int = 20_000, seed: int = 0) -> Dataset:
    """The 2D grid of side x side Gaussians (PacGAN: 25 modes, spacing 2, std 0.05)."""
    axis = (torch.arange(side, dtype=torch.float32) - (side - 1) / 2) * spacing
    modes = torch.cartesian_prod(axis, axis)
    return mixture("grid", modes, std, n, seed)


def mixture(name: str, modes: torch.Tensor, std: float, n: int, seed: int) -> Dataset:
    g = torch.Generator().manual_seed(seed)
    which = torch.randint(len(modes), (n,), generator=g)
    x = modes[which] + std * torch.randn(n, modes.shape[1], generator=g)
    return Dataset(name, x, modes=modes, mode_std=std)


def sampler(x: torch.Tensor):
    """A stand-in generator: sample(n) returns the first n rows of x (cycling when n > len(x))."""

    def sample(n: int) -> torch.Tensor:
        reps = -(-n // len(x))
        return x.repeat(reps, *([1] * (x.dim() - 1)))[:n] if reps > 1 else x[:n]

    return sample


def shared_cache(tmp_path_factory) -> str:
    """One cache folder for the whole test session: each network is trained once, whichever file needs it."""
    path = tmp_path_factory.getbasetemp() / "ganbench-metrics-cache"
    path.mkdir(exist_ok=True)
    return str(path)


# --------------------------------------------------------------------------- the helpers themselves


def test_digits_are_16px_in_range_with_ten_classes():
    data = digits()
    assert data.x.shape == (1797, 1, 16, 16)
    assert data.x.min() >= -1 and data.x.max() <= 1
    assert sorted(data.labels.unique().tolist()) == list(range(10))


def test_mnist_idx_reader_gives_the_published_test_split():
    data = mnist(size=28)
    assert data.x.shape == (10_000, 1, 28, 28)
    assert torch.bincount(data.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_stacked_labels_name_the_digit_in_each_channel():
    single = digits()
    data = stacked(single, 50)
    assert data.x.shape == (50, 3, 16, 16)
    for k in range(3):
        digit = (data.labels // 10 ** (2 - k)) % 10
        # every channel image is one of the single digits with that label
        matches = (single.x[:, 0][None] == data.x[:, k][:, None]).flatten(2).all(2)  # (50, 1797)
        assert all(single.labels[row.nonzero()[:, 0]].eq(d).all() for row, d in zip(matches, digit))
