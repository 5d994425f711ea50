"""Tuning under an equal budget: the same quasi-random points for every variant, and what N tries buy.

Every variant (model x loss x stabiliser set) of a tuned run gets the same number of
configurations, drawn from a scrambled Sobol sequence seeded by the run (scipy.stats.qmc), so
two variants with the same space are tried at the same points and the search is deterministic
and embarrassingly parallel. :func:`expected_best` is Dodge et al. 2019 ("Show Your Work"): the
expected best score after k of the N configurations, drawn without replacement, computed
exactly from the N results.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from scipy.stats import qmc

from ganbench.types.search import Range


def sobol_points(dimensions: int, n: int, seed: int) -> list[list[float]]:
    """n points in [0, 1)^dimensions from a scrambled Sobol sequence; the same seed, the same points."""
    if dimensions == 0:
        return [[] for _ in range(n)]
    sampler = qmc.Sobol(d=dimensions, scramble=True, seed=seed)
    with warnings.catch_warnings():  # n need not be a power of two: the balance property is then approximate
        warnings.simplefilter("ignore", UserWarning)
        return sampler.random(n).tolist()


def configurations(space: Mapping[str, Range], n: int, seed: int) -> list[dict[str, Any]]:
    """n configurations of ``space`` (key -> range); the keys take the Sobol dimensions in sorted order.

    Real values are kept to 4 significant digits: a table can then show exactly what was trained.
    """
    keys = sorted(space)
    points = sobol_points(len(keys), n, seed)
    return [{key: _rounded(space[key].value(u)) for key, u in zip(keys, point)} for point in points]


def _rounded(value: Any) -> Any:
    return float(f"{value:.4g}") if isinstance(value, float) else value


def expected_best(scores: Sequence[float], higher_is_better: bool) -> list[tuple[float, float]]:
    """(mean, std) of the best of k configurations drawn without replacement from the N scored, k = 1..N.

    With the scores sorted worst to best, v_1 .. v_N, the best of a random k-subset is v_i with
    probability C(i-1, k-1) / C(N, k) (the other k-1 come from the i-1 worse ones), so
    E[best] = sum_i v_i C(i-1, k-1) / C(N, k), and the spread follows from E[best^2] the same way.
    """
    values = sorted(scores, reverse=not higher_is_better)  # worst first
    n = len(values)
    curve = []
    for k in range(1, n + 1):
        total = math.comb(n, k)
        weights = [math.comb(i - 1, k - 1) / total for i in range(1, n + 1)]
        mean = sum(w * v for w, v in zip(weights, values))
        second = sum(w * v * v for w, v in zip(weights, values))
        curve.append((mean, math.sqrt(max(0.0, second - mean * mean))))
    return curve
