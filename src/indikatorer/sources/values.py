"""Value counts of a normalised table's low-cardinality columns, counted on the raw columns.

A column of a normalised table read in place (the view over a Parquet file, see
``reader._normalise``) is a function of one raw column: ``value = f(raw)`` (trimming, parsing,
code map). Counting the rows per raw value and applying ``f`` to each distinct value gives the
same counts per normalised value as counting the normalised column, without computing ``f``
thirty million times. ``ValueCounts.select`` does it for several columns in one scan
(``GROUP BY GROUPING SETS ((a), (b), …)``; plain SQL, DuckDB and PostgreSQL alike).

Only columns with few distinct values belong here (the reader offers the dictionary-encoded
Parquet columns): the data-quality checks answer their per-value metrics (NULL counts, value
sets, ranges, regexes) from these counts (``quality.gxengine``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sqlalchemy as sa

SET = "indikatorer_set"        # which grouping set a row belongs to (the index of its column)
ROWS = "indikatorer_rows"      # rows with that value


@dataclass
class ValueCounts:
    raw: sa.FromClause                                     # the raw relation
    # normalised column -> (raw column name, builder of the normalised value from a raw column)
    columns: dict[str, tuple[str, Callable]] = field(default_factory=dict)

    def covers(self, column: str) -> bool:
        return column in self.columns

    def select(self, names: list[str]) -> tuple[sa.Subquery, dict[str, int]]:
        """``(indikatorer_set, <names…>, indikatorer_rows)`` and each name's set: in a row of
        the set of ``name``, column ``name`` holds a normalised value and ``indikatorer_rows``
        how many rows hold it (the other value columns are meaningless there). One scan of the
        raw relation; a raw column read by two names is grouped once."""
        raw_names = list(dict.fromkeys(self.columns[n][0] for n in names))
        keys = [self.raw.c[r] for r in raw_names]
        grouped = sa.select(*[k.label(f"indikatorer_k{i}") for i, k in enumerate(keys)],
                            *[sa.func.grouping(k).label(f"indikatorer_g{i}") for i, k in enumerate(keys)],
                            sa.func.count().label(ROWS)) \
            .select_from(self.raw) \
            .group_by(sa.func.grouping_sets(*[sa.tuple_(k) for k in keys])) \
            .subquery("indikatorer_grouped")
        which = sa.case(*[(grouped.c[f"indikatorer_g{i}"] == 0, i) for i in range(len(keys))], else_=-1)
        sets = {n: raw_names.index(self.columns[n][0]) for n in names}
        values = [self.columns[n][1](grouped.c[f"indikatorer_k{sets[n]}"]).label(n) for n in names]
        return sa.select(which.label(SET), *values, grouped.c[ROWS]).subquery("indikatorer_values"), sets
