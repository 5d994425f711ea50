"""Shared by the augmenting stabilisers (diffaug, ada, cr, bcr): differentiable image transforms.

Every transform takes a batch ``(N, C, H, W)`` and per-sample amounts drawn by its caller, and is
built from indexing, ``where`` and arithmetic only, so a gradient flows from the output back to
every input pixel that lands in it: G learns through an augmented fake. Nothing here draws random
numbers, so each stabiliser states its own distributions and the tests can give exact amounts.
"""

from __future__ import annotations

import torch

from ganbench.errors import UsageError
from ganbench.types import TrialPlan


def images_only(name: str, trial: TrialPlan) -> str | None:
    """The skip reason for data that is not images: these transforms move pixels."""
    if trial.data_shape.kind != "image":
        return f"{name} augments images (flips, shifts, colour); {trial.data_shape.kind} data has no pixels to move"
    return None


def _source_index(size: int, shift: torch.Tensor, pad: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Per sample, where each output row (or column) is read from, and whether that place is inside.

    ``shift`` (N,) moves content towards higher indices; ``pad`` says what fills the edge it uncovers:
    ``"zeros"`` (out-of-range reads are masked) or ``"reflect"`` (mirrored about the edge pixel).
    """
    source = torch.arange(size, device=shift.device) - shift.reshape(-1, 1)  # (N, size)
    if pad == "reflect":
        period = 2 * (size - 1)
        folded = source.remainder(period) if period else torch.zeros_like(source)
        source = torch.where(folded > size - 1, period - folded, folded)
    inside = (source >= 0) & (source < size)
    return source.clamp(0, size - 1), inside


def translate(x: torch.Tensor, shift_h: torch.Tensor, shift_w: torch.Tensor, pad: str = "zeros") -> torch.Tensor:
    """Each image moved by whole pixels: ``shift_h``, ``shift_w`` (N,) integers, positive down and right."""
    n, _, h, w = x.shape
    rows, rows_in = _source_index(h, shift_h, pad)
    cols, cols_in = _source_index(w, shift_w, pad)
    batch = torch.arange(n, device=x.device).reshape(n, 1, 1)
    moved = x.permute(0, 2, 3, 1)[batch, rows.reshape(n, h, 1), cols.reshape(n, 1, w)].permute(0, 3, 1, 2)
    inside = (rows_in.reshape(n, 1, h, 1) & cols_in.reshape(n, 1, 1, w)).to(x.dtype)
    return moved * inside


def cutout(x: torch.Tensor, top: torch.Tensor, left: torch.Tensor, size_h: int, size_w: int) -> torch.Tensor:
    """Each image with a ``size_h`` x ``size_w`` rectangle set to 0 from row ``top``, column ``left`` (N,)
    (the rectangle may hang over an edge: only its part inside the image is cut)."""
    n, _, h, w = x.shape
    rows = torch.arange(h, device=x.device).reshape(1, h) - top.reshape(n, 1)
    cols = torch.arange(w, device=x.device).reshape(1, w) - left.reshape(n, 1)
    cut = ((rows >= 0) & (rows < size_h)).reshape(n, 1, h, 1) & ((cols >= 0) & (cols < size_w)).reshape(n, 1, 1, w)
    return x * (~cut).to(x.dtype)


def flip(x: torch.Tensor, which: torch.Tensor) -> torch.Tensor:
    """Images mirrored left to right where ``which`` (N,) is true."""
    return torch.where(which.reshape(-1, 1, 1, 1), x.flip(3), x)


def rotate90(x: torch.Tensor, turns: torch.Tensor) -> torch.Tensor:
    """Each (square) image turned by ``turns`` (N,) quarter turns counter-clockwise, 0 to 3."""
    out = x
    for k in (1, 2, 3):
        out = torch.where((turns == k).reshape(-1, 1, 1, 1), torch.rot90(x, k, dims=(2, 3)), out)
    return out


def brightness(x: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    """``offset`` (N,) added to every pixel of each image."""
    return x + offset.reshape(-1, 1, 1, 1)


def saturation(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Each pixel's distance from its own grey (the mean over channels) scaled by ``factor`` (N,)."""
    grey = x.mean(dim=1, keepdim=True)
    return grey + (x - grey) * factor.reshape(-1, 1, 1, 1)


def contrast(x: torch.Tensor, factor: torch.Tensor, about_mean: bool = True) -> torch.Tensor:
    """Each image's distance from its mean pixel (or from 0, mid-grey in [-1, 1]) scaled by ``factor`` (N,)."""
    centre = x.mean(dim=(1, 2, 3), keepdim=True) if about_mean else torch.zeros_like(x[:, :1, :1, :1])
    return centre + (x - centre) * factor.reshape(-1, 1, 1, 1)


def policy(name: str, value: str, known: tuple[str, ...], aliases: dict[str, str] | None = None) -> tuple[str, ...]:
    """'translation-cutout' -> ('translation', 'cutout'): transforms joined by '-', each known, none twice.

    '-' and not '+' or ',': on the command line '+' joins stabilisers into a set and ',' separates
    parameters, so ``diffaug:policy=translation-cutout`` is one stabiliser with one parameter.
    """
    aliases = aliases or {}
    parts = [aliases.get(part.strip(), part.strip()) for part in str(value).split("-")]
    unknown = [part for part in parts if part not in known]
    if unknown or not parts or len(set(parts)) != len(parts):
        raise UsageError(
            f"{name}: policy must be transforms from {', '.join(known)} joined by '-' "
            f"(e.g. {'-'.join(known[:2])}), each once, got {value!r}"
        )
    return tuple(parts)
