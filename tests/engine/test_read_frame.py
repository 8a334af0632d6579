"""read_frame on DuckDB (column-wise fetch) gives the frame of the row-wise reader it replaced
(``from_records``): the same values and dtypes for strings, integers with and without NULLs,
doubles, booleans and dates; decimals as the same floats."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st

from indikatorer.engine.context import RunContext
from indikatorer.engine.evaluate import read_frame
from indikatorer.engine.session import open_session

row_st = st.tuples(st.one_of(st.none(), st.sampled_from(["a", "b", "\x1fall", "ÅÄÖ"])),
                   st.one_of(st.none(), st.integers(-10**9, 10**9)), st.integers(0, 10**6),
                   st.one_of(st.none(), st.floats(-1e6, 1e6)), st.one_of(st.none(), st.booleans()), st.booleans(),
                   st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))),
                   st.one_of(st.none(), st.decimals(-10**6, 10**6, places=2)))
COLUMNS = ("s", "i_null", "i", "f", "b_null", "b", "d", "dec")


def _rows_reader(session, query) -> pd.DataFrame:
    result = session.execute(query)
    return pd.DataFrame.from_records([tuple(r) for r in result.fetchall()], columns=list(result.keys()))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(row_st, min_size=1, max_size=15))
def test_read_frame_equals_the_row_reader(rows):
    with open_session(None) as session:
        session.execute(sa.text("CREATE TEMPORARY TABLE t (s VARCHAR, i_null BIGINT, i INTEGER, f DOUBLE, "
                                "b_null BOOLEAN, b BOOLEAN, d DATE, dec DECIMAL(12, 2))"))
        for r in rows:
            session.execute(sa.text("INSERT INTO t VALUES (:s, :i_null, :i, :f, :b_null, :b, :d, :dec)"),
                            dict(zip(COLUMNS, r)))
        t = sa.table("t", *[sa.column(c) for c in COLUMNS])
        query = sa.select(*t.c, sa.func.sum(t.c.i).over().label("total")).order_by(t.c.i, t.c.s, t.c.f)
        ctx = RunContext(None, session, {}, [])
        got = read_frame(ctx, query)
        want = _rows_reader(session, query)
    assert list(got.columns) == list(want.columns)
    if want["dec"].notna().any():                 # Decimal objects -> the same floats
        want["dec"] = [None if v is None else float(v) for v in want["dec"]]
        want["dec"] = want["dec"].astype(float)
    want["total"] = want["total"].astype(float) if want["total"].dtype == object else want["total"]
    got["total"] = got["total"].astype(want["total"].dtype)
    for col in COLUMNS:
        assert str(got[col].dtype) == str(want[col].dtype), (col, got[col].dtype, want[col].dtype)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
