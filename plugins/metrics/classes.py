"""Class coverage for labelled image data: which classes the generator produces, and how evenly.

The classifier is the ganbench feature network trained on the real labelled images
(``feature_net.py``, cached). ``coverage_samples`` generated images (default
``max(2000, 200 * classes)``, at most 10,000) are classified, giving the generated class
frequencies q; p are the real data's class frequencies.

* ``classes_covered``: classes c with q_c >= 10 % of p_c, i.e. at least a tenth of the share
  the class has in the real data (for balanced data: a tenth of the uniform share 1/K).
  A class the generator draws only by classifier error does not count.
* ``class_kl``: KL(q || p) = sum_c q_c log(q_c / p_c), generated against real: the reverse
  direction used by PacGAN/VEEGAN, finite when classes are missing, 0 when the generated
  class frequencies equal the real ones.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ganbench.types import Dataset, Measurement, Metric, MetricContext

from . import feature_net

SHARE = 0.1  # a class counts when it has at least this fraction of its real share
MAX_CLASSES = 100


def num_classes(dataset: Dataset) -> int:
    if dataset.num_classes:
        return dataset.num_classes
    return int(dataset.labels.max()) + 1 if dataset.labels is not None else 0


def applies_to(dataset: Dataset) -> str | None:
    if dataset.labels is None or dataset.shape.kind != "image":
        return "class coverage needs labelled images"
    if dataset.name == "stacked-mnist":
        return "Stacked MNIST has its own mode count (stacked-mnist-modes)"
    if not 2 <= num_classes(dataset) <= MAX_CLASSES:
        return f"class coverage is for 2 to {MAX_CLASSES} classes, the data set has {num_classes(dataset)}"
    return None


def class_frequencies(labels: torch.Tensor, k: int) -> torch.Tensor:
    return torch.bincount(labels.reshape(-1).cpu(), minlength=k)[:k].to(torch.float64) / labels.numel()


def coverage(predicted: torch.Tensor, real_frequencies: torch.Tensor) -> dict[str, float]:
    """classes_covered and class_kl for predicted class indices against the real class frequencies."""
    p = real_frequencies.to(torch.float64)
    q = class_frequencies(predicted, len(p))
    seen = q > 0
    kl = float((q[seen] * (q[seen] / p[seen].clamp_min(1e-12)).log()).sum())
    return {"classes_covered": float((q >= SHARE * p).logical_and(p > 0).sum()), "class_kl": max(0.0, kl)}


class ClassCoverage(Metric):
    def __init__(self, context: MetricContext):
        dataset = context.dataset
        k = num_classes(dataset)
        self.trained = feature_net.load_or_train(dataset, context.cache_dir, context.device)
        self.real = class_frequencies(dataset.labels, k)
        self.n = int(context.options.get("coverage_samples", min(10_000, max(2_000, 200 * k))))
        self.info = {"classifier_heldout_accuracy": self.trained.heldout_accuracy}

    def compute(self, sample: Callable[[int], torch.Tensor]) -> list[Measurement]:
        found = coverage(self.trained.net.predict(sample(self.n)), self.real)
        return [
            Measurement(
                "classes_covered",
                found["classes_covered"],
                True,
                n_samples=self.n,
                label="classes covered",
                qualifiers=(f"of {len(self.real)}",),
            ),
            Measurement("class_kl", found["class_kl"], False, n_samples=self.n, label="class KL"),
        ]
