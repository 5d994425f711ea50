"""Figures: sample grids, 2D scatters over the known modes, metric curves. PNG bytes, no files."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # files only, never a window: runs on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torchvision.utils import make_grid  # noqa: E402


def image_grid_png(images: torch.Tensor, columns: int = 8, scale: int = 1) -> bytes:
    """(N, C, H, W) in [-1, 1] -> a PNG grid; small images are enlarged so they can be seen."""
    grid = make_grid(
        images.detach().float().cpu().clamp(-1, 1), nrow=columns, padding=2, normalize=True, value_range=(-1, 1)
    )
    array = (grid.permute(1, 2, 0).numpy() * 255).round().astype("uint8")
    picture = Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else array)
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def scatter_png(points: torch.Tensor, modes: torch.Tensor | None = None, title: str = "") -> bytes:
    """Generated 2D points (blue) over the data's mode centres (red crosses)."""
    figure, axes = plt.subplots(figsize=(4, 4), dpi=100)
    xy = points.detach().float().cpu()[:, :2]
    axes.scatter(xy[:, 0], xy[:, 1], s=2, alpha=0.4, color="tab:blue", label="generated")
    if modes is not None:
        centres = modes.detach().cpu()
        axes.scatter(centres[:, 0], centres[:, 1], marker="x", s=40, color="tab:red", label="modes")
        span = float(centres.abs().max()) * 1.5 + 0.5
        axes.set_xlim(-span, span)
        axes.set_ylim(-span, span)
    axes.set_aspect("equal")
    axes.set_title(title, fontsize=9)
    return figure_png(figure)


def figure_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
