"""The latent streams a trial is evaluated with: one per metric, and one for its pictures.

A metric's samples depend on the trial's seed and the metric's name alone, never on which other
metrics run (adding KID to a run leaves FID's samples as they were), and never on the device:
latents are drawn on the CPU, from a generator seeded by a hash of (seed, stream), then moved to
G's device. So `ganbench sample --as-evaluated fid` draws, anywhere, the very latents FID
scored. Within a stream the same latents serve every checkpoint, so a metric's curve follows G
and not the draw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import torch
from torch import nn

CHUNK = 500  # generator forward passes in chunks: bounded memory for any sample count
PICTURES = "pictures"  # the stream of the checkpoint pictures (sample grids, 2D scatters)


def stream_seed(trial_seed: int, stream: str) -> int:
    """A 63-bit seed for the stream ``stream`` (a metric's name) of the trial seeded ``trial_seed``."""
    digest = hashlib.sha256(f"ganbench-latents/{trial_seed}/{stream}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def sampler(generator: nn.Module, z_dim: int, trial_seed: int, stream: str) -> Callable[[int], torch.Tensor]:
    """``sample(n)``: the next n samples of the stream, without gradients; successive calls continue it.

    Latents are drawn CHUNK at a time whatever n is (torch's normal draws depend on the size of
    each draw), so the k-th latent of a stream is the same however the calls split it.

    For a class-conditional trial (``generator`` a ganbench.conditioning.LabelledGenerator),
    ``sample.with_labels(n)`` gives the next n samples with the classes they were asked for.
    """
    device = next(generator.parameters()).device
    rng = torch.Generator().manual_seed(stream_seed(trial_seed, stream))
    spare = torch.empty(0, z_dim)
    labels_of = getattr(generator, "labels_of", None)

    @torch.no_grad()
    def draw(n: int, labelled: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        nonlocal spare
        chunks, labels = [], []
        while n > 0:
            if len(spare) == 0:
                spare = torch.randn(CHUNK, z_dim, generator=rng)
            z, spare = spare[:n], spare[n:]
            z = z.to(device, non_blocking=True)
            chunks.append(generator(z))
            if labelled:
                labels.append(labels_of(z))
            n -= len(z)
        x = torch.cat(chunks) if chunks else torch.empty(0, device=device)
        return x, (torch.cat(labels) if labels else torch.empty(0, dtype=torch.int64, device=device))

    def sample(n: int) -> torch.Tensor:
        return draw(n, labelled=False)[0]

    if labels_of is not None:
        sample.with_labels = lambda n: draw(n, labelled=True)  # type: ignore[attr-defined]
    return sample


class eval_mode:
    """BatchNorm uses its running statistics while sampling; training mode is restored after."""

    def __init__(self, module: nn.Module):
        self.module, self.was_training = module, module.training

    def __enter__(self):
        self.module.eval()

    def __exit__(self, *exc):
        self.module.train(self.was_training)
