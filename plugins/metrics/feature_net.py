"""The feature network: a small CNN classifier that ganbench trains on the real labelled data.

It serves twice: as the FID feature extractor for small labelled data sets (``extractor.py``
registers it with torch-fidelity) and as the classifier that counts classes and modes
(``classes.py``, ``stacked.py``). Inception-v3 is trained on 299x299 photographs; on 16x16
digits a network trained on the digits themselves gives features that actually separate them.

Training is done once per data set, and gives the same weights whoever runs it: on the CPU,
with one torch thread, seeded (more threads, or another device, sum in another order, and the
weights drift apart by tenths). The weights and the held-out accuracy are cached under
``cache_dir/feature-nets`` keyed by the data set's fingerprint, the architecture version and
the seed; one process trains while the others wait for its file (``cache.py``), which is read
back with ``torch.load(weights_only=True)``. ``TrainedNet.weights_hash`` names the weights
themselves: it is part of the extractor's name, hence of every statistics file made with it.

The network works at a fixed resolution (``WORK_SIZE``): inputs of any side are resized to it
first, which keeps a 32x32 MNIST classification as cheap as a 16x16 one (Stacked MNIST
classifies 78,000 digits at every checkpoint).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.types import Dataset

from . import cache

#: bump when the architecture or the training recipe changes: old cache entries are then ignored
#: (2: trained on the CPU with one thread, the same weights whatever the caller's thread count and device)
ARCH_VERSION = 2
WORK_SIZE = 16
FEATURE_DIM = 128
HELDOUT_FRACTION = 0.2
MAX_TRAIN = 20_000  # more real samples than this add training time, not accuracy worth having
MAX_HELDOUT = 5_000


class FeatureNet(nn.Module):
    """conv(32)-pool-conv(64)-pool-conv(64) at 16, 8 and 4 px -> 128 features -> class logits.

    ``features`` is the linear layer before the classifier's non-linearity: no ReLU-dead
    dimensions, so the covariance FID needs is full rank.
    """

    def __init__(self, in_channels: int, num_classes: int):
        super().__init__()
        self.in_channels, self.num_classes = in_channels, num_classes

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

        self.body = nn.Sequential(
            *block(in_channels, 32),
            nn.MaxPool2d(2),
            *block(32, 64),
            nn.MaxPool2d(2),
            *block(64, 64),
            nn.Flatten(),  # where a stroke is matters: no global pooling
        )
        self.embed = nn.Linear(64 * (WORK_SIZE // 4) ** 2, FEATURE_DIM)
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(0.2), nn.Linear(FEATURE_DIM, num_classes))

    def resize(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] == WORK_SIZE and x.shape[-2] == WORK_SIZE:
            return x
        return F.interpolate(
            x, size=(WORK_SIZE, WORK_SIZE), mode="bilinear", align_corners=False, antialias=x.shape[-1] > WORK_SIZE
        )

    @staticmethod
    def resize_path(side: int) -> str:
        """What :meth:`resize` does to images of ``side`` pixels, as a column heading says it."""
        if side == WORK_SIZE:
            return f"{WORK_SIZE} px as is"
        return f"{WORK_SIZE} px bilinear" + (" antialiased" if side > WORK_SIZE else "")

    def features_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: (N, C, H, W) in [-1, 1] -> ((N, FEATURE_DIM) features, (N, classes) logits)."""
        features = self.embed(self.body(self.resize(x)))
        return features, self.head(features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features_and_logits(x)[1]

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch_size: int = 2000) -> torch.Tensor:
        """Class indices for (N, C, H, W) images, in batches; the net must be in eval mode."""
        device = next(self.parameters()).device
        return torch.cat([self(chunk.to(device)).argmax(1) for chunk in x.split(batch_size)])


@dataclass
class TrainedNet:
    """A trained network with what it was trained on and how well it does on held-out data."""

    net: FeatureNet
    key: str  # the cache key: data set, fingerprint, architecture version, seed
    heldout_accuracy: float
    heldout_n: int
    train_n: int
    seconds: float  # training time (0 when loaded from the cache)
    cached: bool
    weights_hash: str  # of the weights themselves (weights_hash()): what names the caches made with them


def cache_key(dataset: Dataset, seed: int = 0) -> str:
    return f"{dataset.name}-{dataset.fingerprint()}-v{ARCH_VERSION}-s{seed}"


def weights_hash(net: nn.Module) -> str:
    """A short sha256 of the state dict: every tensor's name, dtype, shape and bytes, in name order."""
    digest = hashlib.sha256()
    for name, tensor in sorted(net.state_dict().items()):
        digest.update(f"{name} {tensor.dtype} {tuple(tensor.shape)}\n".encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:12]


def load_or_train(dataset: Dataset, cache_dir: str, device: torch.device | str = "cpu", seed: int = 0) -> TrainedNet:
    """The cached network for this data set, trained (and cached) first if there is none.

    Under the entry's lock: a process that finds no network trains it while the others wait,
    and they then load its file; a file that is there is never replaced.
    """
    if dataset.labels is None or dataset.shape.kind != "image" or class_count(dataset) < 2:
        raise ValueError(f"a feature network needs images labelled with two or more classes; {dataset.name} has none")
    key = cache_key(dataset, seed)
    path = os.path.join(cache_dir, "feature-nets", key + ".pt")
    with cache.locked(path):
        if os.path.exists(path):  # looked for again now that the lock is ours: another process may have trained it
            return load(path, key, device)
        trained = train(dataset, device, seed)
        trained.key = key
        cache.save_atomically(
            {
                "state_dict": {k: v.cpu() for k, v in trained.net.state_dict().items()},
                "in_channels": trained.net.in_channels,
                "num_classes": trained.net.num_classes,
                "heldout_accuracy": trained.heldout_accuracy,
                "heldout_n": trained.heldout_n,
                "train_n": trained.train_n,
                "arch_version": ARCH_VERSION,
                "dataset": dataset.name,
                "weights_hash": trained.weights_hash,
            },
            path,
        )
        return trained


def load(path: str, key: str, device: torch.device | str = "cpu") -> TrainedNet:
    """A network saved by :func:`load_or_train` (plain tensors and numbers: a weights-only load)."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    net = FeatureNet(saved["in_channels"], saved["num_classes"])
    net.load_state_dict(saved["state_dict"])
    return TrainedNet(
        net.to(device).eval(),
        key,
        saved["heldout_accuracy"],
        saved["heldout_n"],
        saved["train_n"],
        0.0,
        cached=True,
        weights_hash=weights_hash(net),  # of what was read, not of what the file says it holds
    )


def class_count(dataset: Dataset) -> int:
    return max(dataset.num_classes, int(dataset.labels.max()) + 1) if dataset.labels is not None else 0


def split(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed random (train, held-out) split of n indices."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    heldout = min(MAX_HELDOUT, max(1, int(n * HELDOUT_FRACTION)))
    return order[heldout:][:MAX_TRAIN], order[:heldout]


def train(
    dataset: Dataset, device: torch.device | str = "cpu", seed: int = 0, steps: int | None = None, batch_size: int = 128
) -> TrainedNet:
    """Train a fresh network on ``dataset`` and measure it on the held-out split; returned on ``device``.

    Always on the CPU with one thread (:func:`reproducibly`): the same weights, bit for bit,
    whatever the caller's device and thread count.
    """
    started = time.perf_counter()
    labels = dataset.labels.detach().cpu()
    num_classes = class_count(dataset)
    train_index, heldout_index = split(len(dataset), seed)  # at most MAX_TRAIN + MAX_HELDOUT samples in memory
    x_train, y_train = dataset.gather(train_index).detach().cpu(), labels[train_index]
    if steps is None:  # about 20 epochs, at least 300 and at most 1,000 steps
        steps = min(1000, max(300, 20 * len(x_train) // batch_size))
    with reproducibly(seed):
        rng = torch.Generator().manual_seed(seed)
        net = FeatureNet(dataset.shape.channels, num_classes)
        optimiser = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=5e-4)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=steps, pct_start=0.15)
        net.train()
        for _ in range(steps):
            index = torch.randint(len(x_train), (batch_size,), generator=rng)
            batch = augment(net.resize(x_train[index]), rng)
            loss = F.cross_entropy(net(batch), y_train[index], label_smoothing=0.05)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
        net.eval()
        predicted = net.predict(dataset.gather(heldout_index).detach().cpu())
    accuracy = (predicted == labels[heldout_index]).float().mean().item()
    return TrainedNet(
        net.to(device),
        "",
        accuracy,
        len(heldout_index),
        len(train_index),
        time.perf_counter() - started,
        cached=False,
        weights_hash=weights_hash(net),
    )


@contextmanager
def reproducibly(seed: int) -> Iterator[None]:
    """One torch thread and torch's global generator seeded; the caller's thread count and random state come back.

    One thread because a sum split over threads is added in another order: 1 and 2 threads gave
    weights up to 0.41 apart after training, and a cache shared by processes with different
    thread counts paired one's network with the other's statistics.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):  # the CPU generator's state, restored on the way out
            # The CPU generator alone (the initial weights, dropout): torch.manual_seed would reseed
            # every GPU's generator too, which fork_rng(devices=[]) does not restore.
            torch.default_generator.manual_seed(seed)
            yield
    finally:
        torch.set_num_threads(threads)


def augment(x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Small random affine jitter (rotation ±10°, scale ±10%, shift ±1.5 px at 16 px): digits stay digits."""
    n = x.shape[0]
    uniform = lambda lo, hi: lo + (hi - lo) * torch.rand(n, device=x.device, generator=rng)  # noqa: E731
    angle = uniform(-0.17, 0.17)
    scale = uniform(0.9, 1.1)
    shift = uniform(-0.1875, 0.1875), uniform(-0.1875, 0.1875)
    theta = torch.zeros(n, 2, 3, device=x.device)
    theta[:, 0, 0] = angle.cos() / scale
    theta[:, 0, 1] = -angle.sin() / scale
    theta[:, 1, 0] = angle.sin() / scale
    theta[:, 1, 1] = angle.cos() / scale
    theta[:, 0, 2], theta[:, 1, 2] = shift
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)
