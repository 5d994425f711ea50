"""Shared image handling: the requested side, resizing, and scaling to [-1, 1]."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganbench.errors import UsageError
from ganbench.types import DataOptions

_CHUNK = 8192  # images resized at once: bounds the float copy's memory


def image_side(options: DataOptions, default: int) -> int:
    """DataOptions.image_size, or the data set's default side."""
    size = options.image_size if options.image_size is not None else default
    if int(size) != size or size < 1:
        raise UsageError(f"image size must be a positive whole number of pixels, got {size}")
    return int(size)


def to_unit_range(images: torch.Tensor, top: float, side: int) -> torch.Tensor:
    """(N, C, H, W) pixel values in [0, top] -> float32 (N, C, side, side) in [-1, 1].

    Resized with antialiased bilinear interpolation (antialiasing only matters when shrinking).
    """
    out = []
    for chunk in images.split(_CHUNK):
        chunk = chunk.to(torch.float32) * (2.0 / top) - 1.0
        if chunk.shape[-2:] != (side, side):
            chunk = F.interpolate(chunk, size=(side, side), mode="bilinear", antialias=True, align_corners=False)
        out.append(chunk.clamp_(-1.0, 1.0))
    return torch.cat(out) if out else torch.empty(0, images.shape[1], side, side)
