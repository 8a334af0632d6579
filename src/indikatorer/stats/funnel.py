"""Funnel-plot control limits."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .lazy import scipy_stats
from .validation import as_float_array, check_non_negative, check_proportion

#: (column suffix, one-sided probability) as ``phe_funnels``: 2 sigma ≈ 95 %, 3 sigma ≈ 99.8 %.
FUNNEL_LEVELS = (("95", 0.975), ("998", 0.999))


def proportion_funnel_limits(denominators, target_proportion: float) -> pd.DataFrame:
    """95 % and 99.8 % funnel-plot control limits around a target proportion.

    Method: PHEindicatormethods ``phe_funnels`` / ``calculate_funnel_limits`` and
    ``phe_funnel_significance`` for ``statistic = "proportion"`` (the ``sigma_adjustment``
    formula of the PHE Fingertips technical guidance; PHStatsMethods ``ph_funnels``). That
    formula gives, for denominator ``n``, the observed proportion whose Wilson score
    interval has the target ``π`` as its bound; solving the Wilson quadratic it reduces to
    the normal approximation to the binomial around the target::

        limit = π ± z · sqrt(π(1 - π) / n),   z = Φ⁻¹(0.975) (95 %) or Φ⁻¹(0.999) (99.8 %)

    clipped to [0, 1] as ``phe_funnels`` clips to [0, 100] %. These are therefore the
    documented PHE approximation, **not** exact binomial (Spiegelhalter 2005) limits.

    ``denominators`` is array-like; returns one row per denominator (same order) with
    columns ``denominator``, ``target``, ``lower_95``, ``upper_95``, ``lower_998``,
    ``upper_998`` (proportions 0–1). Limits are NaN where the denominator is 0 or NaN.
    Raises ValueError for negative denominators or a target outside [0, 1].
    """
    target = check_proportion(target_proportion, "target_proportion")
    n = np.atleast_1d(as_float_array(denominators, "denominator")).astype(float)
    if n.ndim != 1:
        raise ValueError("denominators must be one-dimensional")
    check_non_negative(n, "denominator")
    usable = np.isfinite(n) & (n > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(usable, np.sqrt(target * (1 - target) / np.where(usable, n, 1.0)), np.nan)
    out = pd.DataFrame({"denominator": n, "target": np.full(n.shape, target)})
    for suffix, p in FUNNEL_LEVELS:
        z = float(scipy_stats().norm.ppf(p))
        out[f"lower_{suffix}"] = np.clip(target - z * se, 0.0, 1.0)
        out[f"upper_{suffix}"] = np.clip(target + z * se, 0.0, 1.0)
    return out
