"""Figures: sample grids, 2D scatters over the known modes, metric curves. PNG bytes, no files."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # files only, never a window: runs on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402
from torchvision.utils import make_grid  # noqa: E402

#: pixels between tiles, before enlarging, in mid-grey: seen between dark tiles (MNIST's black) and light ones alike
GUTTER = 2
GUTTER_GREY = 0.5
LABEL_MARGIN = 6  # pixels around a row's label


def image_grid_png(images: torch.Tensor, columns: int = 8, scale: int = 1) -> bytes:
    """(N, C, H, W) in [-1, 1] -> a PNG grid; small images are enlarged so they can be seen."""
    return _png(_grid(images, columns, scale))


def labelled_rows_png(rows: list[tuple[str, torch.Tensor]], scale: int = 1) -> bytes:
    """Rows of images of one length, each named at its left: an interpolation's 'straight line' and 'slerp'."""
    side = rows[0][1].shape[-2]
    grid = _grid(torch.cat([images for _, images in rows]), len(rows[0][1]), scale).convert("RGB")
    font = ImageFont.load_default()
    boxes = [ImageDraw.Draw(grid).textbbox((0, 0), label, font=font) for label, _ in rows]
    width = 2 * LABEL_MARGIN + max(box[2] for box in boxes)
    canvas = Image.new("RGB", (width + grid.width, grid.height), "white")
    canvas.paste(grid, (width, 0))
    draw = ImageDraw.Draw(canvas)
    for i, ((label, _), box) in enumerate(zip(rows, boxes)):
        centre = (GUTTER + i * (side + GUTTER) + side / 2) * scale  # the middle of row i's tiles
        draw.text((LABEL_MARGIN, centre - (box[1] + box[3]) / 2), label, fill="black", font=font)
    return _png(canvas)


def _grid(images: torch.Tensor, columns: int, scale: int) -> Image.Image:
    grid = make_grid(
        images.detach().float().cpu().clamp(-1, 1),
        nrow=columns,
        padding=GUTTER,
        normalize=True,
        value_range=(-1, 1),
        pad_value=GUTTER_GREY,  # after normalising: the grid is in [0, 1]
    )
    array = (grid.permute(1, 2, 0).numpy() * 255).round().astype("uint8")
    picture = Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else array)
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    return picture


def _png(picture: Image.Image) -> bytes:
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
