"""Profile engine steps on a data set with the engine's own API (no change to src/):
every SQL statement the engine sends is timed (wall and process CPU) and attributed to the
step that sent it.

    python bench/profile_engine.py DATA_DIR [--steps read,cases,7x,pas] [--explain]

``--sources intygsstatistik,population --measures 7.1,N.2`` loads further sources and
evaluates further measures (every variant whose sources are loaded).
Steps: ``read`` (load the sources: midas, and pas with --steps pas), ``quality`` (the
data-quality suites of the loaded sources, one statement per check), ``cases`` (the MiDAS
case builder: case_periods, cases — and the net-days subquery on its own), ``7x`` (each 7.x
measure's query), ``pas`` (PAS-linked bases: the code scan, coverage regions, 4.1).
Prints one JSON line per statement (step, seconds, cpu, first 160 characters of SQL) and a
summary. ``--memory-limit 3GB`` sets DuckDB's memory_limit first. ``--explain`` also writes EXPLAIN ANALYZE of the slowest statements to
bench/out/profile/."""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

from indikatorer.engine.context import RunContext
from indikatorer.engine.evaluate import evaluate, plan_variants
from indikatorer.engine.options import resolve_options
from indikatorer.engine.session import open_session
from indikatorer.job import load_job
from indikatorer.sources import load_source
from indikatorer.spec.measures import load_catalogue, resolve_strata, select_measures

STEP = ["-"]
STATS: list[dict] = []


def instrument(session) -> None:
    conn = session.conn
    real_execute, real_driver = conn.execute, conn.exec_driver_sql

    def record(kind, stmt, fn, *a, **k):
        t0, c0 = time.perf_counter(), time.process_time()
        res = fn(stmt, *a, **k)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        try:
            text = str(stmt.compile(dialect=session.engine.dialect, compile_kwargs={"literal_binds": True})) \
                if not isinstance(stmt, str) else stmt
        except Exception:  # noqa: BLE001
            text = str(stmt)
        STATS.append({"step": STEP[0], "seconds": round(dt, 3), "cpu": round(dc, 3), "sql": text})
        return res

    conn.execute = lambda stmt, *a, **k: record("sa", stmt, real_execute, *a, **k)
    conn.exec_driver_sql = lambda stmt, *a, **k: record("drv", stmt, real_driver, *a, **k)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir")
    ap.add_argument("--steps", default="read,cases,7x")
    ap.add_argument("--sources", default="", help="further source kinds to load (e.g. intygsstatistik,population)")
    ap.add_argument("--measures", default="", help="further measure ids to evaluate on the loaded sources")
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--memory-limit", help="SET memory_limit first (e.g. 3GB): what a bounded buffer costs")
    a = ap.parse_args(argv)
    steps = set(a.steps.split(","))
    job = load_job(Path(a.data_dir) / "job.yaml")
    kinds = {"midas", *(["pas"] if "pas" in steps else []), *[k for k in a.sources.split(",") if k]}
    names = [n for n, s in job.sources.items() if s.kind in kinds]
    with open_session(None) as session:
        if a.memory_limit:
            session.conn.exec_driver_sql(f"SET memory_limit = '{a.memory_limit}'")
        instrument(session)
        sources = {}
        for n in names:
            STEP[0] = f"read {n}"
            sources[n] = load_source(session, job, n)
        if "quality" in steps:
            import tempfile
            from indikatorer.quality import QualityGate
            for n, src in sources.items():
                STEP[0] = f"quality {n}"
                with tempfile.TemporaryDirectory() as tmp:
                    QualityGate(job, "profile", Path(tmp)).check_sources(session, {n: src}, exclude=False)
        ctx = RunContext(job, session, sources, job.period_list)
        midas = next(s for s in sources.values() if s.kind == "midas")
        if "cases" in steps or "7x" in steps or "pas" in steps:
            STEP[0] = "cases"
            ct = ctx.cases(midas, 5)
            if "cases" in steps:
                from indikatorer.cases.build import _net_days
                STEP[0] = "cases: net days alone"
                session.execute(sa.select(sa.func.count()).select_from(_net_days(ct.periods).subquery()))
        cat = load_catalogue(None)
        todo = []
        if "7x" in steps:
            todo += select_measures(["7.1", "7.2", "7.3", "7.4", "7.5"], cat)
        if "pas" in steps:
            todo += select_measures(["2.2", "4.1", "4.1v", "4.2", "5.1", "N.1"], cat)
        if a.measures:
            todo += select_measures([m for m in a.measures.split(",") if m], cat)
        for spec in todo:
            opts = resolve_options(spec, job)
            strata = resolve_strata(spec, job.strata)
            for plan in plan_variants(ctx, spec):
                if any(k not in kinds for k in plan.entry):
                    continue
                STEP[0] = f"{spec.id} {plan.variant}"
                try:
                    evaluate(ctx, spec, plan, opts, strata)
                except Exception as exc:  # noqa: BLE001
                    STATS.append({"step": STEP[0], "error": str(exc)[:200]})
        if a.explain:
            out = Path(__file__).parent / "out" / "profile"
            out.mkdir(parents=True, exist_ok=True)
            STEP[0] = "explain analyze (not counted)"
            slow = sorted([s for s in STATS if s.get("sql", "").lstrip().upper().startswith(("SELECT", "CREATE"))],
                          key=lambda s: -s["seconds"])[:6]
            for i, s in enumerate(slow):
                sql = s["sql"]
                if sql.upper().startswith("CREATE"):
                    sql = sql[sql.upper().index(" AS ") + 4:]
                plan = session.conn.exec_driver_sql("EXPLAIN ANALYZE " + sql).fetchall()
                (out / f"slow{i}.txt").write_text(f"-- {s['step']} {s['seconds']} s\n{sql}\n\n"
                                                  + "\n".join(str(r[1]) for r in plan))
    by_step = defaultdict(lambda: [0.0, 0.0, 0])
    for s in STATS:
        if "seconds" in s and not s["step"].startswith("explain"):
            b = by_step[s["step"]]
            b[0] += s["seconds"]
            b[1] += s["cpu"]
            b[2] += 1
            print(json.dumps({**s, "sql": " ".join(s["sql"].split())[:160]}))
    print(json.dumps({"summary": {k: {"seconds": round(v[0], 2), "cpu": round(v[1], 2), "statements": v[2]}
                                  for k, v in by_step.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
