"""Evidence for a proposed engine fix (src/indikatorer/compile/bases_pas.py): what one scan of
the PAS contacts costs, per measure variant, versus a once-per-run table of the contacts that
carry any code of the catalogue's KVÅ lists.

    python bench/proto_pas_scan.py DATA_DIR

Then evaluates the person-linked measures on ``linked_cases`` (4.1, 4.2, 5.1; every
midas+pas variant) twice — on the PAS table as read, and with the table swapped for the hits
table (what a per-run cache in ``linked_cases_base`` would give) — checks the cells are
identical and prints both timings.

Loads the pas source as a run does (a normalising view over the Parquet file) and times:
the code scan ``linked_cases`` does for every variant (``has_any_code(op, codes)``), the
coverage-region scan (``SELECT DISTINCT known_region(lan_kod)``), building a hits table for
all code lists at once, and the same code filter on that hits table."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from indikatorer.compile.bases_pas import has_any_code
from indikatorer.compile.groups import known_region
from indikatorer.engine.session import open_session
from indikatorer.job import load_job
from indikatorer.sources import load_source
from indikatorer.spec.codelists import kva_codes


def t(session, label, stmt):
    t0, c0 = time.perf_counter(), time.process_time()
    res = session.execute(stmt)
    rows = res.fetchall() if res.returns_rows else []
    print(json.dumps({"step": label, "seconds": round(time.perf_counter() - t0, 2),
                      "cpu": round(time.process_time() - c0, 2), "rows": len(rows),
                      "first": str(rows[0]) if rows else None}), flush=True)


def main() -> int:
    data = Path(sys.argv[1])
    job = load_job(data / "job.yaml")
    with open_session(None) as session:
        sources = {n: load_source(session, job, n) for n, s in job.sources.items() if s.kind in ("midas", "pas")}
        k = next(s for s in sources.values() if s.kind == "pas").table("kontakter")
        lists = ["rehab_plan", "rehab_plan_followup", "employer_participation", "rehab_coordination"]
        every = sorted({c for lst in lists for c in kva_codes(lst)})
        t(session, "rows", sa.select(sa.func.count()).select_from(k))
        t(session, "code scan (one list, as linked_cases per variant)",
          sa.select(sa.func.count()).select_from(k).where(has_any_code(k.c.op, kva_codes("rehab_plan"))))
        t(session, "coverage regions scan (as linked_cases per variant)",
          sa.select(known_region(k.c.lan_kod)).distinct())
        session.execute(sa.text("CREATE TEMPORARY TABLE pas_hits AS " + str(
            sa.select(k.c.person_id, k.c.kontaktdatum, sa.func.upper(k.c.kontakttyp).label("kontakttyp"), k.c.op)
            .where(has_any_code(k.c.op, every)).compile(session.engine, compile_kwargs={"literal_binds": True}))))
        h = sa.table("pas_hits", sa.column("person_id"), sa.column("kontaktdatum"), sa.column("op"))
        t(session, "hits table rows (all lists; built once per run)", sa.select(sa.func.count()).select_from(h))
        t(session, "code filter on the hits table",
          sa.select(sa.func.count()).select_from(h).where(has_any_code(h.c.op, kva_codes("rehab_plan"))))

        # the linked measures on the full table, then on a hits table with every column
        from indikatorer.engine.context import RunContext
        from indikatorer.engine.evaluate import evaluate, plan_variants
        from indikatorer.engine.options import resolve_options
        from indikatorer.spec.measures import load_catalogue, resolve_strata, select_measures
        ctx = RunContext(job, session, sources, job.period_list)
        ctx.cases(next(s for s in sources.values() if s.kind == "midas"), 5)
        specs = select_measures(["4.1", "4.2", "5.1"], load_catalogue(None))
        pas = next(s for s in sources.values() if s.kind == "pas")
        full = pas.tables["kontakter"].relation
        t0 = time.perf_counter()
        hits = session.materialize("pas_hits_all_columns", sa.select(full).where(has_any_code(full.c.op, every)))
        build = time.perf_counter() - t0
        print(json.dumps({"step": "hits table with every column (once per run)", "seconds": round(build, 2)}))
        ok = True
        for spec in specs:
            opts, strata = resolve_options(spec, job), resolve_strata(spec, job.strata)
            for plan in plan_variants(ctx, spec):
                if plan.entry != ("midas", "pas"):
                    continue
                res = {}
                for label, rel in (("full", full), ("hits", hits)):
                    pas.tables["kontakter"].relation = rel
                    t0, c0 = time.perf_counter(), time.process_time()
                    cells = evaluate(ctx, spec, plan, opts, strata)
                    res[label] = (cells.frame.sort_values(list(cells.frame.columns[:-2])).reset_index(drop=True),
                                  time.perf_counter() - t0, time.process_time() - c0)
                pas.tables["kontakter"].relation = full
                same = res["full"][0].equals(res["hits"][0])
                ok &= same
                print(json.dumps({"measure": spec.id, "variant": plan.variant, "identical": same,
                                  "full_table_s": round(res["full"][1], 2), "full_table_cpu": round(res["full"][2], 2),
                                  "hits_table_s": round(res["hits"][1], 2), "hits_table_cpu": round(res["hits"][2], 2)}),
                      flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
