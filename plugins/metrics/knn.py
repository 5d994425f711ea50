"""Density and coverage from k nearest neighbours, in torch (on whatever device the features are).

Naeem, Oh, Uh, Choi and Yoo 2020, "Reliable fidelity and diversity metrics for generative
models" (ICML, arXiv:2002.09797). Each real sample X_i has a ball around it whose radius r_i is
the distance to its k-th nearest other real sample. With N real and M generated samples Y_j:

* density = 1/(kM) sum_j sum_i 1[|Y_j - X_i| < r_i]: how many real balls a generated sample
  falls in, over k; about 1 where the two distributions match, above 1 where the generated
  samples crowd the real data's dense regions (precision counts a sample once, however many
  balls it is in, so one outlier real sample's large ball can make it high);
* coverage = 1/N sum_i 1[min_j |Y_j - X_i| < r_i]: the share of real samples with a generated
  one inside their ball (recall draws balls round the generated samples, which outliers inflate).

The balls are open (``<``), as in the authors' ``prdc`` package, so the numbers are prdc's.
Distances are computed ``BLOCK`` rows at a time: no N x M matrix is ever held whole.
"""

from __future__ import annotations

import torch

NEAREST_K = 5  # the paper's choice
BLOCK = 2_048  # rows of distances at once: 2,048 x 50,000 float32 is 400 MB


def real_radii(real: torch.Tensor, k: int = NEAREST_K, block: int = BLOCK) -> torch.Tensor:
    """(N,) distance from each real sample to its k-th nearest other real sample."""
    if k < 1 or len(real) <= k:
        raise ValueError(f"density and coverage need more than k={k} real samples, got {len(real)}")
    # k + 1: each sample is its own nearest neighbour, at distance 0
    return torch.cat([torch.cdist(rows, real).kthvalue(k + 1, dim=1).values for rows in real.split(block)])


def density_coverage(
    real: torch.Tensor, fake: torch.Tensor, k: int = NEAREST_K, radii: torch.Tensor | None = None, block: int = BLOCK
) -> tuple[float, float]:
    """(density, coverage) of generated features ``fake`` (M, d) against real features ``real`` (N, d).

    ``radii`` are :func:`real_radii` of ``real`` when already computed (a metric computes them
    once, then scores every checkpoint against them).
    """
    if radii is None:
        radii = real_radii(real, k, block)
    inside = 0  # pairs (j, i) with Y_j in X_i's ball
    nearest = torch.full_like(radii, float("inf"))  # each real sample's distance to its nearest generated one
    for rows in fake.split(block):
        distances = torch.cdist(rows, real)  # (rows, N)
        inside += int((distances < radii).sum())
        nearest = torch.minimum(nearest, distances.min(dim=0).values)
    density = inside / (k * len(fake))
    coverage = float((nearest < radii).double().mean())
    return density, coverage
