"""Mode coverage on a known Gaussian mixture (2D ring, 2D grid), by the VEEGAN/PacGAN protocol.

Srivastava et al. 2017 (VEEGAN) and Lin et al. 2018 (PacGAN, section 5 and its code): draw
2,500 samples; give each to its nearest mode; it is *high quality* if it lies within three
standard deviations of that mode (Euclidean distance < 3 * ``dataset.mode_std``: for a 2D
isotropic Gaussian that holds for 1 - exp(-9/2) = 98.9 % of real samples). Then

* ``modes``: the number of modes with at least one high-quality sample;
* ``high_quality_pct``: the percentage of samples that are high quality;
* ``reverse_kl``: the *reverse* KL divergence of PacGAN, KL(P_gen || P_data), where P_gen is
  the histogram of the high-quality samples over the modes (normalised) and P_data is the
  uniform distribution over the K modes: sum_k p_k log(p_k K). Missing modes contribute 0, so
  it stays finite under mode collapse (the forward direction would be infinite); it is 0 for
  perfectly even coverage and log K when every high-quality sample sits on one mode. With no
  high-quality sample at all P_gen is undefined and the worst value, log K, is reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ganbench.types import Dataset, Measurement, Metric, MetricContext

SAMPLES = 2_500
THRESHOLD_STDS = 3.0


def applies_to(dataset: Dataset) -> str | None:
    if dataset.modes is None or dataset.mode_std is None:
        return "mode coverage needs a mixture with known modes and mode_std"
    if dataset.shape.kind != "vector":
        return "mode coverage by distance to the modes is for vector data"
    return None


def coverage(samples: torch.Tensor, modes: torch.Tensor, std: float) -> dict[str, float]:
    """The three PacGAN numbers for ``samples`` (N, d) against ``modes`` (K, d)."""
    samples = samples.detach().to(torch.float64).reshape(len(samples), -1)
    modes = modes.detach().to(samples.device, torch.float64)
    distance, nearest = torch.cdist(samples, modes).min(dim=1)
    good = distance < THRESHOLD_STDS * std
    counts = torch.bincount(nearest[good], minlength=len(modes)).to(torch.float64)
    k = len(modes)
    if counts.sum() > 0:
        p = counts / counts.sum()
        seen = p > 0
        reverse_kl = float((p[seen] * (p[seen] * k).log()).sum())
    else:
        reverse_kl = math.log(k)
    return {
        "modes": float((counts > 0).sum()),
        "high_quality_pct": 100.0 * float(good.double().mean()),
        "reverse_kl": max(0.0, reverse_kl),
    }


class ModeCoverage(Metric):
    def __init__(self, context: MetricContext):
        self.modes = context.dataset.modes
        self.std = float(context.dataset.mode_std)
        self.n = int(context.options.get("mode_samples", SAMPLES))

    def compute(self, sample: Callable[[int], torch.Tensor]) -> list[Measurement]:
        found = coverage(sample(self.n), self.modes, self.std)
        k = len(self.modes)
        return [
            Measurement("modes", found["modes"], True, n_samples=self.n, label="modes", qualifiers=(f"of {k}",)),
            Measurement("high_quality_pct", found["high_quality_pct"], True, n_samples=self.n, label="% high quality"),
            Measurement("reverse_kl", found["reverse_kl"], False, n_samples=self.n, label="reverse KL"),
        ]
