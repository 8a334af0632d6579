"""The reader's shortcuts on text columns (sources/reader.py ``clean_text``, ``_key_in_place``;
sources/files.py ``ascending_without_repeats``) give GX's and the plain expression's answers:

* the guarded ``nullif(trim(x), '')`` equals the plain one on DuckDB for every value, including
  blanks, Unicode spaces at either end, control characters and non-ASCII text (and DuckDB's
  ``trim`` still removes no ASCII character but the space: the guard relies on it);
* a one-column key is proved unique only when its raw values strictly ascend per row group,
  the row groups do not overlap and normalising changes no value; duplicates (also ones that
  appear only after trimming), disorder and overlapping row groups are not proved, and the
  gate's uniqueness result is then GX's own;
* the reader's first pass over guarded text columns (values that trimming may change, NULLs)
  finds the same missing values (with the first row) and the same changed keys as the exact
  checks alone."""
from __future__ import annotations

import random

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from helpers import load_and_check, write_job
from indikatorer.engine.session import open_session
from indikatorer.job import load_job
from indikatorer.sources import load_source
from indikatorer.sources.files import ascending_without_repeats
from indikatorer.sources.reader import clean_text

EDGE = ["", " ", "  ", "a", " a", "a ", " a ", "~", "~a", "!", "!a", "\u00a0", "\u00a0a", "a\u00a0", "\u3000x\u3000",
        "\u2003", "é", "aé", "éa", "a\té", "\ta", "a\t", "\na\n", "K0001", "K 1", "Östergötland", "a\u202f",
        "\u1680b", "b\u205f", "\x7f", "a\x7f", "}", "{a", "0", "00 ", None]


def _rows(rng: random.Random, n: int) -> list:
    alphabet = ["a", "Z", "0", " ", "\u00a0", "\u3000", "é", "~", "!", "\t", "\x01", "\x7f", "}", "\u2009"]
    out = list(EDGE)
    for _ in range(n):
        out.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 5))))
    return out


def test_trim_removes_only_the_space_in_ascii():
    with open_session(None) as s:
        changed = [i for i in range(1, 128)
                   if s.scalar(sa.text("SELECT trim(:v)"), {"v": chr(i) + "a" + chr(i)}) != chr(i) + "a" + chr(i)]
    assert changed == [32]


@pytest.mark.parametrize("guarded", [True, False])
def test_guarded_clean_text_equals_the_plain_one(guarded):
    values = _rows(random.Random(7), 3000)
    with open_session(None) as s:
        s.execute(sa.text("CREATE TEMPORARY TABLE t (i INTEGER, x VARCHAR)"))
        s.execute(sa.text("INSERT INTO t VALUES (:i, :x)"), [{"i": i, "x": v} for i, v in enumerate(values)])
        t = sa.table("t", sa.column("i"), sa.column("x"))
        fast = clean_text(t.c.x, "VARCHAR", "duckdb", guarded)
        plain = sa.func.nullif(sa.func.trim(sa.cast(t.c.x, sa.String)), "")
        assert "CASE" in str(fast) if guarded else "CASE" not in str(fast)
        rows = s.execute(sa.select(t.c.i, fast, plain).order_by(t.c.i)).fetchall()
    assert len(rows) == len(values)
    assert [r[1] for r in rows] == [r[2] for r in rows]
    assert {r[2] for r in rows} >= {None, "a", "é"}          # blanks, trimmed and kept values all occur


def test_plain_expression_elsewhere():
    col = sa.table("t", sa.column("x")).c.x
    for raw_type, dialect in (("VARCHAR", "postgresql"), ("INTEGER", "duckdb"), ("BLOB", "duckdb"), (None, "duckdb")):
        assert "CASE" not in str(clean_text(col, raw_type, dialect)), (raw_type, dialect)


# ------------------------------------------------------------------ the key proof
def _write(path, groups: list[list]) -> None:
    schema = pa.schema([("k", pa.string())])
    with pq.ParquetWriter(path, schema) as w:
        for g in groups:
            w.write_table(pa.table({"k": pa.array(g, pa.string())}, schema=schema))


@pytest.mark.parametrize("groups,proved", [
    ([["a", "b", "c"], ["d", "e"]], True),
    ([["d", "e"], ["a", "b", "c"]], True),                    # row groups out of order, ranges apart
    ([["a", None, "c"], [None], ["x", "y"]], True),            # NULLs are not values
    ([["a", "b", "b"], ["c"]], False),                          # a repeat inside a row group
    ([["a", "c", "b"]], False),                                 # not ascending
    ([["a", "c"], ["b", "d"]], False),                          # ranges overlap
    ([["a", "c"], ["c", "d"]], False),                          # the last equals the next first
    ([["K9", "K10"]], False),                                   # bytewise order, not numeric
])
def test_ascending_without_repeats(tmp_path, groups, proved):
    _write(tmp_path / "t.parquet", groups)
    assert ascending_without_repeats(tmp_path / "t.parquet", "k") is proved


def test_ascending_without_repeats_over_a_folder_and_other_types(tmp_path):
    (tmp_path / "d").mkdir()
    _write(tmp_path / "d" / "1.parquet", [["m", "n"]])
    _write(tmp_path / "d" / "0.parquet", [["a", "b"]])
    assert ascending_without_repeats(tmp_path / "d", "k")
    _write(tmp_path / "d" / "2.parquet", [["b", "z"]])      # overlaps the first file
    assert not ascending_without_repeats(tmp_path / "d", "k")
    pq.write_table(pa.table({"k": pa.array([1, 2, 3])}), tmp_path / "i.parquet")
    assert not ascending_without_repeats(tmp_path / "i.parquet", "k")   # only text keys
    assert not ascending_without_repeats(tmp_path / "i.parquet", "missing")


PAS = ["kontakt_id", "person_id", "kontaktdatum", "utskrivningsdatum", "vardgivare_id", "vardenhet_id", "lan_kod",
       "vardniva", "kontakttyp", "yrkeskategori", "hdia", "dia", "op"]


def _pas(tmp_path, ids: list, row_group_size: int = 2) -> object:
    n = len(ids)
    df = pd.DataFrame({"kontakt_id": ids, "person_id": [f"p{i % 3}" for i in range(n)],
                       "kontaktdatum": pd.to_datetime(["2020-03-01"] * n).date,
                       "utskrivningsdatum": pd.to_datetime(["2020-03-02"] * n).date,
                       "vardgivare_id": ["G1"] * n, "vardenhet_id": ["E1"] * n, "lan_kod": ["01"] * n,
                       "vardniva": ["PV"] * n, "kontakttyp": ["BESOK"] * n, "yrkeskategori": ["LAK"] * n,
                       "hdia": ["F43.2"] * n, "dia": ["F43.2"] * n, "op": [None] * n})
    (tmp_path / "pas").mkdir()
    df.to_parquet(tmp_path / "pas" / "kontakter.parquet", row_group_size=row_group_size)
    return load_job(write_job(tmp_path, {"pas": {"kind": "pas", "path": "pas/"}}))


@pytest.mark.parametrize("ids,unique,duplicates", [
    (["K1", "K2", "K3", "K4", "K5"], True, 0),
    (["K1", "K2", "K2", "K4", "K5"], False, 1),                 # a repeat
    (["K1", "K2", "K2 ", "K4", "K5"], False, 1),                # a repeat once trimmed
    (["K1", " K2", "K3", "K4", "K5"], False, 0),                # unique, but normalising changes a value
    (["K5", "K4", "K3", "K2", "K1"], False, 0),                 # unique, not ascending: GX counts
    (["K1", "K3", "K2", "K4", "K4"], False, 1),
])
def test_the_key_proof_and_the_gate(tmp_path, monkeypatch, ids, unique, duplicates):
    job = _pas(tmp_path, ids)
    from indikatorer.quality import gate as gate_module

    def outcome(tag):
        src, gate = load_and_check(job, "pas", tmp_path / tag)
        check = next(r for r in gate.results if r.check == "unique_kontakt_id")
        return src.tables["kontakter"].unique, (check.status, check.unexpected_count, check.examples)

    proved, with_proof = outcome("a")
    assert proved == (frozenset({"kontakt_id"}) if unique else frozenset())
    assert with_proof[1] == duplicates and with_proof[0] == ("passed" if not duplicates else "failed")
    real = gate_module.run_suite_on_table
    monkeypatch.setattr(gate_module, "run_suite_on_table", lambda *a, **k: real(*a, **{**k, "unique": frozenset()}))
    assert outcome("b")[1] == with_proof                      # GX's own answer


def test_a_wrong_proof_would_be_caught(tmp_path, monkeypatch):
    """Breaking the proof (every key taken as ascending) makes the gate miss a duplicate: the
    test above would fail with it."""
    from indikatorer.sources import reader
    monkeypatch.setattr(reader, "ascending_without_repeats", lambda *a: True)
    job = _pas(tmp_path, ["K1", "K2", "K2", "K4"])
    with open_session() as s:
        src = load_source(s, job, "pas")
        assert src.tables["kontakter"].unique == frozenset({"kontakt_id"})


def _pas_plain(tmp_path, ids: list, persons: list | None = None) -> object:
    """A PAS file without dictionary encoding: the reader checks its ids with the guarded
    ``clean_text`` (the dictionary-encoded columns of ``_pas`` use the plain one)."""
    n = len(ids)
    table = pa.table({"kontakt_id": ids, "person_id": persons or [f"p{i % 3}" for i in range(n)],
                      "kontaktdatum": pd.to_datetime(["2020-03-01"] * n).date,
                      "utskrivningsdatum": pd.to_datetime(["2020-03-02"] * n).date,
                      **{c: [v] * n for c, v in (("vardgivare_id", "G1"), ("vardenhet_id", "E1"), ("lan_kod", "01"),
                                                 ("vardniva", "PV"), ("kontakttyp", "BESOK"), ("yrkeskategori", "LAK"),
                                                 ("hdia", "F43.2"), ("dia", "F43.2"))},
                      "op": pa.array([None] * n, pa.string())})
    (tmp_path / "pas").mkdir()
    pq.write_table(table, tmp_path / "pas" / "kontakter.parquet", use_dictionary=False, row_group_size=2)
    return load_job(write_job(tmp_path, {"pas": {"kind": "pas", "path": "pas/"}}))


@pytest.mark.parametrize("ids,persons,outcome", [
    (["K1", "K2", "K3", "K4"], None, frozenset({"kontakt_id"})),
    (["K1", "K2", " K3", "K4"], None, frozenset()),               # normalising changes a value: not proved
    (["K1", "K2", "K3 ", "K4"], None, frozenset()),
    (["K1", "K2", "K3\u00a0", "K4"], None, frozenset()),
    (["K1", "K2", "K3é", "K4"], None, frozenset({"kontakt_id"})),  # non-ASCII: checked exactly, unchanged
    (["K1", "K2", "  ", "K4"], None, "column `kontakt_id`, row 3"),  # blank: missing in a required column
    (["K1", "K2", None, "K4"], None, "column `kontakt_id`, row 3"),
    (["K1", "K2", "K3", "K4"], ["p1", "\u3000", "p2", " "], "column `person_id`, row 2"),
])
def test_the_reader_s_first_pass_finds_what_the_exact_checks_find(tmp_path, monkeypatch, ids, persons, outcome):
    """The reader first counts the values a guarded ``clean_text`` would trim (cheaper than
    trimming) and checks exactly only where there are any: the same proofs and the same errors
    (with the first row) as the exact checks alone (the guard switched off)."""
    from indikatorer.errors import SourceError
    from indikatorer.sources import reader
    job = _pas_plain(tmp_path, ids, persons)

    def load():
        with open_session() as s:
            try:
                return load_source(s, job, "pas").tables["kontakter"].unique
            except SourceError as exc:
                return str(exc)

    sent: list[str] = []
    with monkeypatch.context() as m:
        real = reader._trim_guard
        m.setattr(reader, "_trim_guard", lambda *a, **k: sent.append(1) or real(*a, **k))
        fast = load()
    assert sent, "the guarded path was not taken"
    with monkeypatch.context() as m:
        m.setattr(reader, "_trim_guard", lambda *a, **k: None)
        exact = load()
    assert fast == exact
    if isinstance(outcome, str):
        assert isinstance(fast, str) and outcome in fast and "value missing in a required column" in fast
    else:
        assert fast == outcome
