"""Poisson counts, crude rates and directly standardised rates."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .lazy import scipy_stats
from .means import Estimate
from .validation import (as_float_array, check_columns, check_confidence, check_non_negative,
                         check_numeric_columns, check_positive_number, check_same_shape)

#: Counts below this use the exact Poisson interval in :func:`crude_rate`, as ``phe_rate``.
EXACT_BELOW = 10
#: Groups with a total count below this get no DSR, as ``phe_dsr``.
DSR_MIN_TOTAL_COUNT = 10


def _z(level: float) -> float:
    return float(scipy_stats().norm.ppf(0.5 + level / 2))


def byar_interval(count, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the exact Poisson interval for an observed count ``O``.

    Method: Breslow NE, Day NE (1987), *Statistical methods in cancer research* vol. II,
    IARC — exactly as PHEindicatormethods ``byars_lower`` / ``byars_upper``, with
    ``z = Φ⁻¹(1 - α/2)``::

        lower = O · (1 - 1/(9·O) - z/(3·sqrt(O)))³
        upper = (O + 1) · (1 - 1/(9·(O + 1)) + z/(3·sqrt(O + 1)))³

    For ``O = 0`` the lower formula is undefined and the lower bound is 0 (the upper bound
    uses ``O + 1`` and is defined). Vectorised; returns ``(lower, upper)`` as float arrays
    of counts; NaN in gives NaN out. Raises ValueError for negative counts or a
    confidence level outside [0.9, 1).
    """
    level = check_confidence(confidence)
    o = as_float_array(count, "count")
    check_non_negative(o, "count")
    z = _z(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    lower = np.where(o == 0, 0.0, lower)
    return lower, upper


def exact_poisson_interval(count, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) Poisson interval for a count ``O`` from the chi-square distribution.

    Method: Armitage P, Berry G, *Statistical methods in medical research* (4th edn, 2002),
    the small-count branch of PHEindicatormethods ``phe_rate``::

        lower = χ²_{α/2}(2·O) / 2        (0 for O = 0)
        upper = χ²_{1-α/2}(2·O + 2) / 2

    Vectorised; returns ``(lower, upper)`` in counts.
    """
    level = check_confidence(confidence)
    o = as_float_array(count, "count")
    check_non_negative(o, "count")
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(o > 0, scipy_stats().chi2.ppf(alpha / 2, np.where(o > 0, 2 * o, 1.0)) / 2, 0.0)
        upper = scipy_stats().chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
    lower = np.where(np.isnan(o), np.nan, lower)
    return lower, upper


def crude_rate(count, population, multiplier: float = 100000, confidence: float = 0.95) -> Estimate:
    """Crude rate ``count / population × multiplier`` with a Poisson interval, as ``phe_rate``.

    Method (PHEindicatormethods ``phe_rate``, PHStatsMethods ``ph_rate``): for counts
    < 10 the exact Poisson interval (:func:`exact_poisson_interval`, Armitage & Berry 2002);
    for counts >= 10 Byar's approximation (:func:`byar_interval`, Breslow & Day 1987).
    The count interval is divided by the population and multiplied by ``multiplier``.
    Use :func:`rate_ci_method` for the method name of each row.

    Vectorised; returns ``Estimate(value, lower, upper)``. All three are NaN where the
    population is 0 or NaN or the count is NaN. Raises ValueError for negative counts or
    populations, a non-positive multiplier, or a confidence level outside [0.9, 1).
    """
    level = check_confidence(confidence)
    mult = check_positive_number(multiplier, "multiplier")
    o = as_float_array(count, "count")
    pop = as_float_array(population, "population")
    check_same_shape((o, "count"), (pop, "population"))
    check_non_negative(o, "count")
    check_non_negative(pop, "population")
    o, pop = np.broadcast_arrays(o, pop)

    byar_lo, byar_hi = byar_interval(o, level)
    exact_lo, exact_hi = exact_poisson_interval(o, level)
    small = o < EXACT_BELOW
    lo = np.where(small, exact_lo, byar_lo)
    hi = np.where(small, exact_hi, byar_hi)
    usable = np.isfinite(o) & np.isfinite(pop) & (pop > 0)
    safe_pop = np.where(usable, pop, 1.0)
    scale = np.where(usable, mult / safe_pop, np.nan)
    return Estimate(o * scale, lo * scale, hi * scale)


def rate_ci_method(count) -> np.ndarray:
    """The interval method :func:`crude_rate` used per row: ``"exact"`` (< 10) or ``"byar"``."""
    o = as_float_array(count, "count")
    return np.where(o < EXACT_BELOW, "exact", "byar").astype(object)


def dsr(frame: pd.DataFrame, group_cols: Sequence[str], count_col: str, pop_col: str, stdpop_col: str,
        multiplier: float = 100000, confidence: float = 0.95,
        min_total_count: int = DSR_MIN_TOTAL_COUNT) -> pd.DataFrame:
    """Directly standardised rate with Dobson intervals, as PHEindicatormethods ``phe_dsr``.

    Method: direct standardisation with the Dobson et al. (1991) interval, "Confidence
    intervals for weighted sums of Poisson parameters", Stat Med 10:457-62, using Byar's
    limits (Breslow & Day 1987) for the total count — PHEindicatormethods ``phe_dsr`` /
    PHStatsMethods ``ph_dsr``. ``frame`` has one row per standardisation stratum (e.g. age
    band) per group; with stratum counts ``O_i``, populations ``n_i`` and standard
    populations ``w_i``::

        DSR   = Σ(w_i · O_i / n_i) / Σ w_i × multiplier
        var   = Σ(w_i² · O_i / n_i²) / (Σ w_i)²
        O     = Σ O_i,   (O_L, O_U) = Byar's limits for O
        lower = DSR + sqrt(var / O) · (O_L - O) × multiplier
        upper = DSR + sqrt(var / O) · (O_U - O) × multiplier

    As ``phe_dsr``, a missing stratum count counts as 0 and groups whose total count is
    below ``min_total_count`` (default 10) get NaN value and interval (DSRs on so few events
    are unreliable); a group with count 0 (allowed only with ``min_total_count = 0``) gets
    value 0 and a NaN interval. A stratum with population 0 is allowed only when its count
    is 0 (it then contributes nothing to the weighted sums; its standard population still
    counts in ``Σ w_i``).

    Vectorised with one groupby-aggregate. Returns a DataFrame with ``group_cols`` and
    ``value``, ``lower``, ``upper``, ``count`` (Σ O_i), ``population`` (Σ n_i), one row per
    group, sorted by ``group_cols``.
    """
    level = check_confidence(confidence)
    mult = check_positive_number(multiplier, "multiplier")
    if isinstance(group_cols, str):
        group_cols = [group_cols]
    group_cols = list(group_cols)
    if isinstance(min_total_count, bool) or not isinstance(min_total_count, (int, np.integer)) \
            or min_total_count < 0:
        raise ValueError("min_total_count must be a whole number >= 0")
    value_cols = [count_col, pop_col, stdpop_col]
    check_columns(frame, group_cols + value_cols)
    check_numeric_columns(frame, value_cols)

    o = frame[count_col].to_numpy(dtype=float, na_value=np.nan)
    o = np.where(np.isnan(o), 0.0, o)
    n = frame[pop_col].to_numpy(dtype=float, na_value=np.nan)
    w = frame[stdpop_col].to_numpy(dtype=float, na_value=np.nan)
    check_non_negative(o, "count")
    check_non_negative(n, "population")
    check_non_negative(w, "standard population")
    if np.any((o > 0) & ~(n > 0)):
        raise ValueError("population must be > 0 where count > 0")

    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(o > 0, w / np.where(n > 0, n, 1.0), 0.0)
    work = pd.DataFrame({
        "_o": o, "_n": n, "_w": w, "_wr": o * ratio, "_sq": o * ratio ** 2,
    }, index=frame.index)
    if group_cols:
        keys = [frame[c] for c in group_cols]
    else:
        keys = [pd.Series(0, index=frame.index, name="_all")]
    agg = work.groupby(keys, dropna=False, sort=True, observed=True).agg(
        count=("_o", "sum"), population=("_n", "sum"), sum_w=("_w", "sum"),
        sum_wr=("_wr", "sum"), sum_sq=("_sq", "sum"))
    agg = agg.reset_index()
    if not group_cols:
        agg = agg.drop(columns="_all")

    total = agg["count"].to_numpy(dtype=float)
    sum_w = agg["sum_w"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(sum_w > 0, agg["sum_wr"].to_numpy() / sum_w, np.nan) * mult
        var = agg["sum_sq"].to_numpy() / sum_w ** 2
        o_lo, o_hi = byar_interval(total, level)
        spread = np.where(total > 0, np.sqrt(var / total), np.nan)
        lower = value + spread * (o_lo - total) * mult
        upper = value + spread * (o_hi - total) * mult
    too_few = total < min_total_count
    out = agg[group_cols].copy()
    out["value"] = np.where(too_few, np.nan, value)
    out["lower"] = np.where(too_few, np.nan, lower)
    out["upper"] = np.where(too_few, np.nan, upper)
    out["count"] = total
    out["population"] = agg["population"].to_numpy(dtype=float)
    return out
