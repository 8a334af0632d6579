"""Confidence intervals for means computed from aggregated sums."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .lazy import scipy_stats
from .validation import as_float_array, check_confidence, check_non_negative, check_same_shape


class Estimate(NamedTuple):
    """A point estimate with its confidence interval (float arrays)."""

    value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def mean_interval(n, total, total_sq, confidence: float = 0.95) -> Estimate:
    """Mean with a Student-t interval from the sums ``n``, ``Σx`` and ``Σx²``.

    Method: as PHEindicatormethods ``phe_mean`` / PHStatsMethods ``ph_mean``::

        mean = Σx / n
        s²   = (Σx² - (Σx)²/n) / (n - 1)          (sample variance from sums)
        mean ± t_{n-1, 1-α/2} · s / sqrt(n)

    Used for "sick-leave days per case": ``n`` cases, ``total`` days, ``total_sq`` the sum
    of squared days. Vectorised; returns ``Estimate(value, lower, upper)``. ``value`` is NaN
    where ``n`` is 0 or NaN; the interval is NaN where ``n < 2``. A tiny negative variance
    from floating-point cancellation is treated as 0.

    Raises ValueError when ``n`` or ``total_sq`` is negative, when ``total_sq`` is
    smaller than ``total² / n`` (sums cannot come from real data), or for a confidence
    level outside [0.9, 1).
    """
    level = check_confidence(confidence)
    count = as_float_array(n, "n")
    s1 = as_float_array(total, "total")
    s2 = as_float_array(total_sq, "total_sq")
    check_same_shape((count, "n"), (s1, "total"), (s2, "total_sq"))
    check_non_negative(count, "n")
    check_non_negative(s2, "total_sq")
    count, s1, s2 = np.broadcast_arrays(count, s1, s2)

    with np.errstate(divide="ignore", invalid="ignore"):
        has_n = count > 0
        mean = np.where(has_n, s1 / np.where(has_n, count, 1.0), np.nan)
        sum_sq_dev = s2 - np.where(has_n, s1 * mean, np.nan)
        # allow rounding noise relative to the size of the sums
        tolerance = 1e-9 * np.maximum(np.abs(s2), 1.0)
        if np.any(sum_sq_dev < -tolerance):
            raise ValueError("total_sq must be >= total**2 / n")
        sum_sq_dev = np.maximum(sum_sq_dev, 0.0)
        enough = count >= 2
        variance = np.where(enough, sum_sq_dev / np.where(enough, count - 1, 1.0), np.nan)
        t = scipy_stats().t.ppf(0.5 + level / 2, np.where(enough, count - 1, np.nan))
        half = t * np.sqrt(variance) / np.sqrt(np.where(enough, count, np.nan))
    return Estimate(mean, mean - half, mean + half)
