"""``folder:PATH``: a folder of images, as torchvision's ImageFolder reads it, or flat; streamed from disk.

Sub-folders are classes (sorted by name, as ImageFolder does, hidden ones skipped; images anywhere below a
sub-folder belong to it, and images beside the sub-folders are ignored). With two or more
classes the data set is labelled (FID then uses ganbench's feature network, and class coverage
applies); a flat folder, or a tree with one class (``celeba/img_align_celeba/``), is unlabelled.
Every image is converted to RGB, resized so its shorter side is ``DataOptions.image_size``
(default 64) and centre-cropped to a square (as in the PyTorch DCGAN example).

A folder may hold far more than memory (CelebA, LSUN), so nothing is decoded up front: loading
lists the files and reads each one's header (a file that is not an image is bad input, found
before any training), and training decodes batches in DataLoader workers
(:class:`ganbench.types.StreamedDataset`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torchvision.datasets.folder import IMG_EXTENSIONS

from ganbench.errors import UsageError
from ganbench.types import DataOptions, DataShape, StreamedDataset

from . import catalogue
from .images import image_side

DEFAULT_SIDE = 64
RECIPE = "rgb-shorter-side-bilinear-centre-crop-v1"  # how files become pixels: part of the fingerprint
UNREADABLE = (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError)


def is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMG_EXTENSIONS


def images_below(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if is_image(p))


def find_images(root: Path) -> tuple[list[Path], list[int], tuple[str, ...]]:
    """(files, labels, class names) from class sub-folders, or the flat folder as one class."""
    classes = [(d.name, images_below(d)) for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".")]
    classes = [(name, files) for name, files in classes if files]
    if not classes:
        classes = [(root.resolve().name or "images", sorted(p for p in root.iterdir() if is_image(p)))]
    files = [f for _, found in classes for f in found]
    labels = [label for label, (_, found) in enumerate(classes) for _ in found]
    return files, labels, tuple(name for name, _ in classes)


class ImageFiles(torch.utils.data.Dataset):
    """The images of a folder, decoded one at a time: uint8 (3, side, side) tensors."""

    def __init__(self, files: list[Path], side: int):
        self.files, self.side = files, side

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> torch.Tensor:
        return torch.from_numpy(read_image(self.files[index], self.side)).permute(2, 0, 1).contiguous()


def read_image(path: Path, side: int) -> np.ndarray:
    """(side, side, 3) uint8: shorter side resized to ``side`` (antialiased), centre-cropped."""
    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
    except UNREADABLE as error:
        raise UsageError(f"folder: cannot decode image {path}: {_reason(error)}") from None
    width, height = image.size
    scale = side / min(width, height)
    size = (max(side, round(width * scale)), max(side, round(height * scale)))
    image = image.resize(size, Image.Resampling.BILINEAR)
    left, top = (size[0] - side) // 2, (size[1] - side) // 2
    return np.array(image.crop((left, top, left + side, top + side)))  # a writable copy: torch shares it


def identify(path: Path, root: Path) -> str:
    """One line naming a file's content cheaply: its path, size and modification time, once its header reads as an image."""
    try:
        with Image.open(path):  # reads the header only: the pixels are decoded in training
            pass
    except UNREADABLE as error:
        raise UsageError(f"folder: cannot decode image {path}: {_reason(error)}") from None
    stat = path.stat()
    return f"{path.relative_to(root)}\t{stat.st_size}\t{stat.st_mtime_ns}"


def load(options: DataOptions) -> StreamedDataset:
    if not options.argument:
        raise UsageError("data set 'folder' needs a path: folder:PATH")
    root = Path(options.argument).expanduser()
    if not root.exists():
        raise UsageError(f"folder: no such folder {root}")
    if not root.is_dir():
        raise UsageError(f"folder: {root} is not a folder (give a folder of images, or of class sub-folders)")
    side = image_side(options, DEFAULT_SIDE)
    files, labels, class_names = find_images(root)
    if not files:
        kinds = ", ".join(IMG_EXTENSIONS)
        raise UsageError(f"folder: no images in {root} or its sub-folders (looked for {kinds})")
    identity = "\n".join([RECIPE, *(identify(path, root) for path in files)])
    labelled = len(class_names) >= 2  # one class says nothing about the images: no classifier to train
    return StreamedDataset(
        "folder",
        ImageFiles(files, side),
        DataShape("image", (3, side, side)),
        identity,
        labels=torch.tensor(labels, dtype=torch.int64) if labelled else None,
        class_names=class_names if labelled else (),
        source=f"folder {root.resolve()} ({len(files):,} images, "
        f"{f'{len(class_names)} classes' if labelled else 'unlabelled'}); {catalogue.source('folder')}",
        workers=options.workers,
    )


def _reason(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
