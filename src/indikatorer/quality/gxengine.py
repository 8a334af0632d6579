"""How Great Expectations runs here: inside the run's own database connection.

This is the one module that knows Great Expectations' internals (tested with
great-expectations 1.24.1, pinned in pyproject.toml; ``tests/quality/test_gxengine.py`` fails
if an upgrade stops this from taking effect).

The data to check are the run's normalised temporary tables ``src_<source>_<table>`` in the
run's session (embedded DuckDB or PostgreSQL). Temporary tables exist only on the session's
connection, so GX must send every query through that connection, and must never open one of
its own. GX 1.x does neither by itself:

* On DuckDB, GX opens a connection per query and closes it before reading the result, so
  every metric comes back empty (DuckDB is not among GX's "persisted connection" dialects;
  great_expectations issues #10738, #11579). On PostgreSQL a new connection does not see the
  session's temporary tables.
* GX reflects column types with ``sa.inspect(engine)``; through duckdb-engine 0.17 with
  SQLAlchemy >= 2.0.45 that fails, and GX's fallback then opens a new connection and closes it
  again — on the StaticPool of the embedded DuckDB that rolls back the run's transaction.
* GX has no DuckDB regex or type module (``dialect_module`` is None).

``RunConnectionEngine`` (a subclass of GX's ``SqlAlchemyExecutionEngine``, used in place of
GX's own; no GX module is patched) closes those gaps:

* ``get_connection`` / ``execute_query`` / ``execute_query_in_transaction`` use the run's
  connection. The run's transaction is committed before checks (``checkpoint``) so that a
  failing check query — which aborts the transaction on both engines — is rolled back without
  losing the session's tables;
* ``get_inspector`` reads column names and types from ``information_schema.columns`` of the
  session's own temporary schema;
* DuckDB gets PostgreSQL's dialect module (duckdb-engine's dialect is PostgreSQL's; regexes
  render as ``~``, which in DuckDB matches the whole string — the suites anchor every regex);
* GX's ``engine`` shares the session's (initialised) dialect but has a pool that refuses to
  connect: any GX code path that tries to open a connection of its own fails loudly (the
  expectation reports an error) instead of silently reading nothing or touching the session;
* ``resolve_metrics`` skips work whose answer is already known, without changing any result
  (``tests/quality/test_lazy_examples.py`` compares with GX's own resolution): the example
  rows of a check (``….unexpected_values``, the rows of a SQL check) are fetched only when its
  count found unexpected rows — GX asks for them before the count, and on a national extract
  each such query of a check that passed scans the whole table for nothing —, and a
  single-column uniqueness check (``… WHERE k IS NOT NULL GROUP BY k HAVING COUNT(*) > 1``)
  is answered by ``count(k) - count(DISTINCT k)`` when no value repeats (on DuckDB first by
  ``count(DISTINCT hash(k))``: distinct hashes prove distinct values, and cost less), or
  without a query for a key the reader proved unique (``unique``), and the
  NULL count of a column the reader proved never NULL (``not_null``) is 0 without a scan; the
  table's row count is the reader's (``row_count``); a single-column count (NULLs, value set,
  range, regex) of a low-cardinality column is computed over the column's distinct values — for
  the columns the reader's value counts cover (``values``, ``sources.values``) all in one
  statement from one grouped scan of the raw file, otherwise a regex check on DuckDB groups the
  checked column —; and a check of rows matching ``W`` and a check of their share share one
  count of ``W``.

Also here: the ephemeral data context (no files, no analytics, no progress bars) and the
Validator over one table (GX's ``Validator`` with one ``SqlAlchemyBatchData`` batch)."""
from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterator

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import warnings  # noqa: E402

with warnings.catch_warnings():      # GX 1.24 imports the deprecated sre_constants / sre_parse
    warnings.simplefilter("ignore", DeprecationWarning)
    import great_expectations as gx  # noqa: E402  (after the environment is set)
import sqlalchemy as sa  # noqa: E402
from great_expectations.core.batch import Batch, LegacyBatchDefinition  # noqa: E402
from great_expectations.core.id_dict import IDDict  # noqa: E402
from great_expectations.core.metric_domain_types import MetricDomainTypes  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.execution_engine import SqlAlchemyExecutionEngine  # noqa: E402
from great_expectations.execution_engine.sqlalchemy_batch_data import SqlAlchemyBatchData  # noqa: E402
from great_expectations.expectations.metrics.query_metrics.query_row_count import (  # noqa: E402
    unexpected_rows_query_row_count as _row_count,
)
from great_expectations.validator.metric_configuration import MetricConfiguration  # noqa: E402
from great_expectations.validator.validator import Validator  # noqa: E402
from sqlalchemy.dialects import postgresql as _pg_types  # noqa: E402

from .. import log  # noqa: E402

TESTED_GX_VERSION = "1.24.1"

for _name in ("great_expectations", "great_expectations.expectations.metrics.util"):
    logging.getLogger(_name).setLevel(logging.ERROR)

# information_schema data_type (upper case) -> SQLAlchemy type GX compares with isinstance()
_TYPES: dict[str, type] = {
    "VARCHAR": sa.VARCHAR, "CHARACTER VARYING": sa.VARCHAR, "TEXT": sa.TEXT, "CHAR": sa.CHAR,
    "CHARACTER": sa.CHAR, "BPCHAR": sa.CHAR,
    "BIGINT": sa.BIGINT, "INTEGER": sa.INTEGER, "SMALLINT": sa.SMALLINT, "HUGEINT": sa.BIGINT,
    "DATE": sa.DATE, "DOUBLE": _pg_types.DOUBLE_PRECISION, "DOUBLE PRECISION": _pg_types.DOUBLE_PRECISION,
    "FLOAT": sa.REAL, "REAL": sa.REAL, "BOOLEAN": sa.BOOLEAN, "NUMERIC": sa.NUMERIC, "DECIMAL": sa.NUMERIC,
    "TIMESTAMP": sa.TIMESTAMP, "TIMESTAMP WITHOUT TIME ZONE": sa.TIMESTAMP,
}


class SecondConnectionError(RuntimeError):
    """GX tried to open a connection of its own while checking the run's tables."""


class _SessionCatalog:
    """The part of SQLAlchemy's Inspector that GX uses, answered from the session's own
    temporary tables (DuckDB: catalog ``temp``; PostgreSQL: schema ``pg_temp_N``)."""

    def __init__(self, conn: sa.Connection):
        self._conn = conn
        self.dialect = conn.dialect

    def get_pk_constraint(self, table_name: str, schema: str | None = None, **kw: Any) -> dict:
        return {"constrained_columns": [], "name": None}

    def get_columns(self, table_name: str, schema: str | None = None, **kw: Any) -> list[dict]:
        rows = self._conn.execute(sa.text(
            "SELECT column_name, upper(data_type) FROM information_schema.columns "
            "WHERE table_name = :t AND (table_catalog = 'temp' OR table_schema LIKE 'pg\\_temp\\_%') "
            "ORDER BY ordinal_position"), {"t": str(table_name)}).fetchall()
        return [{"name": name, "type": _TYPES.get(str(dtype), sa.types.NullType)(), "nullable": True}
                for name, dtype in rows]


class RunConnectionEngine(SqlAlchemyExecutionEngine):
    """GX's SQLAlchemy execution engine bound to one open connection (the run's session)."""

    def __init__(self, conn: sa.Connection, not_null: frozenset = frozenset(), unique: frozenset = frozenset(),
                 values=None, row_count: int | None = None):
        self._run_conn = conn
        self._not_null = frozenset(not_null)
        self._unique = frozenset(unique)
        self._values = values                  # sources.values.ValueCounts of the table, or None
        self._row_count = row_count            # the table's row count when the caller knows it
        self._deferred: set = set()
        guard = sa.engine.Engine(sa.pool.NullPool(_refuse_connection), conn.dialect, conn.engine.url)
        super().__init__(engine=guard, create_temp_table=False)
        if self.dialect_module is None:          # DuckDB: duckdb-engine's dialect is PostgreSQL's
            self.dialect_module = _pg_types

    @contextmanager
    def get_connection(self) -> Iterator[sa.Connection]:
        yield self._run_conn

    def execute_query(self, query):
        try:
            return self._run_conn.execute(query)
        except sa.exc.DBAPIError:
            self._run_conn.rollback()        # back to the checkpoint; the session's tables stay
            raise

    def execute_query_in_transaction(self, query):
        return self.execute_query(query)

    def resolve_metrics(self, metrics_to_resolve, metrics=None, runtime_configuration=None):
        """GX's resolution, except that the example rows of a check (``….unexpected_values``,
        the rows of a SQL check) are fetched only when its count found unexpected rows (the
        count is resolved first in the same round, or the examples wait one round for it), and
        the shortcut of ``_no_duplicates``. Results are GX's own either way."""
        todo = list(metrics_to_resolve)
        resolved = self._known_not_null(todo)
        todo = [m for m in todo if m.id not in resolved]
        resolved.update(self._no_duplicates(todo))
        todo = [m for m in todo if m.id not in resolved]
        resolved.update(self._known_row_count(todo))
        todo = [m for m in todo if m.id not in resolved]
        resolved.update(self._per_value_counts(todo, metrics or {}))
        todo = [m for m in todo if m.id not in resolved]
        resolved.update(self._shared_row_counts(todo))
        todo = [m for m in todo if m.id not in resolved]
        examples = [m for m in todo if _count_ids(m)]
        if not examples and not resolved:
            return super().resolve_metrics(todo, metrics, runtime_configuration)
        rest = [m for m in todo if not _count_ids(m)]
        if rest:
            resolved.update(super().resolve_metrics(rest, metrics, runtime_configuration))
        known = {**(metrics or {}), **resolved}
        pending = []
        for m in examples:
            ids = _count_ids(m)
            counts = [known[i] for i in ids if i in known and not isinstance(known[i], tuple)]
            if counts and all(_is_zero(n) for n in counts):
                resolved[m.id] = []          # what the example query returns when nothing is unexpected
            elif not counts and m.id not in self._deferred and any(i in known for i in ids):
                # only the count's aggregate partial is known: the count itself comes with the next
                # round (GX bundles the column aggregates there), so ask for the examples then.
                # Deferred once at most, so that the graph always makes progress.
                self._deferred.add(m.id)
            else:
                pending.append(m)
        if pending:
            resolved.update(super().resolve_metrics(pending, known, runtime_configuration))
        return resolved

    def _known_not_null(self, metrics_to_resolve) -> dict:
        """The NULL count of a column the reader proved never NULL (``not_null``: a required
        column whose missing values the reader refused; the table has rows) is 0 — GX's
        ``sum(CASE WHEN c IS NULL THEN 1 ELSE 0 END)`` over the whole column, not scanned again."""
        out = {}
        if not self._not_null:
            return out
        for m in metrics_to_resolve:
            if m.metric_name != "column_values.nonnull.unexpected_count":
                continue
            domain = {k: v for k, v in dict(m.metric_domain_kwargs or {}).items() if v is not None}
            if set(domain) - {"column", "batch_id"} or domain.get("column") not in self._not_null:
                continue                      # a row condition or another column: GX counts
            out[m.id] = 0
        return out

    def _known_row_count(self, metrics_to_resolve) -> dict:
        """``table.row_count`` of the whole table when the caller knows it (``row_count``: the
        reader counted the rows of the table being checked), without another ``count(*)``."""
        if self._row_count is None:
            return {}
        return {m.id: int(self._row_count) for m in metrics_to_resolve
                if m.metric_name == "table.row_count"
                and not {k for k, v in dict(m.metric_domain_kwargs or {}).items() if v is not None} - {"batch_id"}}

    def _per_value_counts(self, metrics_to_resolve, metrics: dict) -> dict:
        """A single-column count of unexpected rows (GX's ``sum(CASE WHEN <unexpected> THEN 1
        ELSE 0 END)`` over a column: NULL counts, value sets, ranges, regexes), computed over
        the column's distinct values — GX's own condition once per value, weighted by its row
        count — instead of on every row. Same number, NULL for an empty table as there.

        Columns the table's ``values`` cover (``sources.values.ValueCounts``: low-cardinality
        columns of a view read in place) are counted all together in one statement, from one
        grouped scan of the raw file. Otherwise, on DuckDB, a regex count groups the checked
        column (the checked columns hold codes: a hundred to a thousand distinct values in
        thirty million rows); the other counts are GX's."""
        covered, own = [], []
        for m in metrics_to_resolve:
            if not m.metric_name.endswith(".unexpected_count") or not m.metric_name.startswith("column_values."):
                continue
            domain = {k: v for k, v in dict(m.metric_domain_kwargs or {}).items() if v is not None}
            if set(domain) - {"column", "batch_id"} or not isinstance(domain.get("column"), str):
                continue
            column = domain["column"]
            in_values = self._values is not None and self._values.covers(column)
            if not in_values and not (m.metric_name in _PER_VALUE_COUNTS and self._run_conn.dialect.name == "duckdb"):
                continue
            try:
                deps = self._get_computed_metric_evaluation_dependencies_by_metric_name(
                    metric_to_resolve=m, metrics=metrics)
                agg, compute_kwargs, _ = deps["metric_partial_fn"]
            except Exception:  # noqa: BLE001 - not in the form this knows: GX computes it
                continue
            inner = list(agg.clauses) if isinstance(agg, sa.sql.functions.FunctionElement) else []
            if getattr(agg, "name", None) != "sum" or len(inner) != 1 or not isinstance(inner[0], sa.sql.elements.Case) \
                    or not _only_column(inner[0], column):
                continue
            if in_values:
                covered.append((m, column, inner[0]))
            else:
                own.append((m, column, inner[0], compute_kwargs))
        out = self._counts_over_value_counts(covered)
        for m, column, case, compute_kwargs in own:
            batch, _, _ = self.get_compute_domain(dict(compute_kwargs), domain_type=MetricDomainTypes.TABLE)
            values = (sa.select(sa.column(column), sa.func.count().label("indikatorer_rows"))
                      .select_from(batch).group_by(sa.column(column)).subquery("indikatorer_values"))
            query = sa.select(sa.func.sum(case * values.c.indikatorer_rows)).select_from(values)
            try:
                out[m.id] = self.execute_query(query).scalar()
            except sa.exc.DBAPIError:
                continue                      # GX runs its own query and reports its error
        return out

    def _counts_over_value_counts(self, covered: list) -> dict:
        """The counts of ``covered`` (metric, column, GX's CASE) in one statement over the
        table's value counts: ``sum(CASE … * rows) FILTER (WHERE set = <the column's>)``."""
        if not covered:
            return {}
        from ..sources.values import ROWS, SET
        values, sets = self._values.select(list(dict.fromkeys(c for _, c, _ in covered)))
        sums = [sa.cast(sa.func.sum(case * values.c[ROWS]).filter(values.c[SET] == sets[column]), sa.BigInteger)
                .label(f"n{i}") for i, (_, column, case) in enumerate(covered)]
        try:
            row = self.execute_query(sa.select(*sums).select_from(values)).one()
        except sa.exc.DBAPIError:
            return {}                         # GX runs its own queries and reports their errors
        return {m.id: (None if n is None else int(n)) for (m, _, _), n in zip(covered, row)}

    def _shared_row_counts(self, metrics_to_resolve) -> dict:
        """Two SQL checks over the same condition ``W`` — the rows (``SELECT a._row FROM {batch} a
        WHERE W``) and their share (``SELECT COUNT(*) … FROM {batch} a WHERE W HAVING COUNT(*) >
        k * (SELECT COUNT(*) FROM {batch})``, one row or none) — are answered from one count of
        ``W`` (an anti-join of two national tables, say) instead of two: the rows' count is
        ``n``, the share's is 1 when ``n > k × rows`` (exact decimal arithmetic, as in SQL) else 0."""
        rows_q, share_q = {}, {}
        for m in metrics_to_resolve:
            if m.metric_name != "unexpected_rows_query.row_count":
                continue
            q = str(dict(m.metric_value_kwargs or {}).get("unexpected_rows_query") or "")
            hit = _ROWS_WHERE.fullmatch(q)
            if hit and hit.group(1) == hit.group(2) and _plain_condition(hit.group(3)):
                rows_q.setdefault((hit.group(2), hit.group(3).strip()), []).append(m)
                continue
            hit = _SHARE_WHERE.fullmatch(q)
            if hit and _plain_condition(hit.group(2)):
                share_q.setdefault((hit.group(1), hit.group(2).strip()), []).append((m, Decimal(hit.group(3))))
        out = {}
        for key in set(rows_q) & set(share_q):
            alias, where = key
            m0 = rows_q[key][0]
            domain = dict(m0.metric_domain_kwargs or {})
            batch, _, _ = self.get_compute_domain(domain, domain_type=MetricDomainTypes.TABLE)
            sql = _row_count.UnexpectedRowsQueryRowCount._get_substituted_batch_subquery_from_query_and_batch_selectable(
                query=f"SELECT (SELECT COUNT(*) FROM {{batch}} {alias} WHERE {where}) AS n, "
                      f"(SELECT COUNT(*) FROM {{batch}}) AS total",
                batch_selectable=batch, execution_engine=self)
            try:
                n, total = self.execute_query(sa.text(sql)).one()
            except sa.exc.DBAPIError:
                continue                      # GX runs the suites' own queries and reports the error
            for m in rows_q[key]:
                if dict(m.metric_domain_kwargs or {}) == domain:
                    out[m.id] = int(n)
            for m, k in share_q[key]:
                if dict(m.metric_domain_kwargs or {}) == domain:
                    out[m.id] = 1 if Decimal(int(n)) > k * Decimal(int(total)) else 0
        return out

    def _no_duplicates(self, metrics_to_resolve) -> dict:
        """The row count of a uniqueness check (``SELECT COUNT(*) … FROM {batch} WHERE k IS NOT
        NULL GROUP BY k HAVING COUNT(*) > 1``: the values that occur more than once) is 0 when
        ``count(k) = count(DISTINCT k)``, which one aggregate answers faster than the grouped
        query. Only that case is answered here; with duplicates GX runs the suite's query. A key
        the reader proved unique (``unique``: its raw values strictly ascend, see
        ``sources.files.ascending_without_repeats``, and normalising changed none) is 0 without
        a query."""
        out = {}
        for m in metrics_to_resolve:
            if m.metric_name != "unexpected_rows_query.row_count":
                continue
            match = _DUPLICATES.fullmatch(str(dict(m.metric_value_kwargs or {}).get("unexpected_rows_query") or ""))
            if not match:
                continue
            key = match.group(1)
            domain = dict(m.metric_domain_kwargs or {})
            if key in self._unique and not {k for k, v in domain.items() if v is not None} - {"batch_id"}:
                out[m.id] = 0                 # the reader proved it (``unique``): no value repeats
                continue
            batch, _, _ = self.get_compute_domain(domain, domain_type=MetricDomainTypes.TABLE)
            queries = [f"SELECT count({key}) - count(DISTINCT {key}) AS repeated FROM {{batch}}"]
            if self._run_conn.dialect.name == "duckdb":
                # distinct 64-bit hashes => distinct values; equal hashes (a repeat or a
                # collision) => the exact count
                queries.insert(0, f"SELECT count({key}) - count(DISTINCT hash({key})) AS repeated FROM {{batch}}")
            for query in queries:
                sql = _row_count.UnexpectedRowsQueryRowCount._get_substituted_batch_subquery_from_query_and_batch_selectable(
                    query=query, batch_selectable=batch, execution_engine=self)
                try:
                    repeated = self.execute_query(sa.text(sql)).scalar()
                except sa.exc.DBAPIError:
                    break                     # GX runs the suite's own query and reports its error
                if repeated == 0:
                    out[m.id] = 0
                    break
        return out

    def get_inspector(self):
        return _SessionCatalog(self._run_conn)

    def close(self) -> None:                 # the run owns the connection and the engine
        pass

    def __del__(self) -> None:
        pass


# example metric (suffix or name) -> the metrics that count its rows (same domain; value
# kwargs without result_format). The examples are skipped only when such a count is 0.
_EXAMPLE_SUFFIXES = (".unexpected_values", ".unexpected_value_counts", ".unexpected_rows")
_COUNT_SUFFIXES = (".unexpected_count", ".unexpected_count.aggregate_fn")
_DUPLICATES = re.compile(r"\s*SELECT\s+COUNT\(\*\)(?:\s+AS\s+\w+)?\s+FROM\s+\{batch\}\s+WHERE\s+([A-Za-z_]\w*)"
                         r"\s+IS\s+NOT\s+NULL\s+GROUP\s+BY\s+\1\s+HAVING\s+COUNT\(\*\)\s*>\s*1\s*;?\s*", re.I)
_PER_VALUE_COUNTS = ("column_values.match_regex.unexpected_count", "column_values.not_match_regex.unexpected_count")
_ROWS_WHERE = re.compile(r"\s*SELECT\s+([A-Za-z_]\w*)\._row\s+FROM\s+\{batch\}\s+(?:AS\s+)?([A-Za-z_]\w*)\s+WHERE\s+(.+?)\s*;?\s*",
                         re.I | re.S)
_SHARE_WHERE = re.compile(r"\s*SELECT\s+COUNT\(\*\)(?:\s+AS\s+\w+)?\s+FROM\s+\{batch\}\s+(?:AS\s+)?([A-Za-z_]\w*)\s+WHERE\s+(.+?)"
                          r"\s+HAVING\s+COUNT\(\*\)\s*>\s*(\d+(?:\.\d+)?)\s*\*\s*\(\s*SELECT\s+COUNT\(\*\)\s+FROM\s+\{batch\}\s*\)"
                          r"\s*;?\s*", re.I | re.S)
_CLAUSE = re.compile(r"\b(GROUP|HAVING|LIMIT|OFFSET|ORDER|UNION|EXCEPT|INTERSECT|WINDOW|QUALIFY|FETCH)\b|[;{}]", re.I)


def _plain_condition(where: str) -> bool:
    """``where`` is one condition: balanced parentheses, no quote, comment or ``{``, and no clause
    word or ``;`` outside the parentheses."""
    depth, outside = 0, []
    for ch in where:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
        elif depth == 0:
            outside.append(ch)
    if depth != 0 or any(t in where for t in ("'", '"', "--", "/*", "{")):
        return False
    return not _CLAUSE.search("".join(outside))


_EXAMPLE_QUERIES = {"unexpected_rows_query.table": "unexpected_rows_query.row_count"}


def _count_ids(metric) -> list:
    name = metric.metric_name
    if name in _EXAMPLE_QUERIES:
        names = [_EXAMPLE_QUERIES[name]]
    elif name.endswith(_EXAMPLE_SUFFIXES):
        prefix = name.rsplit(".", 1)[0]
        names = [prefix + s for s in _COUNT_SUFFIXES]
    else:
        return []
    value_kwargs = {k: v for k, v in dict(metric.metric_value_kwargs or {}).items() if k != "result_format"}
    return [MetricConfiguration(metric_name=n, metric_domain_kwargs=dict(metric.metric_domain_kwargs or {}),
                                metric_value_kwargs=value_kwargs).id for n in names]


def _only_column(expr, column: str) -> bool:
    """Every column ``expr`` reads is the unbound column ``column`` (GX's condition of a
    single-column metric, to be evaluated over another relation with that column)."""
    cols = [e for e in sa.sql.visitors.iterate(expr) if isinstance(e, sa.sql.expression.ColumnClause)]
    return bool(cols) and all(c.name == column and c.table is None for c in cols)


def _is_zero(n: Any) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n == 0


def checkpoint(conn: sa.Connection) -> None:
    """Commit the run's transaction: temporary tables survive a commit on both engines, and a
    check query that fails can then be rolled back without taking them along."""
    conn.commit()


def _refuse_connection():
    raise SecondConnectionError("Great Expectations tried to open a database connection of its own; "
                                "the checks must run on the run's session (see quality/gxengine.py)")


@lru_cache(maxsize=1)
def context():
    """One ephemeral data context per process: no files, no analytics, no progress bars."""
    if gx.__version__ != TESTED_GX_VERSION:
        log.warn(f"great-expectations {gx.__version__} is not the tested {TESTED_GX_VERSION}; "
                 "the data-quality adapter (quality/gxengine.py) may not take effect")
    from great_expectations.data_context.types.base import DataContextConfig, InMemoryStoreBackendDefaults
    cfg = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(), analytics_enabled=False)
    ctx = gx.get_context(project_config=cfg, mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return ctx


def validator(conn: sa.Connection, table_name: str, not_null: frozenset = frozenset(),
              unique: frozenset = frozenset(), values=None, row_count: int | None = None) -> Validator:
    """A GX Validator over one table of the run's session (``not_null``: columns proved never
    NULL in it, see ``RunConnectionEngine._known_not_null``; ``unique``: columns proved to
    repeat no value, see ``RunConnectionEngine._no_duplicates``)."""
    engine = RunConnectionEngine(conn, not_null, unique, values, row_count)
    data = SqlAlchemyBatchData(execution_engine=engine, table_name=table_name)
    definition = LegacyBatchDefinition(datasource_name="run", data_connector_name="session",
                                       data_asset_name=table_name, batch_identifiers=IDDict({}))
    return Validator(execution_engine=engine, batches=[Batch(data=data, batch_definition=definition)],
                     data_context=context())


def run_suite(conn: sa.Connection, table_name: str, suite: gx.ExpectationSuite, result_format: Any,
              parameters: dict[str, Any] | None = None, not_null: frozenset = frozenset(),
              unique: frozenset = frozenset(), values=None, row_count: int | None = None):
    """Validate ``suite`` on ``table_name``; returns GX's ExpectationSuiteValidationResult
    (``values``, ``row_count``: see ``RunConnectionEngine``)."""
    try:
        return validator(conn, table_name, not_null, unique, values, row_count).validate(expectation_suite=suite, result_format=result_format,
                                                    suite_parameters=parameters or {}, catch_exceptions=True)
    finally:
        finish_pending_result(conn)


def finish_pending_result(conn: sa.Connection) -> None:
    """GX reads at most 200 rows of a SQL check's result (``fetchmany``); DuckDB >= 2.0 then
    refuses some later work on the connection (``register``) until the rest is cancelled."""
    if conn.dialect.name != "duckdb":
        return
    abort = getattr(conn.connection.driver_connection, "abort", None)
    if abort is not None:
        abort()


def suite_from_json(data: dict) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(**data)
