"""Stacked MNIST mode coverage (Metz et al. 2017; VEEGAN; PacGAN): 1,000 modes, 26,000 samples.

Each Stacked MNIST image holds three MNIST digits, one per channel; its mode is the triple
(a, b, c), label 100a + 10b + c. A single-digit classifier (the ganbench feature network) is
trained on the data set's own channels: channel k of an image shows digit
``(label // 10 ** (2 - k)) % 10``. Triples reuse digits, so the channel images are
de-duplicated before the train/held-out split, else the held-out accuracy would be measured
on training digits.

``stacked_samples`` generated images (default 26,000) are classified channel by channel:

* ``modes``: the number of the 1,000 triples with at least one sample;
* ``reverse_kl``: KL(P_gen || uniform) = sum_m p_m log(1000 p_m), P_gen the generated
  triples' frequencies: PacGAN's reverse KL (0 for even coverage, log 1000 for one mode).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ganbench.types import Dataset, Measurement, Metric, MetricContext

from . import feature_net

SAMPLES = 26_000
MODES = 1_000
MAX_SOURCE_IMAGES = 20_000  # stacked images whose channels feed the digit classifier


def applies_to(dataset: Dataset) -> str | None:
    if dataset.name != "stacked-mnist":
        return "only for Stacked MNIST"
    if dataset.labels is None or dataset.shape.kind != "image" or dataset.shape.channels != 3:
        return "Stacked MNIST needs 3-channel images labelled 100a + 10b + c"
    return None


def digits_of(stacked: Dataset) -> Dataset:
    """The distinct single-channel digits in (a fixed subset of) a Stacked MNIST data set, with their labels."""
    index = torch.arange(len(stacked))
    if len(stacked) > MAX_SOURCE_IMAGES:
        index = torch.randperm(len(stacked), generator=torch.Generator().manual_seed(0))[:MAX_SOURCE_IMAGES]
    x, labels = stacked.gather(index).detach().cpu(), stacked.labels.detach().cpu()[index]
    images = torch.cat([x[:, k : k + 1] for k in range(3)])
    digits = torch.cat([(labels // 10 ** (2 - k)) % 10 for k in range(3)])
    rows = np.ascontiguousarray(images.reshape(len(images), -1).numpy())
    _, first = np.unique(rows.view(np.dtype((np.void, rows.shape[1] * rows.itemsize))), return_index=True)
    keep = torch.from_numpy(np.sort(first))
    return Dataset(
        "stacked-mnist-digits", images[keep].contiguous(), digits[keep].contiguous(), tuple(map(str, range(10)))
    )


def digit_net(context: MetricContext) -> feature_net.TrainedNet:
    """The single-digit classifier for this Stacked MNIST, trained once and cached."""
    key = (context.dataset.fingerprint(), context.cache_dir, str(context.device))
    if key not in _digit_nets:  # FID and the mode count share it within a process
        _digit_nets[key] = feature_net.load_or_train(digits_of(context.dataset), context.cache_dir, context.device)
    return _digit_nets[key]


_digit_nets: dict[tuple[str, str, str], feature_net.TrainedNet] = {}


def classify(net: feature_net.FeatureNet, images: torch.Tensor) -> torch.Tensor:
    """Stacked images (N, 3, H, W) -> their modes 100a + 10b + c."""
    a, b, c = (net.predict(images[:, k : k + 1]) for k in range(3))
    return 100 * a + 10 * b + c


def coverage(modes: torch.Tensor) -> dict[str, float]:
    counts = torch.bincount(modes.reshape(-1).cpu(), minlength=MODES)[:MODES].to(torch.float64)
    p = counts / counts.sum()
    seen = p > 0
    return {"modes": float(seen.sum()), "reverse_kl": max(0.0, float((p[seen] * (p[seen] * MODES).log()).sum()))}


class StackedModes(Metric):
    def __init__(self, context: MetricContext):
        self.trained = digit_net(context)
        self.n = int(context.options.get("stacked_samples", SAMPLES))
        self.info = {"classifier_heldout_accuracy": self.trained.heldout_accuracy}

    def compute(self, sample: Callable[[int], torch.Tensor]) -> list[Measurement]:
        found = coverage(classify(self.trained.net, sample(self.n)))
        return [
            Measurement("modes", found["modes"], True, n_samples=self.n, label="modes", qualifiers=(f"of {MODES}",)),
            Measurement("reverse_kl", found["reverse_kl"], False, n_samples=self.n, label="reverse KL"),
        ]
