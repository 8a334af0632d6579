"""Confidence intervals for proportions."""
from __future__ import annotations

import numpy as np

from .lazy import proportion_confint
from .validation import (as_float_array, check_confidence, check_non_negative, check_not_greater,
                         check_same_shape)


def wilson_interval(numerator, denominator, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for the proportion ``numerator / denominator``.

    Method: Wilson EB (1927), "Probable inference, the law of succession, and statistical
    inference", JASA 22:209-212 — the method "wilson" of PHEindicatormethods ``phe_proportion``
    (``wilson_lower``/``wilson_upper``) and PHStatsMethods ``ph_proportion``. With
    ``z = Φ⁻¹(1 - α/2)``::

        bound = (2x + z² ± z·sqrt(z² + 4x(1 - x/n))) / (2(n + z²))

    computed here with ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    Vectorised over arrays / Series; returns ``(lower, upper)`` as float arrays of
    proportions (0–1, not percent), clipped to [0, 1]. Where the denominator is 0 or
    NaN, or the numerator is NaN, both bounds are NaN.

    Raises ValueError when a numerator or denominator is negative, a numerator exceeds
    its denominator, or the confidence level is outside [0.9, 1) (95 is read as 0.95).
    """
    level = check_confidence(confidence)
    x = as_float_array(numerator, "numerator")
    n = as_float_array(denominator, "denominator")
    check_same_shape((x, "numerator"), (n, "denominator"))
    check_non_negative(x, "numerator")
    check_non_negative(n, "denominator")
    check_not_greater(x, n, "numerator", "denominator")

    x, n = np.broadcast_arrays(x, n)
    valid = np.isfinite(x) & np.isfinite(n) & (n > 0)
    lower = np.full(x.shape, np.nan)
    upper = np.full(x.shape, np.nan)
    if valid.any():
        lo, hi = proportion_confint(x[valid], n[valid], alpha=1 - level, method="wilson")
        lower[valid] = np.clip(lo, 0.0, 1.0)
        upper[valid] = np.clip(hi, 0.0, 1.0)
    return lower, upper
