"""Nearest-rank percentiles and median/min/max spreads."""

from __future__ import annotations

import pytest

from bench.harness.stats import Spread, percentile, spread

PERCENTILE_CASES = [
    # values, fraction, expected (nearest rank: the ceil(f*n)-th smallest, never interpolated)
    ([5.0], 0.5, 5.0),
    ([3.0, 1.0, 2.0], 0.0, 1.0),
    ([3.0, 1.0, 2.0], 0.5, 2.0),
    ([3.0, 1.0, 2.0], 1.0, 3.0),
    ([float(v) for v in range(1, 101)], 0.99, 99.0),
    ([float(v) for v in range(1, 101)], 0.50, 50.0),
    ([10.0, 20.0, 30.0, 40.0], 0.5, 20.0),
    ([10.0, 20.0, 30.0, 40.0], 0.51, 30.0),
]


@pytest.mark.parametrize(("values", "fraction", "expected"), PERCENTILE_CASES)
def test_percentile_is_nearest_rank(values: list[float], fraction: float, expected: float) -> None:
    assert percentile(values, fraction) == expected


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
def test_percentile_rejects_fractions_outside_unit_interval(fraction: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], fraction)


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


def test_spread_gives_median_min_max() -> None:
    assert spread([4.0, 1.0, 9.0, 2.0]) == Spread(median=3.0, low=1.0, high=9.0)
    assert spread([7.0]) == Spread(7.0, 7.0, 7.0)
    with pytest.raises(ValueError, match="no values"):
        spread([])
