"""``stacked-mnist``: three MNIST digits as the R, G and B channels, 1,000 modes (VEEGAN, PacGAN).

Built as PacGAN built it (github.com/fjxmlzn/PacGAN, stacked_MNIST_experiments: 128,000
training samples, each channel drawn at random from the training and test images together):
128,000 stacked images whose channels are MNIST images drawn uniformly with a fixed seed from
every MNIST image found in the data root, both splits when both are there (``Dataset.split``
then says ``train+test``). With fewer stacked images than that a perfect generator fails the
test: 10,000 triples drawn from 10,000 digits leave the 1,000 modes uneven enough that 26,000
samples of the data set itself measure a reverse KL of 0.075. The label is the three digits read
as a number, ``100 * red + 10 * green + blue``, so class ``"042"`` is a 0 over a 4 over a 2.

The stacked images are never stored (128,000 x 3 x 32 x 32 float32 is 1.5 GB): the data set
holds each MNIST digit once, scaled as the ``mnist`` data set scales it, with the (128,000, 3)
index of the digits each image picks, and composes the images it is asked for in ``gather``.
"""

from __future__ import annotations

import copy
import hashlib

import torch

from ganbench.types import DataOptions, Dataset, DataShape

from . import catalogue, idx
from .images import image_side, to_unit_range

SEED = 2017  # VEEGAN's year; any fixed number would do
SIZE = 128_000  # PacGAN's number of stacked training images
CLASS_NAMES = tuple(f"{i:03d}" for i in range(1000))


class StackedMnist(Dataset):
    """Stacked images composed on demand from single digits (N, 1, H, W) and picks (n, 3) into them."""

    def __init__(self, digits: torch.Tensor, digit_labels: torch.Tensor, picks: torch.Tensor, source: str, split: str):
        # Dataset's own fields, all but x: the stacked images exist only as gather() composes them.
        self.name, self.class_names, self.source, self.split = "stacked-mnist", CLASS_NAMES, source, split
        self.modes, self.mode_std = None, None
        self.digits, self.picks = digits, picks
        chosen = digit_labels.to(picks.device)[picks]
        self.labels = chosen[:, 0] * 100 + chosen[:, 1] * 10 + chosen[:, 2]

    @property  # a read-only x that refuses, as a streamed data set's does: there is no tensor of them
    def x(self) -> torch.Tensor:  # type: ignore[override]
        raise AttributeError(
            "stacked-mnist composes its images from single digits when asked and holds no tensor of them: "
            "use gather(index), sample(n) or batches(batch_size, generator)"
        )

    @property
    def shape(self) -> DataShape:
        return DataShape("image", (3, *self.digits.shape[-2:]))

    @property
    def device(self) -> torch.device:
        return self.digits.device

    @property
    def loading(self) -> str:
        return f"in memory as {len(self.digits):,} single digits, stacked by index on the device"

    def __len__(self) -> int:
        return len(self.picks)

    def __repr__(self) -> str:
        return f"StackedMnist({len(self)} images from {len(self.digits)} digits, {self.shape}, {self.device})"

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def to(self, device: torch.device | str) -> StackedMnist:
        moved = copy.copy(self)
        moved.digits, moved.picks, moved.labels = self.digits.to(device), self.picks.to(device), self.labels.to(device)
        return moved

    def gather(self, index: torch.Tensor) -> torch.Tensor:
        return self.digits[self.picks[index.to(self.picks.device)], 0]  # (k, 3, H, W): one grey digit per channel

    def fingerprint(self) -> str:
        """A hash of the digits, the picks and the labels: the images they compose, without composing them."""
        digest = hashlib.sha256(f"{self.name}\n{self.shape}\n".encode())
        for tensor in (self.digits, self.picks, self.labels):
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()[:16]


def stack(digits: torch.Tensor, labels: torch.Tensor, source: str, split: str, n: int = SIZE) -> StackedMnist:
    """n stacked images, each channel one of ``digits`` (N, 1, H, W) in [-1, 1] drawn with the fixed seed."""
    picks = torch.randint(len(digits), (n, 3), generator=torch.Generator().manual_seed(SEED))
    return StackedMnist(digits, labels, picks, source, split)


def load(options: DataOptions) -> StackedMnist:
    splits = idx.read_splits("mnist", options)  # the training split first, as PacGAN concatenated them
    images = torch.cat([raw.images for raw in splits])
    origins = " and ".join(raw.origin for raw in splits)
    source = (
        f"stacked-mnist: {SIZE:,} images, each channel drawn (seed {SEED}) from all {len(images):,} MNIST images "
        f"found: {origins}; {catalogue.source('stacked-mnist')}"
    )
    return stack(
        to_unit_range(images, top=255.0, side=image_side(options, idx.DEFAULT_SIDE)),
        torch.cat([raw.labels for raw in splits]),
        source,
        split="+".join(raw.split for raw in splits),
    )
