"""A run's database session: one SQLAlchemy connection kept open for the whole run, so that
the temporary tables of sources, cases and measures live in the engine where the data is."""
from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.schema import CreateTableAs

from ..errors import JobError, SourceError


def safe_identifier(name: str) -> str:
    """``name`` lower-cased with every character but letters and digits replaced by ``_``."""
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower())


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
        """A fresh temporary-table name: ``prefix`` made a safe identifier, and a number."""
        self._n += 1
        return f"{safe_identifier(prefix)}_{self._n}"

    def materialize(self, name: str, select: sa.Select | sa.CompoundSelect) -> sa.TableClause:
        """CREATE TEMPORARY TABLE name AS select; returns a table clause with its columns."""
        self.conn.execute(CreateTableAs(select, name, temporary=True))
        if self.dialect == "postgresql":
            # autovacuum never sees temporary tables: without statistics the planner picks
            # nested loops over the joins of the case builder
            self.conn.exec_driver_sql(f'ANALYZE "{name}"')
        return sa.table(name, *[sa.column(c.key, c.type) for c in select.selected_columns])

    def define_view(self, name: str, select: sa.Select) -> sa.TableClause:
        """CREATE TEMPORARY VIEW name AS select: computed where it is read (no copy)."""
        from sqlalchemy.schema import CreateView
        self.conn.execute(CreateView(select, name, temporary=True))
        return sa.table(name, *[sa.column(c.key) for c in select.selected_columns])

    def unordered(self) -> None:
        """DuckDB: stop preserving insertion order (parallel ``CREATE TABLE AS`` without
        re-ordering, ~2 CPU s of a national year). Called once the sources are read and checked:
        CSV and database tables were numbered (``_row``) and copied in file order by then, and
        the checks' example rows stay those of the file order; Parquet views number their rows
        with ``file_row_number``. Nothing after it depends on the order of rows (the same SQL
        gives the same table on PostgreSQL, which keeps no order)."""
        if self.is_duckdb:
            self.conn.exec_driver_sql("SET preserve_insertion_order = false")

    def execute(self, stmt, params=None):
        return self.conn.execute(stmt, params or {})

    def scalar(self, stmt, params=None):
        return self.conn.execute(stmt, params or {}).scalar()


# DuckDB's buffer for a run (its own default is 80 % of the RAM). Above it, hash tables and
# sorts spill to the run's temporary directory; measured on the national year (bench/RESULTS.md).
DEFAULT_MEMORY_LIMIT = "4GB"
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)\s*$", re.IGNORECASE)


def memory_limit(value: str | None = None) -> str:
    """The DuckDB ``memory_limit`` of a run: ``value``, else ``INDIKATORER_MEMORY``, else
    DEFAULT_MEMORY_LIMIT — but never more than 80 % of the RAM. ``"50%"`` is a share of the RAM."""
    text = value or os.environ.get("INDIKATORER_MEMORY") or DEFAULT_MEMORY_LIMIT
    m = _MEMORY.match(text)
    if not m or float(m.group(1)) <= 0:
        raise JobError(f"memory limit `{text[:40]}`: expected a size such as 4GB, 512MB or 50%")
    number, unit = float(m.group(1)), m.group(2).upper()
    ram = _ram_bytes()
    if unit == "%":
        if ram is None:
            return DEFAULT_MEMORY_LIMIT
        size = ram * min(number, 80.0) / 100
    else:
        scale = {"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
        size = number * scale[unit]
        if ram is not None:
            size = min(size, ram * 0.8)
    return f"{max(int(size // 2**20), 64)}MiB"


def _ram_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


@contextmanager
def open_session(url: str | None = None, *, password: str | None = None,
                 work_dir: Path | None = None, memory: str | None = None) -> Iterator[Session]:
    """Embedded DuckDB when ``url`` is None, else the SQLAlchemy URL (PostgreSQL first).
    ``memory``: DuckDB's memory limit (see ``memory_limit``; ignored for a database URL)."""
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
            conn.exec_driver_sql("SET preserve_insertion_order = true")      # until ``unordered``
            # Parquet read through the OS page cache only: DuckDB's own copy of the files' bytes
            # costs memory copies and page faults (~1.5 CPU s of a national year) and saves no read
            conn.exec_driver_sql("SET enable_external_file_cache = false")
            conn.exec_driver_sql(f"SET memory_limit = '{memory_limit(memory)}'")
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
