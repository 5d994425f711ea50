"""``cifar10``: the CIFAR-10 training split through torchvision.

Found as torchvision leaves it (``ROOT/cifar-10-batches-py``), extracted from
``ROOT/cifar-10-python.tar.gz`` when that archive lies there (its md5 checked against
registries/datasets.toml first), or downloaded into ROOT when ``DataOptions.download`` allows.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torchvision import datasets as tv

from ganbench.types import DataOptions, Dataset, DataUnavailable

from . import catalogue
from .images import image_side, to_unit_range

DEFAULT_SIDE = 32
ARCHIVE = "cifar-10-python.tar.gz"


def load(options: DataOptions) -> Dataset:
    side = image_side(options, DEFAULT_SIDE)
    root = Path(options.root).expanduser()
    archive = root / ARCHIVE
    if archive.is_file():
        catalogue.verify("cifar10", archive)
    try:
        # With a verified archive in place torchvision only extracts it: no network.
        data = tv.CIFAR10(str(root), train=True, download=options.download or archive.is_file())
    except Exception as error:  # no network, a refused server, corrupt batches
        reason = f"download failed: {' '.join(str(error).split())[:300]}" if options.download else "downloading is off"
        raise DataUnavailable(
            f"cifar10: no CIFAR-10 files in {root} (expected {ARCHIVE} or its extracted folder "
            f"{tv.CIFAR10.base_folder}/); {reason}; --data-root can point elsewhere"
        ) from None
    images = torch.from_numpy(data.data).permute(0, 3, 1, 2)  # (50000, 3, 32, 32) uint8
    return Dataset(
        name="cifar10",
        x=to_unit_range(images, top=255.0, side=side),
        labels=torch.tensor(data.targets, dtype=torch.int64),
        class_names=tuple(data.classes),
        source=f"cifar10 train split ({len(data.targets):,} images) from {root}; {catalogue.source('cifar10')}",
        split="train",
    )
