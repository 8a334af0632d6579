"""``_scan_base`` (exclusion counts by period) is run once per run for the same base and
exclusions, and never answers a different question from the cache."""
from __future__ import annotations

import sqlalchemy as sa

from indikatorer.engine.evaluate import _scan_base
from indikatorer.engine.session import open_session


class _Ctx:
    """The part of RunContext that ``_scan_base`` uses: the session and the run's cache."""

    share = True

    def __init__(self, session):
        self.session = session
        self._cache = {}

    def cached(self, key, build):
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]


def test_scan_base_is_cached_by_its_sql_and_parameters():
    with open_session(None) as session:
        session.conn.exec_driver_sql("CREATE TEMP TABLE units AS SELECT * FROM (VALUES "
                                     "('2024', 1), ('2024', 7), ('2025', 3), ('2025', NULL)) t(period, x)")
        rel = sa.table("units", sa.column("period"), sa.column("x"))
        ctx = _Ctx(session)
        executed = []
        sa.event.listen(session.conn, "before_cursor_execute", lambda *a, **k: executed.append(a[2]))
        big = [("big", rel.c.x > 2)]
        assert _scan_base(ctx, rel, big) == ({"2024": {"big": 1}, "2025": {"big": 1}}, {"2024", "2025"})
        assert _scan_base(ctx, rel, [("big", rel.c.x > 2)])[0] == {"2024": {"big": 1}, "2025": {"big": 1}}
        assert len(executed) == 1
        # another threshold (a bound parameter) or predicate: a new scan; another reason name: the same
        assert _scan_base(ctx, rel, [("big", rel.c.x > 5)])[0] == {"2024": {"big": 1}, "2025": {}}
        assert _scan_base(ctx, rel, [("large", rel.c.x > 2)])[0] == {"2024": {"large": 1}, "2025": {"large": 1}}
        assert _scan_base(ctx, rel, [("none", rel.c.x.is_(None))])[0] == {"2024": {}, "2025": {"none": 1}}
        assert len(executed) == 3
    # another run (table names may repeat there) scans again
    with open_session(None) as session:
        session.conn.exec_driver_sql("CREATE TEMP TABLE units AS SELECT * FROM (VALUES ('2024', 9)) t(period, x)")
        assert _scan_base(_Ctx(session), rel, [("big", rel.c.x > 2)])[0] == {"2024": {"big": 1}}
