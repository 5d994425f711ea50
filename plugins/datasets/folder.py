"""``folder:PATH``: a folder of images, as torchvision's ImageFolder reads it, or flat.

Sub-folders are classes (sorted by name, as ImageFolder does, hidden ones skipped; images anywhere below a
sub-folder belong to it, and images beside the sub-folders are ignored). A folder with no
sub-folders holding images is one class named after the folder. Every image is converted
to RGB, resized so its shorter side is ``DataOptions.image_size`` (default 64) and centre-
cropped to a square (as in the PyTorch DCGAN example), then scaled to [-1, 1].
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torchvision.datasets.folder import IMG_EXTENSIONS

from ganbench.errors import UsageError
from ganbench.types import DataOptions, Dataset

from . import catalogue
from .images import image_side

DEFAULT_SIDE = 64


def is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMG_EXTENSIONS


def images_below(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if is_image(p))


def find_images(root: Path) -> tuple[list[Path], list[int], tuple[str, ...]]:
    """(files, labels, class names) from class sub-folders, or the flat folder as one class."""
    classes = [(d.name, images_below(d)) for d in sorted(root.iterdir())
               if d.is_dir() and not d.name.startswith(".")]
    classes = [(name, files) for name, files in classes if files]
    if not classes:
        classes = [(root.resolve().name or "images", sorted(p for p in root.iterdir() if is_image(p)))]
    files = [f for _, found in classes for f in found]
    labels = [label for label, (_, found) in enumerate(classes) for _ in found]
    return files, labels, tuple(name for name, _ in classes)


def read_image(path: Path, side: int) -> np.ndarray:
    """(side, side, 3) uint8: shorter side resized to ``side`` (antialiased), centre-cropped."""
    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        raise UsageError(f"folder: cannot decode image {path}: {reason}") from None
    width, height = image.size
    scale = side / min(width, height)
    size = (max(side, round(width * scale)), max(side, round(height * scale)))
    image = image.resize(size, Image.Resampling.BILINEAR)
    left, top = (size[0] - side) // 2, (size[1] - side) // 2
    return np.asarray(image.crop((left, top, left + side, top + side)))


def load(options: DataOptions) -> Dataset:
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
    pixels = np.stack([read_image(path, side) for path in files])  # uint8 until the end: 4x less memory
    x = torch.from_numpy(pixels).permute(0, 3, 1, 2).contiguous().to(torch.float32).mul_(2 / 255).sub_(1)
    return Dataset(
        name="folder",
        x=x,
        labels=torch.tensor(labels, dtype=torch.int64),
        class_names=class_names,
        source=f"folder {root.resolve()} ({len(files):,} images, {len(class_names)} classes); {catalogue.source('folder')}",
    )
