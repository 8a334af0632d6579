"""Source adapters: CSV dialects, Parquet, column renames, and one-line errors with file,
table, column and row (never a person id)."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers import MIDAS_COLUMNS, cell, midas_row as r, run, write_job, write_table
from indikatorer.errors import JobError, SourceError

SRC = {"fk": {"kind": "midas", "path": "midas/"}}
ROWS = [r("P1", "2020-01-01", "2020-01-31", region="Östergötland"), r("P2", "20200201", "20200310", sex="2", region="5")]


def _check(df):
    c = cell(df, "7.1", "midas:all-lengths")
    assert (c.denominator, c.numerator) == (2, 31 + 39)
    assert cell(df, "7.1", "midas:all-lengths", region_code="05").denominator == 2
    assert cell(df, "7.1", "midas:all-lengths", sex="K").denominator == 2      # K and Inera-style 2


@pytest.mark.parametrize("sep,encoding", [(";", "utf-8"), (",", "utf-8"), (";", "utf-8-sig"), (";", "cp1252"),
                                          ("\t", "utf-8")])
def test_csv_dialects(tmp_path, sep, encoding):
    write_table(tmp_path / "midas", "perioder", MIDAS_COLUMNS, ROWS, sep=sep, encoding=encoding)
    _check(run(write_job(tmp_path, SRC, measures=["7.1"])))


def test_parquet_and_renames(tmp_path):
    df = pd.DataFrame(ROWS, columns=MIDAS_COLUMNS).rename(columns={"person_id": "lopnr", "omfattning": "grad"})
    (tmp_path / "data").mkdir()
    df.to_parquet(tmp_path / "data" / "sjp.parquet")
    src = {"fk": {"kind": "midas", "path": "data/", "tables": {"perioder": "sjp"},
                  "columns": {"perioder": {"person_id": "lopnr", "omfattning": "grad"}}}}
    _check(run(write_job(tmp_path, src, measures=["7.1"])))


def test_decimal_comma_in_float_column(tmp_path):
    from indikatorer.engine.session import open_session
    from indikatorer.job import load_job
    from indikatorer.sources import load_source
    import sqlalchemy as sa
    cols = ["period", "enhet_id", "lan_kod", "vardniva", "agarform", "rehabkoordinator_antal", "rehabkoordinator_fte",
            "koordinering_patienter", "sakkunnig_lakare_tillgang", "sakkunnig_lakare_fte", "fm_utbildning"]
    write_table(tmp_path / "enh", "enheter", cols, [["2020Q4", "E1", "05", "PV", "OFF", "1", "0,75", "", "ja", "0,2", "LAK SSK"]])
    job = load_job(write_job(tmp_path, {"u": {"kind": "enheter", "path": "enh/"}}))
    with open_session() as s:
        t = load_source(s, job, "u").table("enheter")
        row = s.execute(sa.select(t.c.rehabkoordinator_fte, t.c.sakkunnig_lakare_tillgang, t.c.koordinering_patienter)).one()
    assert row == (0.75, True, None)


def _error(tmp_path, rows=None, columns=MIDAS_COLUMNS, text=None, **job):
    folder = tmp_path / "midas"
    if text is not None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "perioder.csv").write_text(text, encoding="utf-8")
    else:
        write_table(folder, "perioder", columns, rows)
    with pytest.raises(SourceError) as info:
        run(write_job(tmp_path, SRC, measures=["7.1"], **job))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_required_column(tmp_path):
    msg = _error(tmp_path, [row[:2] + row[3:] for row in ROWS], [c for c in MIDAS_COLUMNS if c != "slutdatum"])
    assert "perioder.csv" in msg and "`perioder`" in msg and "`slutdatum`" in msg and "required column missing" in msg


def test_unparseable_date_names_row_and_value(tmp_path):
    rows = ROWS + [r("P3", "2020-13-45", "2020-12-31")]
    msg = _error(tmp_path, rows)
    assert "column `startdatum`, row 3" in msg and "'2020-13-45'" in msg and "date" in msg


def test_person_id_never_in_message(tmp_path):
    rows = ROWS + [["197001011234", "2020-01-01", "2020-02-01", "abc", "SJP", "F43", "K", 1970, "05", "ANST"]]
    msg = _error(tmp_path, rows)
    assert "column `omfattning`, row 3" in msg and "197001011234" not in msg
    rows = ROWS + [["", "2020-01-01", "2020-02-01", 100, "SJP", "F43", "K", 1970, "05", "ANST"]]
    assert "column `person_id`, row 3: value missing" in _error(tmp_path, rows)


def test_empty_file_and_wrong_separator(tmp_path):
    assert "is empty" in _error(tmp_path, text="")
    header = ",".join(MIDAS_COLUMNS)
    (tmp_path / "midas" / "perioder.csv").write_text(header + "\nP1,2020-01-01,2020-01-31,100,SJP,F43,K,1980,05,ANST\n")
    src = {"fk": {"kind": "midas", "path": "midas/", "csv": {"sep": ";"}}}
    with pytest.raises(SourceError, match=r"separator `,`"):
        run(write_job(tmp_path, src, measures=["7.1"]))


def test_missing_table_and_unknown_extra_column(tmp_path):
    (tmp_path / "midas").mkdir()
    with pytest.raises(SourceError, match="table `perioder` not found"):
        run(write_job(tmp_path, SRC, measures=["7.1"]))
    write_table(tmp_path / "midas", "perioder", MIDAS_COLUMNS + ["extra"], [row + ["x"] for row in ROWS])
    run(write_job(tmp_path, SRC, measures=["7.1"]))
    import json
    notes = json.loads((tmp_path / "output" / "manifest.json").read_text())["notes"]
    assert any("ignored unknown column(s) `extra`" in n for n in notes)


@pytest.mark.parametrize("job_text,match", [
    ("data_as_of: 2021-06-30\nperiods: [2020Q5]\nsources: {fk: {kind: midas, path: midas/}}\n", "2020Q5"),
    ("data_as_of: 2021-06-30\nperiods: [2020]\nsources: {fk: {kind: midas, path: nowhere/}}\n", "does not exist"),
    ("data_as_of: 2021-06-30\nperiods: [2020]\nsources: {fk: {kind: midas, path: midas/}}\nmeasures: [9.9]\n",
     "unknown measure id `9.9`"),
    ("data_as_of: 2021-06-30\nperiods: [2020]\nsources: {fk: {kind: fk, path: midas/}}\n", "sources.fk.kind"),
    ("periods: [2020]\nsources: {fk: {kind: midas, path: midas/}}\n", "data_as_of"),
])
def test_bad_job_files(tmp_path, job_text, match):
    write_table(tmp_path / "midas", "perioder", MIDAS_COLUMNS, ROWS)
    (tmp_path / "job.yaml").write_text(job_text)
    from indikatorer.job import load_job
    from indikatorer.engine.runner import run_job
    with pytest.raises(JobError, match=match):
        run_job(load_job(tmp_path / "job.yaml"))
