"""Mean with Student-t interval from aggregated sums."""
import numpy as np
import pytest
from scipy import stats

from indikatorer.stats import mean_interval

DAYS = np.array([2, 4, 4, 4, 5, 5, 7, 9], dtype=float)


def test_hand_computed_example():
    # n = 8, Σx = 40, Σx² = 232 -> mean 5, s² = (232 - 40²/8)/7 = 32/7,
    # t_{7, 0.975} = 2.3646242516, half-width = t · sqrt(32/7) / sqrt(8) = 1.787488...
    est = mean_interval(8, 40, 232)
    half = 2.3646242516 * np.sqrt(32 / 7) / np.sqrt(8)
    assert float(est.value) == pytest.approx(5.0)
    assert float(est.lower) == pytest.approx(5 - half, rel=1e-9)
    assert float(est.upper) == pytest.approx(5 + half, rel=1e-9)
    assert half == pytest.approx(1.787488, abs=1e-6)


@pytest.mark.parametrize("confidence", [0.95, 0.998, 99])
def test_matches_scipy_interval_on_raw_values(confidence):
    level = confidence / 100 if confidence > 1 else confidence
    expected = stats.t.interval(level, len(DAYS) - 1, loc=DAYS.mean(), scale=stats.sem(DAYS))
    value, lower, upper = mean_interval(len(DAYS), DAYS.sum(), (DAYS ** 2).sum(), confidence)
    assert float(value) == pytest.approx(DAYS.mean())
    assert float(lower) == pytest.approx(expected[0], rel=1e-10)
    assert float(upper) == pytest.approx(expected[1], rel=1e-10)


def test_vectorised_and_small_n():
    rng = np.random.default_rng(3)
    groups = [rng.gamma(2.0, 30.0, size=k) for k in (2, 15, 400)]
    n = [len(g) for g in groups] + [1, 0]
    total = [g.sum() for g in groups] + [12.0, 0.0]
    total_sq = [(g ** 2).sum() for g in groups] + [144.0, 0.0]
    est = mean_interval(n, total, total_sq)
    for i, g in enumerate(groups):
        lo, hi = stats.t.interval(0.95, len(g) - 1, loc=g.mean(), scale=stats.sem(g))
        assert est.value[i] == pytest.approx(g.mean(), rel=1e-12)
        assert est.lower[i] == pytest.approx(lo, rel=1e-9)
        assert est.upper[i] == pytest.approx(hi, rel=1e-9)
    # n = 1: mean but no interval; n = 0: nothing
    assert est.value[3] == pytest.approx(12.0)
    assert np.isnan(est.lower[3]) and np.isnan(est.upper[3])
    assert np.isnan(est.value[4]) and np.isnan(est.lower[4]) and np.isnan(est.upper[4])


def test_constant_values_have_zero_width_despite_rounding():
    # 3 cases of 0.1 days: Σx² - (Σx)²/n is a tiny negative number in floating point
    est = mean_interval(3, 0.1 * 3, 0.01 * 3)
    assert float(est.lower) == pytest.approx(0.1) and float(est.upper) == pytest.approx(0.1)


@pytest.mark.parametrize("args, message", [
    ((-1, 10, 100), "n must be >= 0"),
    ((3, 10, -1), "total_sq must be >= 0"),
    ((3, 30, 10), r"total_sq must be >= total\*\*2 / n"),
])
def test_invalid_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        mean_interval(*args)
