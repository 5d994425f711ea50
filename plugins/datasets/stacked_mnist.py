"""``stacked-mnist``: three MNIST digits as the R, G and B channels, 1,000 modes (VEEGAN, PacGAN).

Built from whatever MNIST split the ``mnist`` loader finds (see idx.py): as many stacked
images as MNIST images available (60,000 from the training split, 10,000 from the test
split), each channel an MNIST image drawn uniformly at random with a fixed seed. The label
is the three digits read as a number, ``100 * red + 10 * green + blue``, so class ``"042"``
is a 0 over a 4 over a 2.
"""

from __future__ import annotations

import torch

from ganbench.types import DataOptions, Dataset

from . import catalogue, idx

SEED = 2017  # VEEGAN's year; any fixed number would do
CLASS_NAMES = tuple(f"{i:03d}" for i in range(1000))


def stack(mnist: Dataset, n: int | None = None, seed: int = SEED) -> Dataset:
    """n stacked images (default: as many as ``mnist`` holds) from a loaded MNIST data set."""
    n = len(mnist) if n is None else n
    picks = torch.randint(len(mnist), (n, 3), generator=torch.Generator().manual_seed(seed))
    x = mnist.x[picks, 0]  # (n, 3, H, W): one grey digit per channel
    digits = mnist.labels[picks]
    return Dataset(
        name="stacked-mnist",
        x=x,
        labels=digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2],
        class_names=CLASS_NAMES,
        source=f"stacked-mnist: {n:,} images stacked from {mnist.source.split(';')[0].removeprefix('mnist ')}; "
        f"{catalogue.source('stacked-mnist')}",
    )


def load(options: DataOptions) -> Dataset:
    return stack(idx.loader("mnist")(options))
