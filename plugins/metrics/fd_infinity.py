"""FD-infinity: FID extrapolated to infinitely many generated samples.

Chong and Forsyth 2020, "Effectively unbiased FID and Inception Score and where to find them"
(CVPR, arXiv:1911.07023). FID estimated from N generated samples is biased, and the bias is very
nearly linear in 1/N: FID_N = FD_inf + c/N, where the slope c depends on the generator. Two
generators compared at one N can therefore be ordered by their c rather than by their distance.
FD-infinity computes FID at several N drawn from one pool of generated features, fits that line
by ordinary least squares and reports its value at 1/N = 0.

As in the paper's code (mchong6/FID_IS_infinity): ``POINTS`` = 15 counts evenly spaced up to the
pool's size, each a fresh random subset of the pool. The paper's pool is 50,000 with counts from
5,000 (N/10); here the counts start at N/5, because ganbench's pools are often small (1,797
digits) and a count far below the feature dimension gives a singular covariance. Each FID is
torch-fidelity's own Fréchet distance (``fid_features_to_statistics``,
``fid_statistics_to_metric``) against the real statistics; numpy fits the line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch_fidelity.metric_fid import KEY_METRIC_FID, fid_features_to_statistics, fid_statistics_to_metric

POINTS = 15
SMALLEST = 5  # the smallest count is N / SMALLEST
SEED = 0  # the subsets are fixed: the same pool always gives the same FD-infinity


@dataclass(frozen=True)
class Extrapolation:
    """FD-infinity and the FIDs it was fitted to, by generated sample count."""

    value: float  # the fitted line at 1/N = 0
    slope: float  # c in FID_N = FD_inf + c/N: the bias at N is slope / N
    counts: tuple[int, ...]
    fids: tuple[float, ...]


def sample_counts(n: int, points: int = POINTS) -> np.ndarray:
    """``points`` counts evenly spaced from n / SMALLEST to n (fewer where n is so small that they repeat)."""
    return np.unique(np.linspace(max(2, n // SMALLEST), n, points).astype(int))


def fd_infinity(
    fake: torch.Tensor, real: dict[str, np.ndarray], points: int = POINTS, seed: int = SEED
) -> Extrapolation:
    """FD-infinity of generated features ``fake`` (N, d) against real FID statistics ``real`` ({"mu", "sigma"},
    as torch-fidelity's ``fid_features_to_statistics`` makes them)."""
    counts = sample_counts(len(fake), points)
    if len(counts) < 2:
        raise ValueError(f"FD-infinity fits a line through FIDs at several sample counts; {len(fake)} samples give one")
    rng = np.random.default_rng(seed)
    fids = []
    for n in counts:
        subset = fake[torch.from_numpy(rng.permutation(len(fake))[:n])]
        fids.append(fid_statistics_to_metric(fid_features_to_statistics(subset), real, verbose=False)[KEY_METRIC_FID])
    slope, intercept = np.polyfit(1.0 / counts, fids, deg=1)  # least squares: FID = intercept + slope / N
    return Extrapolation(float(intercept), float(slope), tuple(int(n) for n in counts), tuple(map(float, fids)))
