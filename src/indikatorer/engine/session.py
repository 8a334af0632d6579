"""A run's database session: one SQLAlchemy connection kept open for the whole run, so that
the temporary tables of sources, cases and measures live in the engine where the data is."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.schema import CreateTableAs

from ..errors import SourceError


class Session:
    def __init__(self, engine: sa.Engine, conn: sa.Connection, work_dir: Path):
        self.engine = engine
        self.conn = conn
        self.work_dir = work_dir
        self._n = 0

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_duckdb(self) -> bool:
        return self.dialect == "duckdb"

    def new_name(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_{self._n}"

    def materialize(self, name: str, select: sa.Select | sa.CompoundSelect) -> sa.TableClause:
        """CREATE TEMPORARY TABLE name AS select; returns a table clause with its columns."""
        self.conn.execute(CreateTableAs(select, name, temporary=True))
        if self.dialect == "postgresql":
            # autovacuum never sees temporary tables: without statistics the planner picks
            # nested loops over the joins of the case builder
            self.conn.exec_driver_sql(f'ANALYZE "{name}"')
        return sa.table(name, *[sa.column(c.key) for c in select.selected_columns])

    def define_view(self, name: str, select: sa.Select) -> sa.TableClause:
        """CREATE TEMPORARY VIEW name AS select: computed where it is read (no copy)."""
        from sqlalchemy.schema import CreateView
        self.conn.execute(CreateView(select, name, temporary=True))
        return sa.table(name, *[sa.column(c.key) for c in select.selected_columns])

    def execute(self, stmt, params=None):
        return self.conn.execute(stmt, params or {})

    def scalar(self, stmt, params=None):
        return self.conn.execute(stmt, params or {}).scalar()


@contextmanager
def open_session(url: str | None = None, *, password: str | None = None,
                 work_dir: Path | None = None) -> Iterator[Session]:
    """Embedded DuckDB when ``url`` is None, else the SQLAlchemy URL (PostgreSQL first)."""
    tmp = tempfile.TemporaryDirectory(prefix="indikatorer-", dir=work_dir)
    try:
        if url is None:
            engine = sa.create_engine("duckdb:///:memory:", poolclass=sa.pool.StaticPool)
        else:
            u = sa.make_url(url)
            if password is not None:
                u = u.set(password=password)
            engine = sa.create_engine(u, poolclass=sa.pool.NullPool)
        try:
            conn = engine.connect()
        except sa.exc.SQLAlchemyError as exc:
            safe = sa.make_url(url).render_as_string(hide_password=True) if url else "duckdb"
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
            raise SourceError(f"cannot connect to {safe}: {reason}") from None
        if url is None:
            spill = Path(tmp.name) / "spill"
            spill.mkdir()
            conn.exec_driver_sql(f"SET temp_directory = '{_lit(str(spill))}'")
            conn.exec_driver_sql("SET preserve_insertion_order = true")
            threads = os.environ.get("INDIKATORER_THREADS")
            if threads:
                conn.exec_driver_sql(f"SET threads = {int(threads)}")
        try:
            yield Session(engine, conn, Path(tmp.name))
        finally:
            conn.close()
            engine.dispose()
    finally:
        tmp.cleanup()


def _lit(text: str) -> str:
    if "\x00" in text:
        raise SourceError("a path contains a NUL character")
    return text.replace("'", "''")


def sql_literal(text: str) -> str:
    """A SQL string literal for DDL that cannot take bound parameters (DuckDB views)."""
    return "'" + _lit(text) + "'"
