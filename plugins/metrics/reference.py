"""The real side of every torch-fidelity metric: the reference images and their cache entry.

torch-fidelity caches an input's features and FID statistics under ``cache_root`` when the
input has a cache name; ganbench names the reference set after the data set's fingerprint,
the subset drawn from it, its size and the image side, and torch-fidelity appends the
extractor's name, which for a ganbench network ends in the hash of its weights. So the
statistics are computed once per (data, subset, image size, extractor weights) and every later
run, trial and checkpoint reads them back; statistics made with one network are never read
with another.

torch-fidelity writes each file atomically but does not stop two processes computing the same
entry at once; :meth:`Reference.prepare` holds the entry's lock (``cache.py``) while it
computes, so the second process waits and then reads the first one's files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
import torch_fidelity

from ganbench.types import Dataset, MetricContext

from . import cache
from .extractor import Extractor, to_uint8

REFERENCE_SAMPLES = 50_000  # the usual FID reference size; smaller data sets are used whole
CHUNK = 5_000  # reference images gathered at once (a streamed data set starts its workers once per chunk)


class ImageTensors(torch.utils.data.Dataset):
    """Images as torch-fidelity reads them (uint8, 3 channels), converted one by one if given in [-1, 1]."""

    def __init__(self, images: torch.Tensor):
        self.images = images

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int) -> torch.Tensor:
        item = self.images[index]
        return item if item.dtype == torch.uint8 else to_uint8(item[None])[0]


class ReferenceImages(torch.utils.data.Dataset):
    """The samples at ``index`` of a data set, as torch-fidelity reads them (one uint8 image at a time).

    torch-fidelity reads in order, so the images are gathered ``CHUNK`` at a time: one index
    for data in memory, a batch of decoding for a streamed data set, never all of them at once.
    """

    def __init__(self, dataset: Dataset, index: torch.Tensor):
        self.dataset, self.index = dataset, index
        self._start, self._chunk = -1, torch.empty(0, dtype=torch.uint8)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> torch.Tensor:
        start = i - i % CHUNK
        if start != self._start:
            self._chunk = to_uint8(self.dataset.gather(self.index[start : start + CHUNK]).detach())
            self._start = start
        return self._chunk[i - start]


#: tuning scores its configurations against one half of the real data ("selection") and the final table
#: against the other ("final"), so the configuration chosen is never judged on the images that chose it
REAL_PART = "real_part"


def part_of(context: MetricContext) -> torch.Tensor:
    """The indices of the real samples a metric may score against: all, or a fixed half of them."""
    n = len(context.dataset)
    part = context.options.get(REAL_PART)
    if part is None:
        return torch.arange(n)
    if part not in ("selection", "final"):
        raise ValueError(f"metric option {REAL_PART}={part!r}: use selection or final")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(1))
    return order[: n // 2] if part == "selection" else order[n // 2 :]


@dataclass
class Reference:
    """The real images a metric compares against, by cache name; the images are built only on a cache miss."""

    context: MetricContext
    n: int
    cache_name: str
    cache_root: str
    seconds: float = 0.0  # time spent preparing the reference statistics in this process
    computed: bool = False  # False when they came from the cache
    _images: ReferenceImages | None = None

    @classmethod
    def of(cls, context: MetricContext) -> Reference:
        dataset = context.dataset
        pool = len(part_of(context))
        n = min(pool, int(context.options.get("fid_reference_samples", REFERENCE_SAMPLES)))
        part = context.options.get(REAL_PART)
        subset = ("all" if n == pool else f"random{n}") + (f"-{part}half" if part else "")
        name = f"ganbench-{dataset.name}-{dataset.fingerprint()}-{subset}-{dataset.shape.size}px"
        return cls(context, n, name, os.path.join(context.cache_dir, "fidelity"))

    def images(self) -> ReferenceImages:
        """The reference images, gathered lazily: torch-fidelity reads them only on a cache miss."""
        if self._images is None:
            index = part_of(self.context)
            if self.n < len(index):  # a fixed random subset: data sets are often stored sorted by class
                index = index[torch.randperm(len(index), generator=torch.Generator().manual_seed(0))[: self.n]]
            self._images = ReferenceImages(self.context.dataset, index)
        return self._images

    def inputs(self) -> dict[str, Any]:
        """input2 for torch_fidelity.calculate_metrics: read from the cache when it is there."""
        return {"input2": self.images(), "input2_cache_name": self.cache_name}

    @property
    def split(self) -> str:
        """Which real images, as a heading says it: the data's split ("train", "all"...), a half kept for
        tuning's selection or for the final table, or a random subset of one."""
        split = self.context.dataset.split
        part = self.context.options.get(REAL_PART)
        if part:
            split = f"{part} half of {split}"
        return split if self.n == len(part_of(self.context)) else f"random subset of {split}"

    def prepare(self, extractor: Extractor, **metric: Any) -> None:
        """Compute and cache the reference's features (and FID statistics with fid=True), unless cached.

        The reference is given as both inputs under one cache name: torch-fidelity extracts its
        features once, caches them, and reads them back for the second input.
        """
        with self.entry(extractor):
            images = self.images()
            torch_fidelity.calculate_metrics(
                input1=images,
                input1_cache_name=self.cache_name,
                input2=images,
                input2_cache_name=self.cache_name,
                **metric,
                **extractor.fidelity_kwargs(self.cache_root),
            )

    @contextmanager
    def entry(self, extractor: Extractor) -> Iterator[None]:
        """Hold this reference's cache entry for ``extractor`` while torch-fidelity reads or writes it.

        Sets ``computed`` (whether files were written) and ``seconds`` (the time it took).
        """
        started = time.perf_counter()
        # The prefix of every file torch-fidelity writes for this reference and extractor: one lock each.
        with cache.locked(os.path.join(self.cache_root, f"{self.cache_name}-{extractor.name}")):
            before = self.cached_files()
            yield
            self.computed = self.cached_files() != before
        self.seconds = time.perf_counter() - started

    def cached_files(self) -> set[str]:
        """torch-fidelity's files for this reference (every extractor's), not the lock files beside them."""
        if not os.path.isdir(self.cache_root):
            return set()
        return {f for f in os.listdir(self.cache_root) if f.startswith(self.cache_name + "-") and f.endswith(".pt")}
