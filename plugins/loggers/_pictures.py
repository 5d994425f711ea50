"""What the loggers share: a sample grid's PNG bytes as an image, metric names the trackers accept, and
which of a trial's scalars are the step's own logs (the rest are stabilisers' values, such as ADA's p)."""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image


def image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def array(png: bytes) -> np.ndarray:
    """Height x width x 3, uint8: what TensorBoard's add_image takes with dataformats='HWC'."""
    return np.asarray(image(png))


def key(text: str) -> str:
    """'fid[ganbench-digits-cnn]' -> 'fid_ganbench-digits-cnn': MLflow allows letters, digits, _ - . / and spaces."""
    return re.sub(r"[^A-Za-z0-9_\-./ ]+", "_", text).strip("_")


#: what the training step logs every 10 steps; a trial's other scalars are its stabilisers' own values
STEP_LOGS = frozenset({"d_loss", "g_loss", "d_real", "d_fake"})
