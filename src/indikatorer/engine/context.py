"""What a run knows while it computes: the job, the session, the loaded sources, the periods
table and the sick-leave cases (built once per source and gap, then shared by measures)."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..cases import CaseTables, build_cases, rule_for
from ..job import Job
from ..periods import Period
from ..sources import LoadedSource
from .session import Session


@dataclass
class RunContext:
    job: Job
    session: Session
    sources: dict[str, LoadedSource]             # by source name
    periods_list: list[Period]
    age_bands: str = "default"
    _periods: sa.TableClause | None = None
    _cases: dict[tuple[str, int], CaseTables] = field(default_factory=dict)

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
        return RunContext(self.job, self.session, self.sources, periods, self.age_bands, None, self._cases)

    def sources_of_kind(self, kind: str) -> list[LoadedSource]:
        return [s for s in self.sources.values() if s.kind == kind]

    def cases(self, source: LoadedSource, max_gap: int = 5) -> CaseTables:
        key = (source.name, max_gap)
        if key not in self._cases:
            prefix = f"{_safe(source.name)}_g{max_gap}_"
            self._cases[key] = build_cases(self.session, rule_for(source, max_gap), self.job.data_as_of,
                                           self.age_bands, prefix=prefix)
        return self._cases[key]


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower())
