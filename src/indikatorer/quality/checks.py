"""Run one suite on one table of the run's session and turn GX's results into plain
``CheckResult`` records (no GX objects leave this module); exclusions of failing rows.

Person-identifying values never leave the database through here: for checks on identifier
columns (a layout's ``identifier: person`` columns and every ``*_id`` column) only counts are
kept; example rows of SQL checks lose such columns; error texts lose quoted values."""
from __future__ import annotations

import re
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from .suites import SQL_EXPECTATIONS, MissingTable, SuiteFile, bind_expectation

MAX_EXAMPLES = 5


@dataclass
class CheckResult:
    suite: str                       # suite name, e.g. midas.perioder
    target: str                      # what was checked: <source>.<table>, or `indicators`
    check: str
    expectation: str                 # GX expectation type
    severity: str
    description: str
    status: str                      # passed | failed | error | skipped
    columns: list[str] = field(default_factory=list)
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    allowed_percent: float | None = None       # from GX `mostly`
    observed: Any = None
    examples: list[Any] | None = None
    examples_withheld: bool = False
    error: str | None = None
    excluded_rows: int = 0
    regions: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    kind: str | None = None
    table: str | None = None
    source: str | None = None

    @property
    def id(self) -> str:
        return f"{self.target}/{self.check}"

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "error")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["id"] = self.id
        return d


@dataclass
class SuiteRun:
    suite: str
    target: str
    table_name: str
    rows: int | None
    seconds: float
    results: list[CheckResult]


def run_suite_on_table(conn: sa.Connection, suite: SuiteFile, table_name: str, *, target: str,
                       params: dict[str, Any], tables: dict[str, str], identifiers: set[str],
                       rows: int | None, source: str | None = None, id_suffix: bool = True,
                       not_null: frozenset = frozenset(), unique: frozenset = frozenset(), values=None,
                       row_count: int | None = None) -> SuiteRun:
    """Validate ``suite`` on the session table ``table_name`` with GX (imported here).

    ``identifiers``: columns whose values are never kept; with ``id_suffix`` also every
    ``*_id`` column (source tables; the indicator table's ids name measures and units).
    ``not_null``: columns the reader proved never NULL (their NULL counts are not re-scanned);
    ``unique``: columns the reader proved to repeat no value (their duplicates are not counted);
    ``values``: the reader's value counts of the table's low-cardinality columns
    (``sources.values``; their per-value checks are counted there); ``row_count``: the table's
    row count, when known (not counted again)."""
    from . import gxengine

    t0 = time.perf_counter()
    metas: dict[str, dict] = {}
    bound: dict[str, list[dict]] = {"summary": [], "complete": []}
    results: list[CheckResult] = []
    for exp in suite.data["expectations"]:
        meta = exp["meta"]
        base = _result(suite, target, exp, source)
        try:
            b = bind_expectation(exp, params, tables)
        except MissingTable as mt:
            base.status = "skipped"
            base.error = f"table `{mt.table}` of the source was not delivered"
            results.append(base)
            continue
        metas[meta["check"]] = exp
        bound["complete" if exp["type"] in SQL_EXPECTATIONS else "summary"].append(b)
    formats = {"summary": {"result_format": "SUMMARY", "partial_unexpected_count": 20},
               "complete": {"result_format": "COMPLETE"}}
    gxengine.checkpoint(conn)
    for group, exps in bound.items():
        if not exps:
            continue
        gx_suite = gxengine.suite_from_json({"name": suite.name, "expectations": exps})
        outcome = gxengine.run_suite(conn, table_name, gx_suite, formats[group], params, not_null, unique,
                                     values, row_count)
        for r in outcome.results:
            check = (r.expectation_config.meta or {}).get("check")
            exp = metas[check]
            results.append(_convert(suite, target, exp, r, _Identifiers(identifiers, id_suffix), rows, source))
    for r in results:       # every county / measure a failing SQL check names (GX returns at most 200 rows)
        if r.status == "failed" and r.expectation in SQL_EXPECTATIONS:
            exp = metas[r.check]
            column = exp["meta"].get("region_column") or ("measure_id" if r.measures else None)
            if column:
                values = distinct_values(conn, bind_expectation(exp, params, tables), table_name, column)
                if exp["meta"].get("region_column"):
                    r.regions = values
                else:
                    r.measures = values
    order = {e["meta"]["check"]: i for i, e in enumerate(suite.data["expectations"])}
    results.sort(key=lambda c: order.get(c.check, 0))
    return SuiteRun(suite.name, target, table_name, rows, round(time.perf_counter() - t0, 3), results)


def _result(suite: SuiteFile, target: str, exp: dict, source: str | None) -> CheckResult:
    meta, kw = exp["meta"], exp.get("kwargs", {})
    cols = [c for c in (kw.get("column"), kw.get("column_A"), kw.get("column_B")) if c] + list(kw.get("column_list") or [])
    mostly = kw.get("mostly")
    return CheckResult(suite=suite.name, target=target, check=meta["check"], expectation=exp["type"],
                       severity=meta["severity"], description=meta["description"], status="passed",
                       columns=cols, allowed_percent=round((1 - float(mostly)) * 100, 4) if mostly is not None else None,
                       kind=suite.kind, table=suite.table, source=source)


def _convert(suite: SuiteFile, target: str, exp: dict, r, identifiers: "_Identifiers", rows: int | None,
             source: str | None) -> CheckResult:
    c = _result(suite, target, exp, source)
    res = dict(r.result or {})
    err = _error_text(r.exception_info)
    if err:
        c.status, c.error = "error", err
        return c
    c.status = "passed" if r.success else "failed"
    withheld = any(_is_identifier(col, identifiers) for col in c.columns)
    if exp["type"] in SQL_EXPECTATIONS:
        n = res.get("observed_value")
        c.unexpected_count = int(n) if n is not None else None
        per = exp["meta"].get("per", "row")
        if per == "row" and rows:
            c.element_count = rows
            c.unexpected_percent = round(100.0 * (c.unexpected_count or 0) / rows, 4)
        detail_rows = (res.get("details") or {}).get("unexpected_rows") or []
        shown, dropped = [], False
        for row in detail_rows:
            d = dict(row) if not isinstance(row, dict) else row
            keep = {k: _plain(v) for k, v in d.items() if not _is_identifier(str(k), identifiers)}
            dropped = dropped or len(keep) < len(d)
            shown.append(keep)
        region_col = exp["meta"].get("region_column")
        if region_col:
            c.regions = sorted({str(d.get(region_col)) for d in shown if d.get(region_col) is not None})
        if "measure_id" in (shown[0] if shown else {}):
            c.measures = sorted({str(d["measure_id"]) for d in shown})
        c.examples = shown[:MAX_EXAMPLES] if any(shown) else None
        c.examples_withheld = dropped
        return c
    if "element_count" in res:
        c.element_count = res.get("element_count")
        c.unexpected_count = res.get("unexpected_count")
        pct = res.get("unexpected_percent")
        c.unexpected_percent = round(float(pct), 4) if pct is not None else None
        values = res.get("partial_unexpected_counts") or []
        if withheld:
            c.examples_withheld = bool(c.unexpected_count)
        elif values:
            c.examples = [{"value": _plain(v.get("value")), "count": v.get("count")} for v in values][:MAX_EXAMPLES]
        elif res.get("partial_unexpected_list"):
            c.examples = [_plain(v) for v in res["partial_unexpected_list"]][:MAX_EXAMPLES]
    else:
        obs = res.get("observed_value")
        c.observed = _plain(obs)
        details = res.get("details") or {}
        mism = details.get("mismatched")
        if mism:
            c.examples = [{k: _plain(v) for k, v in mism.items()}]
    return c


class _Identifiers:
    def __init__(self, names: set[str], id_suffix: bool):
        self.names, self.id_suffix = set(names), id_suffix

    def __contains__(self, column: str) -> bool:
        return column in self.names or (self.id_suffix and column.lower().endswith("_id"))


def _is_identifier(column: str, identifiers) -> bool:
    return column in identifiers


def _plain(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return str(v)


_QUOTED = re.compile(r"'[^']*'")         # values are single-quoted; "identifiers" stay


def _error_text(info: Any) -> str | None:
    """The first line of the first error GX caught, with quoted values removed (a database
    error can quote a value it could not convert)."""
    if not info:
        return None
    candidates = [info] + [v for v in info.values() if isinstance(v, dict)] if isinstance(info, dict) else []
    for d in candidates:
        if d.get("raised_exception") or (d.get("exception_message") and d is not info):
            msg = str(d.get("exception_message") or "error").strip().splitlines()
            text = msg[0] if msg else "error"
            return _QUOTED.sub("'…'", text)[:300]
    return None


def distinct_values(conn: sa.Connection, bound: dict, table_name: str, column: str) -> list[str]:
    """The distinct values of ``column`` in the rows a (bound) SQL expectation returns."""
    q = bound["kwargs"]["unexpected_rows_query"].replace("{batch}", table_name)
    rows = conn.execute(sa.text(f"SELECT DISTINCT {column} FROM ({q}) AS unexpected")).fetchall()
    return sorted(str(r[0]) for r in rows if r[0] is not None)


# ------------------------------------------------------------------ exclusions
def exclusion_predicate(exp: dict, table: sa.TableClause, bound_query: str | None = None):
    """The SQL predicate naming the rows a failing `exclude: true` expectation rejects."""
    kw = exp["kwargs"]
    t = exp["type"]
    if t == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = table.c[kw["column_A"]], table.c[kw["column_B"]]
        bad = a < b if kw.get("or_equal") else a <= b
        return sa.and_(a.is_not(None), b.is_not(None), bad)
    if t == "expect_column_values_to_be_in_set":
        col = table.c[kw["column"]]
        return sa.and_(col.is_not(None), col.not_in(list(kw["value_set"])))
    if t == "unexpected_rows_expectation":
        q = (bound_query or kw["unexpected_rows_query"]).replace("{batch}", table.name)
        return table.c["_row"].in_(sa.select(sa.column("_row")).select_from(sa.text(f"({q}) AS excluded")))
    raise ValueError(f"cannot exclude rows for {t}")


def exclude_rows(conn: sa.Connection, table_name: str, exp: dict, params: dict, tables: dict[str, str]) -> int:
    """Remove the rows that fail ``exp`` from the session relation; returns how many. A table
    loses them (DELETE); a view (Parquet read in place) is renamed and replaced by a view of
    its rows that pass (the predicate inlined as literals: view DDL takes no parameters)."""
    b = bind_expectation(exp, params, tables)
    cols = {k for k in (b["kwargs"].get("column"), b["kwargs"].get("column_A"), b["kwargs"].get("column_B")) if k}

    def rel(name: str) -> sa.TableClause:
        return sa.table(name, *[sa.column(c) for c in sorted(cols | {"_row"})])

    query = b["kwargs"].get("unexpected_rows_query")
    table = rel(table_name)
    pred = exclusion_predicate(b, table, query)
    n = conn.execute(sa.select(sa.func.count()).select_from(table).where(pred)).scalar() or 0
    if not n:
        return 0
    if not _is_view(conn, table_name):
        conn.execute(sa.delete(table).where(pred))
        return int(n)
    base = f"{table_name}_all_{uuid.uuid4().hex[:8]}"
    conn.execute(sa.text(f"ALTER VIEW {table_name} RENAME TO {base}"))
    before = rel(base)
    keep = sa.select(sa.text("*")).select_from(before).where(
        sa.not_(sa.func.coalesce(exclusion_predicate(b, before, query), False)))
    sql = keep.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    conn.execute(sa.text(f"CREATE TEMPORARY VIEW {table_name} AS {sql}"))
    return int(n)


def _is_view(conn: sa.Connection, name: str) -> bool:
    kind = conn.execute(sa.text(
        "SELECT table_type FROM information_schema.tables WHERE table_name = :t AND "
        "(table_catalog = 'temp' OR table_schema LIKE 'pg\\_temp\\_%')"), {"t": name}).scalar()
    return str(kind or "").upper() == "VIEW"
