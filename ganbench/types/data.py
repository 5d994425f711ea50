"""Data sets: what one sample looks like, the samples themselves, and how a loader is told where to look."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from ganbench.types.records import Record


@dataclass(frozen=True)
class DataShape:
    """What one sample looks like: ``("image", (C, H, W))`` or ``("vector", (d,))``."""

    kind: str
    shape: tuple[int, ...]
    # The classes of labelled data (0: none): what a class-conditional model builds its embeddings for.
    classes: int = 0

    @property
    def channels(self) -> int:
        return self.shape[0]

    @property
    def size(self) -> int:
        """Image side in pixels (images are square), or the vector's dimension."""
        return self.shape[-1]

    def __str__(self) -> str:
        return f"{self.kind} {'x'.join(map(str, self.shape))}"


@dataclass
class Dataset:
    """Samples in memory, float32: images (N, C, H, W) scaled to [-1, 1], or vectors (N, d) as they are.

    What the harness and the metrics read is the same for every data set, held in memory or
    streamed from storage (:class:`ganbench.types.StreamedDataset`): ``shape``, ``len()``,
    ``labels``/``class_names``/``modes``, ``fingerprint()``, ``gather(index)`` for chosen samples
    and ``batches(...)`` for training. ``x`` exists only for data held in memory.
    """

    name: str
    x: torch.Tensor
    labels: torch.Tensor | None = None  # (N,) int64 class indices, where the data has classes
    class_names: tuple[str, ...] = ()
    modes: torch.Tensor | None = None  # (K, d) mixture centres, where the data is a known mixture
    mode_std: float | None = None
    source: str = ""
    # Which part of the published data these samples are: "train", "test", "train+test", or "all"
    # (a set without splits, or generated). Reports say it beside every number scored against it.
    split: str = "all"

    @property
    def shape(self) -> DataShape:
        classes = self.num_classes if self.labels is not None else 0
        return DataShape("image" if self.x.dim() == 4 else "vector", tuple(self.x.shape[1:]), classes)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def device(self) -> torch.device:
        return self.x.device

    @property
    def loading(self) -> str:
        """How training reads the samples, as the report states it."""
        return "in memory, sampled by index on the device"

    def __len__(self) -> int:
        return self.x.shape[0]

    def to(self, device: torch.device | str) -> Dataset:
        labels = None if self.labels is None else self.labels.to(device)
        modes = None if self.modes is None else self.modes.to(device)
        return dataclasses.replace(self, x=self.x.to(device), labels=labels, modes=modes)

    def gather(self, index: torch.Tensor) -> torch.Tensor:
        """The samples at ``index`` (a 1-D integer tensor), float32 on the data's device."""
        return self.x[index.to(self.x.device)]

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n samples drawn uniformly with replacement, on the data's own device."""
        index = torch.randint(len(self), (n,), device=self.device, generator=generator)
        return self.gather(index)

    def batches(self, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
        """Endless random training batches on the data's device: the training loop's real samples.

        In memory, each batch is drawn by index with ``generator`` (no copies, no DataLoader), so
        the draws interleave with the loop's latents exactly as in a hand-written loop.
        """
        while True:
            yield self.sample(batch_size, generator)

    def labelled_batches(
        self, batch_size: int, generator: torch.Generator
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """As :meth:`batches` (the same draws), each batch with its (N,) class indices: a conditional trial's."""
        if self.labels is None:
            raise ValueError(f"data set '{self.name}' has no labels")
        while True:
            index = torch.randint(len(self), (batch_size,), device=self.device, generator=generator)
            yield self.gather(index), self.labels[index.to(self.labels.device)].to(self.device)

    def fingerprint(self) -> str:
        """A short hash of the samples and labels: a cache key for anything trained on them."""
        digest = hashlib.sha256()
        digest.update(str(tuple(self.x.shape)).encode())
        digest.update(self.x.detach().cpu().contiguous().numpy().tobytes())
        if self.labels is not None:
            digest.update(self.labels.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class DataOptions:
    """What a data set loader is told by the command line."""

    root: str = "data"
    image_size: int | None = None  # None: the data set's natural size
    download: bool = True
    argument: str = ""  # the part after ':' in 'folder:PATH'
    workers: int | None = None  # DataLoader worker processes for streamed data sets; None: chosen from the cores
    # The share of the samples training draws from (--data-fraction): a fixed seeded subset, the same for
    # every trial of a run; the metrics keep the whole data set as their reference. Loaders ignore it.
    fraction: float = 1.0


@dataclass(kw_only=True)
class DatasetSpec(Record):
    """A data set: ``load(options)`` returns a :class:`Dataset` (or a streamed one, for data too big to hold).

    A loader that cannot find or fetch its files raises :class:`DataUnavailable` with one
    line naming the folder and the files expected there.
    """

    load: Callable[[DataOptions], Dataset]
    kind: str = "image"
    takes_argument: bool = False  # 'folder:PATH'
    # Loads in seconds with no files and no network (generated, or shipped inside a package): what
    # the conformance checks and the testing kit train on when they need a data set of this kind.
    offline: bool = False
    source: str = ""


class DataUnavailable(Exception):
    """A data set's files are absent and cannot be fetched; the message is one line for the user."""
