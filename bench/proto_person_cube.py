"""Prototype of a proposed engine fix (for src/indikatorer/compile/cube.py), proved here on
the engine's own tables: counting *distinct persons* in the strata cube without expanding
every unit row.

    python bench/proto_person_cube.py DATA_DIR

Today ``compile_cube`` expands every unit row of a person measure to each of its cube cells
(region × sex × age × diagnosis levels: up to 24 rows) and counts distinct persons per cell
(``count(DISTINCT person_key)``) — the slowest part of 7.1 persons, 7.3, 7.5, 4.x, 5.1.
``person_cube`` below first reduces the units to one row per (period, person, finest cell)
(``bool_or`` of the numerator flag, per-person sum of the numerator column); a person with a
single such row in the period lies in exactly one finest cell, so these persons are simply
*counted* by the additive cube (pre-aggregated to the finest cells, then margins summed);
only the few persons spread over several finest cells go through the distinct expansion.
The two parts are disjoint by person, so the cell counts add up.

For 7.1 (variant persons), 7.3 and 7.5 this script builds the engine's base relation
exactly as a run does (``base_relation`` + exclusions + denominator filter), materialises
the units, and runs both the engine's ``compile_cube`` and ``person_cube``: it checks that
the cells are identical and prints both timings as JSON lines.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from indikatorer.compile.bases import base_relation
from indikatorer.compile.cube import Aggregation, STRATA_COLUMNS, compile_cube
from indikatorer.compile.predicates import compile_predicate
from indikatorer.engine.context import RunContext
from indikatorer.engine.evaluate import plan_variants, source_for
from indikatorer.engine.options import resolve_options
from indikatorer.engine.session import open_session
from indikatorer.job import load_job
from indikatorer.sources import load_source
from indikatorer.spec.measures import load_catalogue, resolve_strata, select_measures


def person_cube(rel, strata: list[str], agg: Aggregation) -> sa.Select:
    """Same cells as ``compile_cube(rel, strata, agg)`` for ``agg.unit == "person"``."""
    assert agg.unit == "person" and not agg.extra_sums
    fine = list(dict.fromkeys(lv for s in strata for lv in STRATA_COLUMNS[s][1] if lv is not None))
    key = [rel.c.period, *[rel.c[c] for c in fine], *[rel.c[k] for k in agg.keys]]
    in_num = agg.numerator_where if agg.numerator_where is not None else sa.true()
    cols = [*key, rel.c.person_key, sa.func.bool_or(in_num).label("in_num")]
    if agg.numerator_sum:
        cols.append(sa.func.sum(sa.case((in_num, rel.c[agg.numerator_sum]))).label(agg.numerator_sum))
    per = sa.select(*cols).group_by(*key, rel.c.person_key).subquery("per_person_cell")
    spread = (sa.select(per.c.period, per.c.person_key).group_by(per.c.period, per.c.person_key)
              .having(sa.func.count() > 1).subquery("spread"))
    is_spread = sa.exists().where(spread.c.period == per.c.period, spread.c.person_key == per.c.person_key)
    single = sa.select(per).where(sa.not_(is_spread)).subquery("single")
    multi = sa.select(per, per.c.person_key.label("unit_key")).where(is_spread).subquery("multi")
    # persons in one finest cell: one row each, counted like cases
    additive = compile_cube(single, strata, Aggregation(
        unit="row", numerator_where=single.c.in_num, numerator_sum=agg.numerator_sum,
        sum_squares=agg.sum_squares, keys=agg.keys))
    # persons spread over several finest cells: expanded and counted distinct, as today
    distinct = compile_cube(multi, strata, Aggregation(
        unit="person", numerator_where=multi.c.in_num, numerator_sum=agg.numerator_sum,
        sum_squares=agg.sum_squares, keys=agg.keys))
    both = sa.union_all(additive, distinct).subquery("both")
    dims = [both.c.period, *[both.c[STRATA_COLUMNS[s][0]] for s in strata], *[both.c[k] for k in agg.keys]]
    out = [*dims, sa.func.sum(both.c.numerator).label("numerator"),
           sa.func.sum(both.c.denominator).label("denominator")]
    if "sum_squares" in both.c:
        out.append(sa.func.sum(both.c.sum_squares).label("sum_squares"))
    return sa.select(*out).group_by(*dims)


def timed(session, query) -> tuple[pd.DataFrame, float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    res = session.execute(query)
    frame = pd.DataFrame.from_records([tuple(r) for r in res.fetchall()], columns=list(res.keys()))
    return frame, time.perf_counter() - t0, time.process_time() - c0


def main(argv=None) -> int:
    data = Path((argv or sys.argv[1:])[0])
    job = load_job(data / "job.yaml")
    with open_session(None) as session:
        sources = {n: load_source(session, job, n) for n, s in job.sources.items() if s.kind == "midas"}
        ctx = RunContext(job, session, sources, job.period_list)
        cat = load_catalogue(None)
        ok = True
        for spec in select_measures(["7.1", "7.3", "7.5"], cat):
            options, strata = resolve_options(spec, job), resolve_strata(spec, job.strata)
            for plan in plan_variants(ctx, spec):
                var = plan.override
                unit = (var.unit if var and var.unit else None) or spec.unit
                if unit != "person":
                    continue
                window = (var.window if var and var.window else None) or spec.window
                num = (var.numerator if var and var.numerator else None) or spec.numerator
                den = (var.denominator if var and var.denominator else None) or spec.denominator
                rel = base_relation(spec.base, ctx, source_for(spec.base, plan), window, options).subquery("base")
                conds = [sa.not_(sa.func.coalesce(compile_predicate(e.where, rel, options, spec.id), False))
                         for e in spec.exclude]
                dp = compile_predicate(den.where, rel, options, spec.id)
                conds += [dp] if dp is not None else []
                units = session.materialize(session.new_name("proto_units"), sa.select(rel).where(*conds))
                agg = Aggregation(unit="person", numerator_where=compile_predicate(num.where, units, options, spec.id),
                                  numerator_sum=num.sum, sum_squares=spec.statistic == "mean")
                a, ta, ca = timed(session, compile_cube(units, strata, agg))
                b, tb, cb = timed(session, person_cube(units, strata, agg))
                keys = [c for c in a.columns if c not in ("numerator", "denominator", "sum_squares")]
                m = a.merge(b, on=keys, how="outer", suffixes=("_a", "_b"), indicator=True)
                same = bool((m["_merge"] == "both").all()) and all(
                    ((m[f"{c}_a"].fillna(0) - m[f"{c}_b"].fillna(0)).abs() < 1e-6).all()
                    for c in ("numerator", "denominator", "sum_squares") if f"{c}_a" in m)
                ok &= same
                n_units = session.scalar(sa.select(sa.func.count()).select_from(units))
                print(json.dumps({"measure": spec.id, "variant": plan.variant, "units": n_units, "cells": len(a),
                                  "identical": same, "compile_cube_s": round(ta, 2), "compile_cube_cpu": round(ca, 2),
                                  "person_cube_s": round(tb, 2), "person_cube_cpu": round(cb, 2)}), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
