"""Argument checks shared by the statistics functions.

Every check raises :class:`ValueError` with a short, plain message (for example
``"numerator must be <= denominator"``). Missing values (NaN) are allowed
everywhere: a NaN input gives a NaN result, never an error.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def check_confidence(confidence: float) -> float:
    """Return the confidence level as a fraction in [0.9, 1).

    As in PHEindicatormethods, the level may be given as a fraction (0.95) or as a
    percent (95); levels below 90 % are refused. 100 % is refused because every
    interval would be infinite.
    """
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        raise ValueError("confidence must be a number") from None
    if 90 <= level < 100:
        level /= 100
    if not 0.9 <= level < 1:
        raise ValueError("confidence must be at least 0.9 and below 1 (or 90 to below 100 as a percent)")
    return level


def as_float_array(values, name: str) -> np.ndarray:
    """Convert an array-like (list, numpy array, pandas Series, scalar) to a float array."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric") from None
    return array


def check_non_negative(values: np.ndarray, name: str) -> None:
    """Refuse negative values (NaN is allowed)."""
    if np.any(values < 0):
        raise ValueError(f"{name} must be >= 0")


def check_not_greater(smaller: np.ndarray, larger: np.ndarray, small_name: str, large_name: str) -> None:
    """Refuse ``smaller > larger`` element-wise (NaN pairs are allowed)."""
    if np.any(smaller > larger):
        raise ValueError(f"{small_name} must be <= {large_name}")


def check_same_shape(*arrays_and_names: tuple[np.ndarray, str]) -> None:
    """Refuse arrays of different shapes (scalars broadcast and are accepted)."""
    shapes = {a.shape for a, _ in arrays_and_names if a.ndim > 0}
    if len(shapes) > 1:
        names = ", ".join(name for _, name in arrays_and_names)
        raise ValueError(f"{names} must have the same length")


def check_positive_number(value, name: str) -> float:
    """Refuse a scalar that is not a finite number > 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number") from None
    if not np.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be > 0")
    return number


def check_proportion(value, name: str) -> float:
    """Refuse a scalar that is not a proportion in [0, 1]."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number") from None
    if not 0 <= number <= 1:
        raise ValueError(f"{name} must be between 0 and 1")
    return number


def check_min_count(min_count) -> int:
    """Refuse a suppression threshold that is not a whole number >= 0."""
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)):
        raise ValueError("min_count must be a whole number")
    if min_count < 0:
        raise ValueError("min_count must be >= 0")
    return int(min_count)


def check_columns(frame: pd.DataFrame, columns: Iterable[str], what: str = "column") -> None:
    """Refuse a frame that lacks any of ``columns``; the message names them all."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"missing {what}: {', '.join(map(str, missing))}")


def check_numeric_columns(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    """Refuse columns that are not numeric (booleans are not counts)."""
    for column in columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            raise ValueError(f"column {column} must be numeric")
