"""The distinct-person cube (``compile_cube`` with ``unit == "person"``) against a pure-Python
count of the definition, on random small unit tables: persons spread over several cells,
unknown sex / care level, NULL stratum values, units without a person, numerator sums, sums of
squares, standardisation keys and extra sums."""
from __future__ import annotations

import itertools
import math

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indikatorer.compile.cube import STRATA_COLUMNS, Aggregation, _distinct_cube, compile_cube, unit_total

KNOWN = {"sex": ("K", "M"), "care_level": ("PV", "SSV", "PSY")}
STRATA = ["region", "sex", "age_group", "diagnosis_group", "care_level", "unit"]
COLS = {"period": sa.String, "person_key": sa.String, "unit_key": sa.String, "region_code": sa.String,
        "sex": sa.String, "age_group": sa.String, "diag_main": sa.String, "diag_sub": sa.String,
        "care_level": sa.String, "unit_id": sa.String, "flag": sa.Boolean, "value": sa.Integer,
        "std": sa.Integer, "w": sa.Integer}

row = st.fixed_dictionaries({
    "period": st.sampled_from(["2024", "2025"]),
    "person_key": st.sampled_from(["a", "b", "c", "d", "e", None]),
    "region_code": st.sampled_from(["01", "03", "99", None]),
    "sex": st.sampled_from(["K", "M", "X", None]),
    "age_group": st.sampled_from(["16-29", "30-49", None]),
    "diag_main": st.sampled_from(["F", "M", None]),
    "diag_sub": st.sampled_from(["F43", "F32", None]),
    "care_level": st.sampled_from(["PV", "PSY", "OKÄND", None]),
    "unit_id": st.sampled_from(["u1", "u2", None]),
    "flag": st.sampled_from([True, False, None]),
    "value": st.one_of(st.none(), st.integers(0, 50)),
    "std": st.sampled_from([1, 2, None]),
    "w": st.one_of(st.none(), st.integers(-3, 9)),
})


def _cat(column, v):
    return v if column not in KNOWN or v in KNOWN[column] else None


def reference(rows, strata, agg: Aggregation, flag_is_num: bool):
    """Every unit in each of its cells (its value or the total, per stratifier); a cell whose
    stratifier value is unknown/NULL does not exist; persons counted distinct per cell."""
    cells: dict[tuple, list[dict]] = {}
    for r in rows:
        levels = []
        for s in strata:
            _, lvs, total = STRATA_COLUMNS[s]
            levels.append([(total if total is not None else unit_total()) if lv is None else _cat(lv, r[lv])
                           for lv in lvs])
        for combo in itertools.product(*levels):
            if any(v is None for v in combo):
                continue
            cells.setdefault((r["period"], *combo, *[r[k] for k in agg.keys]), []).append(r)
    out = {}
    for cell, rs in cells.items():
        in_num = [(r["flag"] is True) if flag_is_num else True for r in rs]
        res: dict[str, float | None] = {}
        if agg.numerator_sum:
            per: dict = {}
            for r, n in zip(rs, in_num):
                x = per.setdefault(r["person_key"], [])
                if n and r[agg.numerator_sum] is not None:
                    x.append(r[agg.numerator_sum])
            xs = [sum(v) if v else None for v in per.values()]
            res["numerator"] = sum(x for x in xs if x is not None) if any(x is not None for x in xs) else None
            res["denominator"] = len(per)
            if agg.sum_squares:
                res["sum_squares"] = sum((x or 0) ** 2 for x in xs)
        else:
            res["denominator"] = len({r["person_key"] for r in rs} - {None})
            res["numerator"] = len({r["person_key"] for r, n in zip(rs, in_num) if n} - {None})
            for c in agg.extra_sums:
                vals = [r[c] for r in rs if r[c] is not None]
                res[f"sum_{c}"] = sum(vals) if vals else None
        out[cell] = res
    return out


_ENGINE = sa.create_engine("duckdb:///:memory:", poolclass=sa.pool.StaticPool)


def _units(conn, rows):
    md = sa.MetaData()
    t = sa.Table("units", md, *[sa.Column(c, ty) for c, ty in COLS.items()], prefixes=["TEMPORARY"])
    t.drop(conn, checkfirst=True)
    t.create(conn)
    if rows:
        conn.execute(t.insert(), [{**r, "unit_key": f"k{i}"} for i, r in enumerate(rows)])
    return t


def _run(conn, query, strata, agg):
    res = conn.execute(query)
    names = list(res.keys())
    dims = ["period", *[STRATA_COLUMNS[s][0] for s in strata], *agg.keys]
    out = {}
    for r in res.fetchall():
        d = dict(zip(names, r))
        out[tuple(d[k] for k in dims)] = {k: v for k, v in d.items() if k not in dims}
    return out


def _same(a, b):
    assert a.keys() == b.keys()
    for cell in a:
        assert a[cell].keys() == b[cell].keys(), cell
        for k, v in a[cell].items():
            w = b[cell][k]
            assert (v is None) == (w is None), (cell, k, v, w)
            if v is not None:
                assert math.isclose(v, w, rel_tol=1e-12, abs_tol=1e-9), (cell, k, v, w)


def _check(engine, rows, strata, mode, flag_is_num, keyed):
    with engine.connect() as conn:
        t = _units(conn, rows)
        agg = Aggregation(unit="person", numerator_where=t.c.flag if flag_is_num else None,
                          numerator_sum="value" if mode in ("sum", "mean") else None,
                          sum_squares=mode == "mean", keys=("std",) if keyed else (),
                          extra_sums=("w",) if mode in ("extra", "mean") else ())
        got = _run(conn, compile_cube(t, strata, agg), strata, agg)
        _same(got, reference(rows, strata, agg, flag_is_num))
        # and the expansion of every unit (the path persons went before) agrees as well
        _same(got, _run(conn, _distinct_cube(t, strata, agg), strata, agg))


units = st.lists(row, max_size=40)
some_strata = st.lists(st.sampled_from(STRATA), unique=True, max_size=4).map(lambda s: [x for x in STRATA if x in s])
modes = st.sampled_from(["count", "sum", "mean", "extra"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=units, strata=some_strata, mode=modes, flag_is_num=st.booleans(), keyed=st.booleans())
def test_person_cube_equals_distinct_count(rows, strata, mode, flag_is_num, keyed):
    _check(_ENGINE, rows, strata, mode, flag_is_num, keyed)


@pytest.fixture(scope="module")
def pg_engine(pg_url):
    engine = sa.create_engine(pg_url, poolclass=sa.pool.StaticPool)
    yield engine
    engine.dispose()


@pytest.mark.postgres
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
# the unit stratum included: its total's internal sentinel must be text PostgreSQL accepts (no NUL byte)
@given(rows=units, strata=some_strata, mode=modes,
       flag_is_num=st.booleans(), keyed=st.booleans())
def test_person_cube_on_postgres(pg_engine, rows, strata, mode, flag_is_num, keyed):
    _check(pg_engine, rows, strata, mode, flag_is_num, keyed)


def test_reference_counts_a_person_once_in_the_total():
    """The reference itself: one person in two regions and with sex 'X' and 'K' rows."""
    base = {"period": "2025", "person_key": "a", "age_group": "16-29", "diag_main": "F", "diag_sub": None,
            "care_level": "PV", "unit_id": "u1", "flag": True, "value": 3, "std": 1, "w": 1}
    rows = [{**base, "region_code": "01", "sex": "K"}, {**base, "region_code": "03", "sex": "X", "flag": False}]
    agg = Aggregation(unit="person", numerator_where=None, numerator_sum=None)
    ref = reference(rows, ["region", "sex"], agg, flag_is_num=True)
    assert ref[("2025", "00", "T")] == {"denominator": 1, "numerator": 1}
    assert ref[("2025", "03", "T")] == {"denominator": 1, "numerator": 0}
    assert ("2025", "03", "X") not in ref and ref[("2025", "00", "K")]["denominator"] == 1
    with _ENGINE.connect() as conn:
        t = _units(conn, rows)
        agg = Aggregation(unit="person", numerator_where=t.c.flag, numerator_sum=None)
        _same(_run(conn, compile_cube(t, ["region", "sex"], agg), ["region", "sex"], agg), ref)


@pytest.mark.parametrize("dialect", ["postgresql", "duckdb"])
def test_person_cube_compiles(dialect):
    from sqlalchemy.dialects import postgresql
    t = sa.table("units", *[sa.column(c) for c in COLS])
    agg = Aggregation(unit="person", numerator_where=t.c.flag, numerator_sum="value", sum_squares=True, keys=("std",))
    d = postgresql.dialect() if dialect == "postgresql" else _ENGINE.dialect
    sql = str(compile_cube(t, STRATA, agg).compile(dialect=d))
    assert "bool_or" in sql
