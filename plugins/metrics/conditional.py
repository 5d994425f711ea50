"""Conditional accuracy: does a class-conditional G draw the class it is asked for?

The share of generated images that the ganbench classifier (``feature_net``, trained on the real
labelled images and cached; the one class coverage uses) assigns to the class G was asked for.
``conditional_samples`` images (default ``max(2000, 200 * classes)``, at most 10,000) are drawn
with their asked classes, which come at the real class frequencies (ganbench.conditioning).

A G that ignores its label draws classes independently of the ones asked, so it scores the
chance level ``sum_c p_c q_c`` (p the asked frequencies, q the drawn ones): about ``1 / K`` for
balanced classes, and ``sum_c p_c^2`` at most when it draws the real frequencies. A perfect
conditional G scores the classifier's own held-out accuracy. Computed for conditional trials only.
"""

from __future__ import annotations

import torch

from ganbench.types import Measurement, Metric, MetricContext

from . import feature_net
from .classes import class_frequencies, num_classes


class ConditionalAccuracy(Metric):
    def __init__(self, context: MetricContext):
        dataset = context.dataset
        k = num_classes(dataset)
        self.trained = feature_net.load_or_train(dataset, context.cache_dir, context.device)
        real = class_frequencies(dataset.labels, k)
        self.chance = float((real**2).sum())  # a label-blind G that draws the real frequencies
        self.n = int(context.options.get("conditional_samples", min(10_000, max(2_000, 200 * k))))
        self.info = {"classifier_heldout_accuracy": self.trained.heldout_accuracy, "chance": self.chance}

    def compute(self, sample) -> list[Measurement]:
        x, asked = sample.with_labels(self.n)
        predicted = self.trained.net.predict(x)
        accuracy = float((predicted.cpu() == asked.cpu()).to(torch.float64).mean())
        return [
            Measurement(
                "conditional_accuracy",
                accuracy,
                True,
                n_samples=self.n,
                label="cond. accuracy",
                qualifiers=(f"chance {self.chance:.2f}", f"classifier {self.trained.heldout_accuracy:.2f}"),
            )
        ]
