"""What the reader proves for the data-quality gate (sources/reader.py ``_check_values``):

* a present value of a date, number or boolean column never prints as blank text, so the
  reader's "missing" test on such a raw column is ``x IS NULL`` (no formatting of every value) —
  checked against the text form on edge values of every type the shortcut admits, and refused
  for the types where it would be wrong;
* the required columns it refuses NULLs in are ``LoadedTable.not_null`` (their NULL counts are
  then not re-scanned by GX), except a pseudonymised identifier; and the gate's results are the
  same with and without that proof."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from helpers import MIDAS_COLUMNS, load_and_check, midas_row as r, write_job, write_table
from indikatorer.engine.session import open_session
from indikatorer.errors import SourceError
from indikatorer.job import load_job
from indikatorer.sources import load_source
from indikatorer.sources.reader import _never_blank

# DuckDB type -> SQL literals of edge values (NULL added by the test)
EDGE = {
    "DATE": ["DATE '0001-01-01'", "DATE '1970-01-01'", "DATE '9999-12-31'", "'infinity'::DATE"],
    "TIMESTAMP": ["TIMESTAMP '1970-01-01 00:00:00'", "'-infinity'::TIMESTAMP"],
    "TIMESTAMP WITH TIME ZONE": ["TIMESTAMPTZ '2020-01-01 00:00:00+00'"],
    "TIMESTAMP_NS": ["'2020-01-01'::TIMESTAMP_NS"],
    "BIGINT": ["0", "-1", "9223372036854775807"], "INTEGER": ["0", "-2147483648"], "SMALLINT": ["0"],
    "TINYINT": ["0"], "HUGEINT": ["0"], "UBIGINT": ["0"], "UINTEGER": ["0"],
    "DOUBLE": ["0.0", "-0.0", "'nan'::DOUBLE", "'inf'::DOUBLE", "1e-300"], "FLOAT": ["0.0", "'nan'::FLOAT"],
    "DECIMAL(18,3)": ["0", "-0.001"], "DECIMAL(4,1)": ["0"], "BOOLEAN": ["false", "true"],
}


def _blank_differs(s, sql_type: str, literals: list[str]) -> bool:
    values = ", ".join(f"(CAST({v} AS {sql_type}))" for v in [*literals, "NULL"])
    t = f"(VALUES {values}) AS v(x)"
    return bool(s.scalar(sa.text(f"SELECT count(*) FROM {t} WHERE "
                                 f"(nullif(trim(CAST(x AS VARCHAR)), '') IS NULL) <> (x IS NULL)")))


def test_typed_values_never_print_blank_duckdb():
    with open_session(None) as s:
        for sql_type, literals in EDGE.items():
            described = s.execute(sa.text(f"DESCRIBE SELECT CAST(NULL AS {sql_type}) AS x")).fetchall()[0][1]
            assert _never_blank(described), described       # the name the reader sees for it
            assert not _blank_differs(s, sql_type, literals), sql_type
        # where the shortcut would be wrong, it is not taken
        for sql_type, literals in {"VARCHAR": ["''", "'  '"], "BLOB": ["''::BLOB"],
                                   "ENUM('', 'a')": ["''"], "VARCHAR[]": ["[]"]}.items():
            described = s.execute(sa.text(f"DESCRIBE SELECT CAST(NULL AS {sql_type}) AS x")).fetchall()[0][1]
            assert not _never_blank(described), described
            if sql_type != "VARCHAR[]":
                assert _blank_differs(s, sql_type, literals), sql_type


def test_never_blank_names():
    for t in ("DATE", "TIMESTAMP WITHOUT TIME ZONE", "DOUBLE PRECISION", "NUMERIC(10, 2)", "INTEGER", "BOOLEAN"):
        assert _never_blank(t), t           # PostgreSQL's names through SQLAlchemy
    for t in ("VARCHAR", "TEXT", "CHAR(2)", "BLOB", "BYTEA", "JSON", "DATE[]", "TIMESTAMP[]", "INTERVAL", "UUID", None):
        assert not _never_blank(t), t


def _parquet_midas(tmp_path, rows):
    df = pd.DataFrame(rows, columns=MIDAS_COLUMNS)
    for c in ("startdatum", "slutdatum"):
        df[c] = pd.to_datetime(df[c]).dt.date
    df["omfattning"] = df["omfattning"].astype("Int64")
    (tmp_path / "m").mkdir()
    df.to_parquet(tmp_path / "m" / "perioder.parquet")
    return load_job(write_job(tmp_path, {"fk": {"kind": "midas", "path": "m/"}}))


REQUIRED = {"person_id", "startdatum", "slutdatum", "omfattning"}
ROWS = [r("P1", "2020-01-01", "2020-01-31"), r("P2", "2020-02-01", "2020-03-10", region="Östergötland")]


def test_reader_proves_the_required_columns_parquet_and_csv(tmp_path):
    job = _parquet_midas(tmp_path, ROWS)
    with open_session() as s:
        assert load_source(s, job, "fk").tables["perioder"].not_null == REQUIRED
    write_table(tmp_path / "c", "perioder", MIDAS_COLUMNS, ROWS)
    job = load_job(write_job(tmp_path, {"fk": {"kind": "midas", "path": "c/"}}))
    with open_session() as s:
        assert load_source(s, job, "fk").tables["perioder"].not_null == REQUIRED


def test_a_pseudonymised_identifier_is_not_proved(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_Q_KEY", "k" * 32)
    write_table(tmp_path / "c", "perioder", MIDAS_COLUMNS, ROWS)
    job = load_job(write_job(tmp_path, {"fk": {"kind": "midas", "path": "c/", "pseudonym_key_env": "TEST_Q_KEY"}}))
    with open_session() as s:
        assert load_source(s, job, "fk").tables["perioder"].not_null == REQUIRED - {"person_id"}


@pytest.mark.parametrize("column,row", [("startdatum", 2), ("omfattning", 1)])
def test_missing_typed_value_still_refused_with_its_row(tmp_path, column, row):
    rows = [list(x) for x in ROWS]
    rows[row - 1][MIDAS_COLUMNS.index(column)] = None
    job = _parquet_midas(tmp_path, rows)
    with open_session() as s, pytest.raises(SourceError) as info:
        load_source(s, job, "fk")
    assert f"column `{column}`, row {row}" in str(info.value) and "value missing" in str(info.value)


def test_gate_results_equal_with_and_without_the_proof(tmp_path, monkeypatch):
    """The gate's check results on a loaded table are the same when the proof is ignored."""
    from indikatorer.quality import gate as gate_module
    job = _parquet_midas(tmp_path, ROWS + [r("P3", "2020-05-01", "2020-04-01", grade=30)])

    def results(tag):
        _, gate = load_and_check(job, "fk", tmp_path / tag)
        return [(x.check, x.status, x.unexpected_count) for x in gate.results]

    sent: list = []
    real = gate_module.run_suite_on_table
    monkeypatch.setattr(gate_module, "run_suite_on_table", lambda *a, **k: sent.append(k.get("not_null")) or real(*a, **k))
    with_proof = results("a")
    assert sent and sent[0] == REQUIRED
    monkeypatch.setattr(gate_module, "run_suite_on_table", lambda *a, **k: real(*a, **{**k, "not_null": frozenset()}))
    assert results("b") == with_proof
    assert any(status == "failed" for _, status, _ in with_proof)   # not a table where everything passes
