"""``mnist`` and ``fashion-mnist``: IDX files found in the data root, or fetched by torchvision.

Looked for, in order: the gzip-compressed IDX files lying directly in ``DataOptions.root``
(as published: ``train-images-idx3-ubyte.gz`` ...), then in torchvision's layout
``ROOT/MNIST/raw`` (``ROOT/FashionMNIST/raw``). The training pair is used when present, else
the test (``t10k-*``) pair; ``Dataset.source`` says which. Every file is checked against the
md5 in registries/datasets.toml. Without files, torchvision downloads both splits into
``ROOT/MNIST/raw`` when ``DataOptions.download`` allows, and the training split is used.
:func:`read_splits` gives every split found instead (Stacked MNIST draws from all of them).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torchvision import datasets as tv

from ganbench.errors import UsageError
from ganbench.types import DataOptions, Dataset, DataUnavailable

from . import catalogue
from .images import image_side, to_unit_range

DEFAULT_SIDE = 32  # 28 px grown to a power of two, which DCGAN-style models need
SPLITS = (
    ("train", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    ("test", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
)
TORCHVISION = {"mnist": tv.MNIST, "fashion-mnist": tv.FashionMNIST}
_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass
class RawDigits:
    """Images as stored: uint8 (N, 1, 28, 28), labels int64 (N,), and where they came from."""

    images: torch.Tensor
    labels: torch.Tensor
    origin: str
    split: str  # "train" or "test"


def read_idx(path: Path) -> np.ndarray:
    """One IDX file (gzip-compressed) as an array: magic 0 0 TYPE NDIM, NDIM big-endian sizes, data."""
    try:
        with gzip.open(path, "rb") as file:
            data = file.read()
        if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
            raise ValueError("not an IDX file")
        ndim = data[3]
        shape = tuple(int(s) for s in np.frombuffer(data, ">u4", count=ndim, offset=4))
        return np.frombuffer(data, _DTYPES[data[2]], count=int(np.prod(shape)), offset=4 + 4 * ndim).reshape(shape)
    except (OSError, EOFError, ValueError) as error:
        raise UsageError(f"cannot read IDX file {path}: {error}") from None


def find_splits(name: str, root: Path) -> list[tuple[str, Path, Path]]:
    """(split, images, labels) for every split with a complete pair of files, the training split first."""
    folders = (root, root / TORCHVISION[name].__name__ / "raw")
    found = []
    for split, images, labels in SPLITS:
        for folder in folders:
            if (folder / images).is_file() and (folder / labels).is_file():
                found.append((split, folder / images, folder / labels))
                break  # one pair per split: the data root's own before torchvision's layout
    return found


def read_raw(name: str, options: DataOptions) -> RawDigits:
    """The training split if its files are there, else the test split, else torchvision's training split."""
    root = Path(options.root).expanduser()
    found = find_splits(name, root)
    if found:
        return read_pair(name, *found[0])
    return from_torchvision(fetch(name, root, options.download))


def read_splits(name: str, options: DataOptions) -> list[RawDigits]:
    """Every split whose files are there, the training split first (fetched first if there are none)."""
    root = Path(options.root).expanduser()
    if not find_splits(name, root):
        fetched = fetch(name, root, options.download)  # both splits, into ROOT/MNIST/raw
        if not find_splits(name, root):  # torchvision's extracted files alone, without the .gz
            return [from_torchvision(fetched)]
    return [read_pair(name, *found) for found in find_splits(name, root)]


def read_pair(name: str, split: str, images_path: Path, labels_path: Path) -> RawDigits:
    """One split's images and labels, each file checked against its published md5 first."""
    for path in (images_path, labels_path):
        catalogue.verify(name, path)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.shape != images.shape[:1]:
        raise UsageError(f"{name}: {images_path} and {labels_path} do not hold matching images and labels")
    origin = f"{split} split ({len(labels):,} images) from {images_path.parent}"
    return RawDigits(
        torch.from_numpy(images.copy()).unsqueeze(1), torch.from_numpy(labels.astype(np.int64)), origin, split
    )


def from_torchvision(fetched: tv.MNIST) -> RawDigits:
    return RawDigits(
        fetched.data.unsqueeze(1),
        fetched.targets.to(torch.int64),
        f"train split ({len(fetched.targets):,} images) from {fetched.raw_folder}",
        "train",
    )


def fetch(name: str, root: Path, download: bool) -> tv.MNIST:
    """torchvision's copy in ROOT/MNIST (downloaded if allowed), or DataUnavailable in one line."""
    try:
        return TORCHVISION[name](str(root), train=True, download=download)
    except Exception as error:  # no network, a refused mirror, a full disk: all mean "not available"
        reason = f"download failed: {' '.join(str(error).split())[:300]}" if download else "downloading is off"
    expected = " and ".join(SPLITS[0][1:])
    test = " and ".join(SPLITS[1][1:])
    raise DataUnavailable(
        f"{name}: no {name} files in {root} (expected {expected}, or {test}, "
        f"directly there or in {root / TORCHVISION[name].__name__ / 'raw'}); {reason}; "
        "--data-root can point elsewhere"
    )


def loader(name: str):
    """The ``load(options)`` of an MNIST-format data set."""

    def load(options: DataOptions) -> Dataset:
        side = image_side(options, DEFAULT_SIDE)
        raw = read_raw(name, options)
        return Dataset(
            name=name,
            x=to_unit_range(raw.images, top=255.0, side=side),
            labels=raw.labels,
            class_names=tuple(catalogue.entry(name)["classes"]),
            source=f"{name} {raw.origin}; {catalogue.source(name)}",
            split=raw.split,
        )

    return load
