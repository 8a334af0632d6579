"""Small-count suppression with complementary suppression (conventions.md, "Disclosure control")."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .validation import check_columns, check_min_count, check_non_negative, check_numeric_columns

COMPLEMENTARY = "complementary"


def primary_reason(min_count: int) -> str:
    """The ``suppression_reason`` of a primarily suppressed cell."""
    return f"primary: count < {min_count}"


@dataclass(frozen=True)
class Dimension:
    """A stratifier of the cube.

    ``total`` is the value meaning "all" in this column (``"T"`` for sex, ``"00"`` for
    region_code). ``partition`` holds the categories that together make up the total (e.g.
    ``{"K", "M"}``); values outside it (sub-groups such as diagnosis ``"F43"``) are never
    used for complementary suppression.
    """

    total: object
    partition: frozenset

    def __post_init__(self):
        object.__setattr__(self, "partition", frozenset(self.partition))
        if self.total in self.partition:
            raise ValueError("a dimension's total must not be one of its partition categories")


def primary_mask(cells: pd.DataFrame, count_cols: Sequence[str], min_count: int) -> np.ndarray:
    """True where any of ``count_cols`` is > 0 and < ``min_count`` (NaN never triggers)."""
    counts = cells[list(count_cols)].to_numpy(dtype=float, na_value=np.nan)
    if min_count <= 0 or counts.size == 0:
        return np.zeros(len(cells), dtype=bool)
    return ((counts > 0) & (counts < min_count)).any(axis=1)


def _sort_rank(values: pd.Series) -> np.ndarray:
    """Dense rank of each value in sort order (mixed types are ranked as strings)."""
    try:
        codes, _ = pd.factorize(values, sort=True, use_na_sentinel=True)
    except TypeError:
        codes, _ = pd.factorize(values.astype(str), sort=True, use_na_sentinel=True)
    return codes


def _column_codes(column: pd.Series) -> np.ndarray:
    """An integer code per value of ``column`` (NaN/None one code of its own, as in a
    ``groupby(dropna=False)``)."""
    codes, _ = pd.factorize(column, use_na_sentinel=False)
    return codes.astype(np.int64, copy=False)


def group_ids(codes: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Dense group numbers of the rows by the tuple of their ``codes`` (one array per key
    column, values 0..k-1): rows get the same number exactly when all their codes agree — the
    groups of ``DataFrame.groupby(keys, dropna=False).ngroup()``, numbered differently."""
    if not codes:
        return np.zeros(n, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    span = 1
    for c in codes:
        k = int(c.max()) + 1 if n else 1
        if span * k >= 2**62:         # too many combinations for one integer: renumber first
            _, key = np.unique(key, return_inverse=True)
            key = key.astype(np.int64, copy=False).reshape(-1)
            span = int(key.max()) + 1 if n else 1
        key = key * k + c
        span *= k
    _, dense = np.unique(key, return_inverse=True)
    return dense.astype(np.int64, copy=False).reshape(-1)


class _Axis:
    """Per-dimension arrays that stay fixed while the suppression pattern grows."""

    def __init__(self, cells: pd.DataFrame, name: str, dim: Dimension, key_codes: list[np.ndarray]):
        column = cells[name]
        self.is_total = (column == dim.total).to_numpy(dtype=bool, na_value=False)
        self.in_partition = column.isin(dim.partition).to_numpy(dtype=bool, na_value=False)
        self.group = group_ids(key_codes, len(cells))
        self.n_groups = int(self.group.max()) + 1 if len(cells) else 0
        self.rank = _sort_rank(column)

    def step(self, suppressed: np.ndarray, first: np.ndarray) -> np.ndarray:
        """Cells to suppress now so that no partition cell is the only one hidden under a
        published total. Returns a boolean mask of new suppressions."""
        g, k = self.group, self.n_groups
        open_total = np.bincount(g, weights=self.is_total & ~suppressed, minlength=k) > 0
        hidden_parts = np.bincount(g, weights=self.in_partition & suppressed, minlength=k)
        needs = open_total & (hidden_parts == 1)
        new = np.zeros(len(suppressed), dtype=bool)
        if not needs.any():
            return new
        candidate = self.in_partition & ~suppressed & (first > 0) & needs[g]
        idx = np.flatnonzero(candidate)
        has_candidate = np.zeros(k, dtype=bool)
        if idx.size:
            # smallest positive first count, then smallest value in sort order, per group
            order = np.lexsort((idx, self.rank[idx], first[idx], g[idx]))
            ordered = idx[order]
            ordered_groups = g[ordered]
            first_of_group = np.r_[True, ordered_groups[1:] != ordered_groups[:-1]]
            chosen = ordered[first_of_group]
            new[chosen] = True
            has_candidate[g[chosen]] = True
        # only zeros left beside the hidden cell: hide the total instead
        new |= self.is_total & ~suppressed & (needs & ~has_candidate)[g]
        return new


def suppress_cells(cells: pd.DataFrame, *, dims: Mapping[str, Dimension], group_cols: Sequence[str],
                   count_cols: Sequence[str], min_count: int) -> pd.DataFrame:
    """Primary and complementary small-count suppression of aggregated cube cells.

    Rule: conventions.md "Disclosure control" (the usual primary + complementary cell
    suppression of statistical disclosure control, e.g. Hundepool et al., *Statistical
    Disclosure Control*, Wiley 2012, ch. 4 and 5).

    ``cells`` has one row per cell: the ``group_cols`` (cells in different groups never
    interact), one column per dimension in ``dims`` and the ``count_cols``.

    * Primary: a cell is suppressed when any of ``count_cols`` is > 0 and < ``min_count``
      (reason ``"primary: count < N"``). Zero and NaN never trigger.
    * Complementary: for every dimension ``d`` and every set of cells sharing all other
      dimension values and the ``group_cols``: if the cell whose ``d``-value is the total is
      present and not suppressed, and exactly one partition category is suppressed, one more
      partition category is suppressed — the unsuppressed one with the smallest positive
      first count column (tie: smallest ``d``-value in sort order). If no unsuppressed
      partition category has a positive count, the total cell is suppressed instead. Values
      outside the partition are never chosen. This is repeated over all dimensions until
      nothing changes (reason ``"complementary"``).
    * ``min_count = 0`` suppresses nothing.

    Vectorised: each pass over a dimension is a handful of numpy group operations, so the
    cost is (dimensions × passes) vectorised steps, not a loop over cells.

    Returns a copy of ``cells`` (same index and columns) with boolean ``suppressed`` and
    ``suppression_reason`` (string or None). Values are not nulled — the caller does that.
    Raises ValueError for missing columns, non-numeric or negative counts, or a bad
    ``min_count``.
    """
    min_count = check_min_count(min_count)
    group_cols = [group_cols] if isinstance(group_cols, str) else list(group_cols)
    count_cols = [count_cols] if isinstance(count_cols, str) else list(count_cols)
    if not count_cols:
        raise ValueError("count_cols must name at least one column")
    for name, dim in dims.items():
        if not isinstance(dim, Dimension):
            raise ValueError(f"dimension {name} must be a Dimension")
    overlap = set(group_cols) & set(dims)
    if overlap:
        raise ValueError(f"columns cannot be both group and dimension: {', '.join(sorted(overlap))}")
    check_columns(cells, group_cols + list(dims) + count_cols)
    check_numeric_columns(cells, count_cols)
    counts = cells[count_cols].to_numpy(dtype=float, na_value=np.nan)
    check_non_negative(counts, "counts")

    out = cells.copy()
    primary = primary_mask(cells, count_cols, min_count)
    suppressed = primary.copy()

    if min_count > 0 and dims and primary.any():
        first = np.nan_to_num(counts[:, 0], nan=0.0)
        names = list(dims)
        codes = {c: _column_codes(cells[c]) for c in group_cols + names}
        axes = [_Axis(cells, name, dims[name], [codes[c] for c in group_cols + names if c != name])
                for name in names]
        changed = True
        while changed:
            changed = False
            for axis in axes:
                new = axis.step(suppressed, first)
                if new.any():
                    suppressed |= new
                    changed = True

    reason = np.full(len(out), None, dtype=object)
    reason[suppressed & ~primary] = COMPLEMENTARY
    reason[primary] = primary_reason(min_count)
    out["suppressed"] = suppressed
    out["suppression_reason"] = pd.Series(reason, index=out.index, dtype=object)
    return out
