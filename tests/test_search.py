"""Tuning: the same Sobol points for the same space, and the expected best of k against brute force."""

import itertools
import math
import statistics

import pytest

from ganbench.search import configurations, expected_best, sobol_points
from ganbench.types.search import IntRange, LogUniform, OneOf, Uniform


def test_two_variants_with_the_same_space_are_tried_at_the_same_points():
    space = {"lr": LogUniform(1e-5, 1e-2), "beta1": Uniform(0.0, 1.0), "n_critic": IntRange(1, 5)}
    assert configurations(space, 8, seed=0) == configurations(dict(reversed(space.items())), 8, seed=0)
    assert configurations(space, 8, seed=0) != configurations(space, 8, seed=1)
    drawn = configurations(space, 8, seed=0)
    assert all(1e-5 <= c["lr"] <= 1e-2 and 0 <= c["beta1"] < 1 and c["n_critic"] in range(1, 6) for c in drawn)


def test_sobol_points_fill_the_cube_evenly():
    """A scrambled Sobol set of 64 points puts exactly 8 in each eighth of every axis (its balance property)."""
    points = sobol_points(3, 64, seed=7)
    for axis in range(3):
        counts = [sum(1 for p in points if k / 8 <= p[axis] < (k + 1) / 8) for k in range(8)]
        assert counts == [8] * 8


def test_ranges_map_the_unit_interval_as_declared():
    assert LogUniform(1e-4, 1e-2).value(0.5) == pytest.approx(1e-3)
    assert Uniform(0.0, 0.9).value(0.5) == pytest.approx(0.45)
    assert [OneOf(("adam", "rmsprop")).value(u) for u in (0.0, 0.49, 0.5, 0.999)] == [
        "adam",
        "adam",
        "rmsprop",
        "rmsprop",
    ]


@pytest.mark.parametrize("higher", [True, False])
def test_expected_best_of_k_equals_brute_force_over_every_subset(higher):
    scores = [3.0, 7.5, 1.25, 9.0, 4.0, 4.0, 6.5]
    curve = expected_best(scores, higher_is_better=higher)
    for k in range(1, len(scores) + 1):
        best = [(max if higher else min)(subset) for subset in itertools.combinations(scores, k)]
        assert curve[k - 1][0] == pytest.approx(statistics.fmean(best), abs=1e-12)
        assert curve[k - 1][1] == pytest.approx(statistics.pstdev(best), abs=1e-9)
    assert curve[0][0] == pytest.approx(statistics.fmean(scores))  # one try: the average configuration
    assert curve[-1] == ((max if higher else min)(scores), 0.0)  # all N: the best, for certain
    assert all(math.isfinite(m) for m, _ in curve)
