"""``digits``: scikit-learn's bundled 8x8 handwritten digits, the default data set (no download)."""

from __future__ import annotations

import torch
from sklearn.datasets import load_digits

from ganbench.types import DataOptions, Dataset

from . import catalogue
from .images import image_side, to_unit_range

DEFAULT_SIDE = 16  # the smallest side the built-in image models build


def load(options: DataOptions) -> Dataset:
    bunch = load_digits()
    side = image_side(options, DEFAULT_SIDE)
    images = torch.from_numpy(bunch.images).unsqueeze(1)  # (1797, 1, 8, 8), values 0..16
    return Dataset(
        name="digits",
        x=to_unit_range(images, top=16.0, side=side),
        labels=torch.from_numpy(bunch.target).to(torch.int64),
        class_names=tuple(str(name) for name in bunch.target_names),
        source=catalogue.source("digits"),
    )
