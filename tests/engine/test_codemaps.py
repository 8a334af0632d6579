"""The region code maps in SQL equal the first-match lookup of their pairs (the SQL tests the
codes it keeps first, with one IN list, before the comparisons of lower(x))."""
from __future__ import annotations

import random

import duckdb
import sqlalchemy as sa

from indikatorer.sources.codemaps import _region_pairs, map_expression


def _python_map(value, inera: bool):
    if value is None:
        return None
    for key, target in _region_pairs(inera):
        if value.lower() == key:
            return target
    return value


def test_region_maps_equal_first_match_lookup():
    rnd = random.Random(3)
    for map_name, inera in (("region", False), ("region_inera", True)):
        keys = [k for k, _ in _region_pairs(inera)]
        values = keys + [k.upper() for k in keys] + [k.title() for k in keys] + [None, "00", "99", "2", "02", "1",
                                                                                  "x", "Region", "REGION SKÅNE"]
        values += ["".join(rnd.choice("0123456789abcRS ") for _ in range(rnd.randint(1, 3))) for _ in range(300)]
        con = duckdb.connect()
        con.execute("CREATE TABLE v (i INTEGER, x VARCHAR)")
        con.executemany("INSERT INTO v VALUES (?, ?)", list(enumerate(values)))
        expr = map_expression(sa.column("x"), map_name)
        from duckdb_engine import Dialect
        sql = str(sa.select(sa.column("i"), expr).select_from(sa.table("v")).order_by(sa.column("i"))
                  .compile(dialect=Dialect(), compile_kwargs={"literal_binds": True}))
        got = [r[1] for r in con.execute(sql).fetchall()]
        assert got == [_python_map(v, inera) for v in values], map_name
        # the inera map sends 00 to 99: it must not be among the codes kept as they are
        assert dict(zip(values, got))["00"] == ("99" if inera else "00")


def test_named_maps_equal_their_lookup():
    """``sex``, ``care_level``: upper-cased input looked up, unknown values kept upper-cased;
    the codes a map keeps are tested first."""
    from duckdb_engine import Dialect

    from indikatorer.spec.layouts import load_code_maps
    rnd = random.Random(5)
    for map_name, pairs in load_code_maps().items():
        keys = list(pairs)
        values = keys + [k.lower() for k in keys] + [k.title() for k in keys] + [None, "x", "pv", "Pv", "kvinna"]
        values += ["".join(rnd.choice("KMFPVSYÄÅ12 ") for _ in range(rnd.randint(1, 4))) for _ in range(300)]
        con = duckdb.connect()
        con.execute("CREATE TABLE v (i INTEGER, x VARCHAR)")
        con.executemany("INSERT INTO v VALUES (?, ?)", list(enumerate(values)))
        sql = str(sa.select(sa.column("i"), map_expression(sa.column("x"), map_name)).select_from(sa.table("v"))
                  .order_by(sa.column("i")).compile(dialect=Dialect(), compile_kwargs={"literal_binds": True}))
        got = [r[1] for r in con.execute(sql).fetchall()]
        want = [None if v is None else pairs.get(v.upper(), v.upper()) for v in values]
        assert got == want, map_name
