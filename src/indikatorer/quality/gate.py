"""The data-quality gate of a run: check the sources after they are read, remove the rows a
check excludes, check the indicator table before it is written, flag warned rows, write the
report. A critical failure writes the report and raises ``QualityError`` (exit 1) before
anything is published.

Importing this module does not import Great Expectations (about 3 s); the checks do."""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from .. import log
from ..errors import QualityError
from ..spec.layouts import load_layout
from .checks import CheckResult, SuiteRun, exclude_rows, run_suite_on_table
from .suites import INDICATORS, load_suites, parameters

FLAG_PREFIX = "dq:"


class QualityGate:
    def __init__(self, job, run_id: str, output: Path, *, command: str = "run"):
        self.job = job
        self.run_id = run_id
        self.output = Path(output)
        self.command = command
        self.started = dt.datetime.now(dt.timezone.utc)
        self.params = parameters(job.data_as_of, job.options)
        self.suites: list[SuiteRun] = []
        self.excluded: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.flagged: dict[str, int] = {}
        self.stage = "sources"
        self.backend: str | None = None
        self.seconds = 0.0

    # ------------------------------------------------------------------ results
    @property
    def results(self) -> list[CheckResult]:
        return [r for s in self.suites for r in s.results]

    @property
    def critical(self) -> list[CheckResult]:
        return [r for r in self.results if r.failed and r.severity == "critical"]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if r.failed and r.severity == "warning"]

    @property
    def status(self) -> str:
        return "failed" if self.critical else "warnings" if self.warnings else "passed"

    # ------------------------------------------------------------------ stage 1: sources
    def check_sources(self, session, sources: dict, *, exclude: bool = True) -> None:
        """Run the suite of every delivered table of every source; on a critical failure write
        the report and raise QualityError; otherwise remove the rows excluded by warnings."""
        t0 = time.perf_counter()
        self.backend = session.dialect
        suites = load_suites()
        for name, src in sources.items():
            layout = load_layout(src.kind)
            for tname, tspec in layout.tables.items():
                if tname not in src.tables:
                    self.notes.append(f"{name}.{tname}: table not delivered, not checked")
                    continue
                suite = suites.get((src.kind, tname))
                if suite is None:
                    self.notes.append(f"{name}.{tname}: no expectation suite for `{src.kind}.{tname}`")
                    continue
                loaded = src.tables[tname]
                tables = {t: lt.relation.name for t, lt in src.tables.items()}
                identifiers = {c for c, cs in tspec.columns.items() if cs.identifier}
                run = run_suite_on_table(session.conn, suite, loaded.relation.name, target=f"{name}.{tname}",
                                         params=self.params, tables=tables, identifiers=identifiers,
                                         rows=loaded.rows, source=name,
                                         not_null=getattr(loaded, "not_null", frozenset()),
                                         unique=getattr(loaded, "unique", frozenset()),
                                         values=getattr(loaded, "value_counts", None), row_count=loaded.rows)
                self.suites.append(run)
                failed = [r for r in run.results if r.failed]
                log.info(f"checked {name}.{tname}", checks=len(run.results), failed=len(failed),
                         seconds=run.seconds)
        self.seconds += time.perf_counter() - t0
        if self.critical:
            self._fail()
        if exclude:
            self._exclude(session, sources)

    def _exclude(self, session, sources: dict) -> None:
        from . import gxengine
        for run in self.suites:
            for r in run.results:
                if r.status != "failed" or r.severity != "warning" or r.source is None:
                    continue
                exp = _expectation(r)
                if not exp["meta"].get("exclude"):
                    continue
                src = sources[r.source]
                tables = {t: lt.relation.name for t, lt in src.tables.items()}
                n = exclude_rows(session.conn, run.table_name, exp, self.params, tables)
                r.excluded_rows = n
                if n:
                    self.excluded.append({"source": r.source, "table": r.table, "check": r.check,
                                          "reason": r.description, "rows": n})
                    log.info(f"excluded {n} rows of {r.target}: {r.check}")
        gxengine.checkpoint(session.conn)

    # ------------------------------------------------------------------ stage 2: the indicator table
    def check_indicators(self, session, table: pd.DataFrame) -> pd.DataFrame:
        """Check the indicator table in the run's database; on a critical failure write the
        report and raise QualityError; otherwise return the table with warnings flagged."""
        self.stage = "indicators"
        if table is None or len(table) == 0:
            self.notes.append("indicators: no rows computed, not checked")
            return table
        t0 = time.perf_counter()
        suite = load_suites().get((INDICATORS, INDICATORS))
        if suite is None:
            self.notes.append("indicators: no expectation suite")
            return table
        name = stage_frame(session, table, "qc_indicators")
        run = run_suite_on_table(session.conn, suite, name, target=INDICATORS, params=self.params, tables={},
                                 identifiers=set(), rows=len(table), id_suffix=False)
        self.suites.append(run)
        self._row_keys = _failing_rows(session, suite, name, {r.check for r in run.results if r.failed})
        session.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
        self.seconds += time.perf_counter() - t0
        log.info("checked the indicator table", checks=len(run.results),
                 failed=sum(r.failed for r in run.results), seconds=run.seconds)
        if self.critical:
            self._fail()
        return self.flag(table)

    # ------------------------------------------------------------------ flags
    def flag(self, table: pd.DataFrame) -> pd.DataFrame:
        """Add ``dq:<kind>.<table>.<check>`` to ``quality_flags`` of the rows a warning concerns:
        the rows of measures computed from the warned source kind (only the county's rows and
        Riket's when the warning names counties); indicator-table warnings flag their measures."""
        warnings = self.warnings
        if not warnings or "quality_flags" not in table:
            return table
        out = table.copy()
        variants = out["variant"].astype(str)
        kinds_of = {v: set(v.split(":", 1)[0].split("+")) for v in variants.unique()}
        extra = pd.Series("", index=out.index, dtype=object)
        out_keys = None                            # the rows' cell keys, built once when needed
        for r in warnings:
            if r.kind == INDICATORS:
                flag = f"{FLAG_PREFIX}indicators.{r.check}"
                keys = getattr(self, "_row_keys", {}).get(r.check)
                if keys is not None:               # a row-level check: exactly the rows it found
                    if out_keys is None:
                        out_keys = _key_index(out)
                    mask = pd.Series(out_keys.isin(_key_index(keys)), index=out.index)
                else:
                    mask = out["measure_id"].isin(r.measures) if r.measures else pd.Series(True, index=out.index)
            else:
                flag = f"{FLAG_PREFIX}{r.kind}.{r.table}.{r.check}"
                uses = {v for v, ks in kinds_of.items() if r.kind in ks}
                mask = variants.isin(uses)
                if r.regions:
                    mask &= out["region_code"].isin(set(r.regions) | {"00"})
            if mask.any():
                extra[mask] = extra[mask] + ";" + flag
                self.flagged[flag] = self.flagged.get(flag, 0) + int(mask.sum())
        current = out["quality_flags"].astype(object)
        combined = current.where(current.notna(), "").astype(str) + extra
        merged = {v: (";".join(sorted({f for f in v.split(";") if f})) or None) for v in combined.unique()}
        out["quality_flags"] = combined.map(merged)
        return out

    # ------------------------------------------------------------------ outcome
    def _fail(self) -> None:
        paths = self.write_report()
        names = ", ".join(r.id for r in self.critical[:5]) + (" …" if len(self.critical) > 5 else "")
        where = "sources" if self.stage == "sources" else "indicator table"
        blocked = "publication blocked, previous results kept" if self.command == "run" else "critical"
        exc = QualityError(f"{len(self.critical)} critical data-quality check(s) failed on the {where} ({names}); "
                           f"{blocked}; report: {paths['report']}")
        exc.details = self.text()          # the `validate` command prints these lines
        raise exc

    def manifest_entry(self) -> dict[str, Any]:
        counts = self._counts()
        return {"status": self.status, **counts,
                "critical_failed": [r.id for r in self.critical], "warnings": [r.id for r in self.warnings],
                "excluded_rows": self.excluded, "flagged_rows": dict(sorted(self.flagged.items())),
                "report": "quality/report.html", "summary": "quality/summary.json",
                "seconds": round(self.seconds, 3), "notes": self.notes}

    def _counts(self) -> dict[str, int]:
        res = self.results
        return {"checks": len(res), "passed": sum(r.status == "passed" for r in res),
                "failed": sum(r.status == "failed" for r in res), "errors": sum(r.status == "error" for r in res),
                "skipped": sum(r.status == "skipped" for r in res)}

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "command": self.command, "job": self.job.name,
            "data_as_of": self.job.data_as_of.isoformat(), "started_at": self.started.isoformat(),
            "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(), "status": self.status,
            "stage": self.stage, "backend": self.backend, "great_expectations": _gx_version(),
            "overview": {**self._counts(),
                         "critical_failed": len(self.critical), "warnings_failed": len(self.warnings)},
            "parameters": self.params,
            "suites": [{"suite": s.suite, "target": s.target, "rows": s.rows, "seconds": s.seconds,
                        "checks": len(s.results), "passed": sum(r.status == "passed" for r in s.results),
                        "failed": sum(r.failed for r in s.results)} for s in self.suites],
            "checks": [r.as_dict() for r in self.results],
            "excluded_rows": self.excluded, "flagged_rows": dict(sorted(self.flagged.items())),
            "notes": self.notes,
        }

    def write_report(self) -> dict[str, Path]:
        from .report import write_report
        return write_report(self.output / "quality", self.summary())

    def text(self) -> str:
        """A few plain lines for the terminal."""
        c = self._counts()
        lines = [f"data quality: {self.status} — {c['checks']} checks, {c['passed']} passed, "
                 f"{c['failed']} failed, {c['errors']} errors"]
        for s in self.suites:
            bad = [r for r in s.results if r.failed]
            rows = f"{s.rows} rows" if s.rows is not None else ""
            lines.append(f"{'ok  ' if not bad else 'FAIL' if any(r.severity == 'critical' for r in bad) else 'warn'} "
                         f"{s.target}: {rows}, {len(s.results)} checks, {len(bad)} failed ({s.seconds:.2f} s)")
            for r in bad:
                n = f" — {r.unexpected_count} unexpected" if r.unexpected_count is not None else ""
                lines.append(f"     {r.severity}: {r.check}{n}{(' — ' + r.error) if r.error else ''}")
        lines += [f"note: {n}" for n in self.notes]
        lines.append(f"report: {self.output / 'quality' / 'report.html'}")
        return "\n".join(lines)


def _gx_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("great-expectations")
    except PackageNotFoundError:
        return None


def _expectation(r: CheckResult) -> dict:
    suite = load_suites()[(r.kind, r.table)]
    return next(e for e in suite.data["expectations"] if e["meta"]["check"] == r.check)


_ROW_KEYS = ["measure_id", "variant", "period", "region_code", "sex", "age_group", "diagnosis_group", "care_level",
             "unit_id"]


def _key_index(frame: pd.DataFrame) -> pd.MultiIndex:
    """The rows' cell keys (missing as ""), for a vectorised ``isin`` between two frames."""
    arrays = []
    for c in _ROW_KEYS:
        col = frame[c]
        if not pd.api.types.is_string_dtype(col.dtype):
            col = col.astype(object)
        arrays.append(col.where(col.notna(), "").astype(str))
    return pd.MultiIndex.from_arrays(arrays)


def _failing_rows(session, suite, table: str, failed: set[str]) -> dict[str, pd.DataFrame]:
    """For failed row-level warnings (``meta.per: row`` with an ``unexpected_rows_query``),
    the cell keys of the rows the query finds, so that only those rows are flagged."""
    out = {}
    for exp in suite.data.get("expectations", []):
        meta, query = exp.get("meta", {}), exp.get("kwargs", {}).get("unexpected_rows_query")
        if meta.get("check") not in failed or meta.get("per") != "row" or not query or "FROM {batch}" not in query:
            continue
        where = query.split("FROM {batch}", 1)[1]
        result = session.execute(sa.text(f"SELECT {', '.join(_ROW_KEYS)} FROM {table}{where}"))
        out[meta["check"]] = pd.DataFrame([tuple(r) for r in result.fetchall()], columns=_ROW_KEYS)
    return out


def stage_frame(session, frame: pd.DataFrame, prefix: str) -> str:
    """Copy a (small) DataFrame into a temporary table of the run's session; its name."""
    name = session.new_name(prefix)
    if session.is_duckdb:
        import pyarrow as pa
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        raw = session.conn.connection.driver_connection
        view = f"{name}_arrow"
        raw.register(view, arrow)
        try:
            session.execute(sa.text(f"CREATE TEMPORARY TABLE {name} AS SELECT * FROM {view}"))
        finally:
            raw.unregister(view)
        return name
    cols = []
    for c in frame.columns:
        dtype = frame[c].dtype
        if pd.api.types.is_bool_dtype(dtype):
            t = sa.Boolean
        elif pd.api.types.is_integer_dtype(dtype):
            t = sa.BigInteger
        elif pd.api.types.is_float_dtype(dtype):
            t = sa.Float(53)
        else:
            sample = frame[c].dropna()
            first = sample.iloc[0] if len(sample) else None
            t = sa.Date if isinstance(first, dt.date) and not isinstance(first, dt.datetime) else \
                sa.Boolean if isinstance(first, bool) else sa.Text
        cols.append(sa.Column(str(c), t))
    table = sa.Table(name, sa.MetaData(), *cols, prefixes=["TEMPORARY"])
    table.create(session.conn)
    columns = {str(c): [None if _missing(v) else v for v in frame[c].tolist()] for c in frame.columns}
    records = [dict(zip(columns, vals)) for vals in zip(*columns.values())]
    for i in range(0, len(records), 10_000):
        session.conn.execute(table.insert(), records[i:i + 10_000])
    return name


def _missing(v) -> bool:
    try:
        return v is None or v is pd.NA or (isinstance(v, float) and v != v)
    except TypeError:
        return False
