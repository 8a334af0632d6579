"""What a run knows while it computes: the job, the session, the loaded sources, the periods
table and the sick-leave cases (built once per source and gap, then shared by measures).

Two more per-run caches of temporary tables, shared by every measure of the run:

* ``cached(key, build)`` — small helper tables of the bases that do not depend on the periods
  (the PAS contacts carrying a KVÅ code, the regions a source covers): built on first use,
  kept for the run.
* ``shared_base(key, build)`` — materialised base relations, one per (base, source, what it
  reads of the other sources, window, the options the base reads, periods): the variants and
  measures on the same base read one table instead of evaluating the base again. Only the ``SHARED_BASES`` most recently used
  are kept; older ones are dropped (they can be large)."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

import sqlalchemy as sa

from ..cases import CaseTables, build_cases, rule_for
from ..job import Job
from ..periods import Period
from ..sources import LoadedSource
from .session import Session, safe_identifier


@dataclass
class RunContext:
    job: Job
    session: Session
    sources: dict[str, LoadedSource]             # by source name
    periods_list: list[Period]
    age_bands: str = "default"
    _periods: sa.TableClause | None = None
    _cases: dict[tuple[str, int], CaseTables] = field(default_factory=dict)
    _cache: dict[Any, Any] = field(default_factory=dict)
    _bases: "OrderedDict[Any, sa.TableClause]" = field(default_factory=OrderedDict)
    share: bool = True                    # False: every base evaluated where it is read (no per-run tables)

    @property
    def periods(self) -> sa.TableClause:
        if self._periods is None:
            rows = [sa.select(sa.literal(p.label, sa.String).label("period"),
                              sa.cast(sa.literal(p.start, sa.Date), sa.Date).label("period_start"),
                              sa.cast(sa.literal(p.end, sa.Date), sa.Date).label("period_end"),
                              sa.cast(sa.literal(p.reference_date, sa.Date), sa.Date).label("reference_date"))
                    for p in self.periods_list]
            self._periods = self.session.materialize(self.session.new_name("run_periods"), sa.union_all(*rows) if len(rows) > 1 else rows[0])
        return self._periods

    def with_periods(self, periods: list[Period]) -> "RunContext":
        """The same run (sources, cases) for a subset of the periods."""
        if [p.label for p in periods] == [p.label for p in self.periods_list]:
            return self
        return RunContext(self.job, self.session, self.sources, periods, self.age_bands, None, self._cases,
                          self._cache, self._bases, self.share)

    def sources_of_kind(self, kind: str) -> list[LoadedSource]:
        return [s for s in self.sources.values() if s.kind == kind]

    def cases(self, source: LoadedSource, max_gap: int = 5) -> CaseTables:
        key = (source.name, max_gap)
        if key not in self._cases:
            prefix = f"{safe_identifier(source.name)}_g{max_gap}_"
            self._cases[key] = build_cases(self.session, rule_for(source, max_gap), self.job.data_as_of,
                                           self.age_bands, prefix=prefix)
        return self._cases[key]


    def cached(self, key: Any, build: Callable[[], Any]) -> Any:
        """The run's value for ``key`` (a temporary table …), built on first use."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def shared_base(self, key: Any, build: Callable[[], sa.TableClause]) -> sa.TableClause:
        """The materialised base for ``key``, built on first use; keeps the ``SHARED_BASES``
        most recently used and drops the others."""
        if key in self._bases:
            self._bases.move_to_end(key)
            return self._bases[key]
        while len(self._bases) >= SHARED_BASES:
            _, old = self._bases.popitem(last=False)
            self.drop(old)
        table = build()
        self._bases[key] = table
        return table

    def release_bases(self) -> None:
        """Drop every shared base and cached table, and forget the other cached values (the end
        of the measures)."""
        while self._bases:
            self.drop(self._bases.popitem()[1])
        for value in self._cache.values():
            if isinstance(value, sa.TableClause):
                self.drop(value)
        self._cache.clear()

    def drop(self, table: sa.TableClause) -> None:
        self.session.execute(sa.text(f'DROP TABLE IF EXISTS "{table.name}"'))


#: 3: a variant reads up to two shared bases (its denominator's and a count's, e.g. covered
#: cases and the units survey); the third keeps the previous group's main base for the group
#: after it (the all-measures job builds 25 bases; 28 when 2 are kept)
SHARED_BASES = 3
