"""Data sets too big to hold in memory: samples read from storage as the harness needs them.

A :class:`StreamedDataset` wraps a map-style ``torch.utils.data.Dataset`` of samples
(``items[i]`` is one sample: uint8 pixels (C, H, W) in 0..255, or float32 already in [-1, 1])
and answers everything the harness and the metrics ask of a data set, without ``x``.

Training reads it through a DataLoader: worker processes decode ahead of the step, batches land
in pinned memory on a CUDA machine and are copied without blocking, and uint8 pixels are scaled
to [-1, 1] on the device, so a quarter of the bytes cross the bus and the step never waits on a
host-device synchronisation.

The order of the batches follows the trial's random stream (its seed, on its device): the sampler
draws its own seed from it once, and a DataLoader hands batches back in the sampler's order
whatever the number of workers. ``--data-workers`` changes how fast batches come, never which.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader, Sampler, Subset

from ganbench.types.data import Dataset, DataShape

MAX_AUTO_WORKERS = 4
PREFETCH_BATCHES = 4  # per worker: enough to ride out a slow file without holding much memory
GATHER_IN_PROCESS = 64  # fewer samples than this are decoded here: starting workers would cost more
GATHER_BATCH = 256


class EndlessShuffle(Sampler[int]):
    """Epoch after epoch, each a fresh permutation of the samples drawn from ``seed``, never ending.

    One DataLoader iterator then serves a whole trial: batches run across epoch boundaries, so
    the workers never stop to start an epoch (a small set would otherwise wait on every batch),
    no sample is dropped, and a set smaller than a batch fills it from successive epochs.
    """

    def __init__(self, n: int, seed: int):
        self.n, self.seed = n, seed

    def __iter__(self) -> Iterator[int]:
        order = torch.Generator().manual_seed(self.seed)
        while True:
            yield from torch.randperm(self.n, generator=order).tolist()


def default_workers() -> int:
    """Half this process's torch threads, 1 to 4: on a 2-core machine one worker decodes while torch trains."""
    return max(1, min(MAX_AUTO_WORKERS, torch.get_num_threads() // 2))


class StreamedDataset(Dataset):
    """A :class:`Dataset` whose samples stay in storage until a batch or a metric asks for them.

    ``identity`` names the stored samples (for files: paths, sizes and modification times) and
    with the shape and labels makes the fingerprint, so caches keyed by it never decode the data.
    ``workers`` is the number of DataLoader processes (0 decodes in this process).
    """

    def __init__(
        self,
        name: str,
        items: torch.utils.data.Dataset,
        shape: DataShape,
        identity: str,
        *,
        labels: torch.Tensor | None = None,
        class_names: tuple[str, ...] = (),
        source: str = "",
        split: str = "all",
        workers: int | None = None,
        device: torch.device | str = "cpu",
    ):
        # Dataset's own fields, all but x, which a streamed data set does not have.
        self.name, self.labels, self.class_names, self.source = name, labels, tuple(class_names), source
        self.split = split
        self.modes, self.mode_std = None, None
        self.items: Any = items  # map-style: len() and items[i]
        self.identity = identity
        self.workers = default_workers() if workers is None else workers
        self._shape, self._device = shape, torch.device(device)

    @property  # a read-only x that refuses: nothing is held in memory
    def x(self) -> torch.Tensor:  # type: ignore[override]
        raise AttributeError(
            f"data set '{self.name}' streams its samples from storage and holds none in memory: "
            "use gather(index), sample(n) or batches(batch_size, generator)"
        )

    @property
    def shape(self) -> DataShape:
        return dataclasses.replace(self._shape, classes=self.num_classes if self.labels is not None else 0)

    @property
    def device(self) -> torch.device:
        return self._device

    @property
    def loading(self) -> str:
        if self.workers == 0:
            return "streamed from storage, decoded in the training process"
        pinned = ", pinned memory" if self.device.type == "cuda" else ""
        return f"streamed from storage by {self.workers} DataLoader worker{'s' if self.workers > 1 else ''}{pinned}"

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return (
            f"StreamedDataset({self.name!r}, {len(self)} samples, {self.shape}, {self.workers} workers, {self.device})"
        )

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def to(self, device: torch.device | str) -> StreamedDataset:
        moved = copy.copy(self)
        moved._device = torch.device(device)
        moved.labels = None if self.labels is None else self.labels.to(device)
        return moved

    def gather(self, index: torch.Tensor) -> torch.Tensor:
        wanted = index.detach().cpu().reshape(-1).tolist()
        if not wanted:
            return torch.empty((0, *self.shape.shape), device=self.device)
        if self.workers == 0 or len(wanted) < GATHER_IN_PROCESS:
            return self._on_device(torch.stack([self.items[i] for i in wanted]))
        loader = self._loader(Subset(self.items, wanted), GATHER_BATCH)
        return torch.cat([self._on_device(batch) for batch in loader])

    def batches(self, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
        """Endless shuffled epochs (:class:`EndlessShuffle`), ``batch_size`` samples at a time, decoded ahead.

        The order's seed is drawn from ``generator``, so it follows the trial's seed. Close the
        iterator (the training loop does) to stop the workers.
        """
        seed = int(torch.randint(2**62, (1,), device=generator.device, generator=generator))
        for batch in self._loader(self.items, batch_size, sampler=EndlessShuffle(len(self), seed)):
            yield self._on_device(batch)

    def labelled_batches(
        self, batch_size: int, generator: torch.Generator
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """As :meth:`batches` (the same order), each batch with its (N,) class indices."""
        if self.labels is None:
            raise ValueError(f"data set '{self.name}' has no labels")
        seed = int(torch.randint(2**62, (1,), device=generator.device, generator=generator))
        for batch, index in self._loader(_Indexed(self.items), batch_size, sampler=EndlessShuffle(len(self), seed)):
            yield self._on_device(batch), self.labels[index.to(self.labels.device)].to(self.device)

    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.name}\n{self.shape}\n{self.identity}".encode())
        if self.labels is not None:
            digest.update(self.labels.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()[:16]

    def _loader(self, items, batch_size: int, *, sampler: Sampler | None = None) -> DataLoader:
        return DataLoader(
            items,
            batch_size=batch_size,
            sampler=sampler,
            num_workers=self.workers,
            prefetch_factor=PREFETCH_BATCHES if self.workers else None,
            pin_memory=self.device.type == "cuda",  # page-locked batches: the copy below need not block
        )

    def _on_device(self, batch: torch.Tensor) -> torch.Tensor:
        # Non-blocking only from pinned memory: the page-locked buffer outlives the copy (CUDA's
        # caching host allocator sees to it); from pageable memory (MPS, say) it may not.
        batch = batch.to(self.device, non_blocking=batch.is_pinned())
        if batch.dtype == torch.uint8:  # scaled on the device: a quarter of float32's bytes were copied
            batch = batch.to(torch.float32).mul_(2 / 255).sub_(1)
        return batch


class _Indexed(torch.utils.data.Dataset):
    """Items with their index: a labelled batch's labels are looked up by it, never decoded."""

    def __init__(self, items):
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int):
        return self.items[i], i
