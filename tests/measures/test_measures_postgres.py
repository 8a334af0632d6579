"""Areas 2–6 and N on PostgreSQL (sources as tables, pseudonymisation mapping as a temporary
table) give exactly the indicator table they give on Parquet in DuckDB."""
from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
import yaml

from pgserver import load_parquet_folders

pytestmark = pytest.mark.postgres

KINDS = ("midas", "intygsstatistik", "pas", "enheter", "npe", "population")
MEASURES = ["2.1a", "2.1b", "2.2", "3.1a", "3.1b", "3.2", "4.1", "4.1v", "4.2", "5.1", "5.2", "6.1", "6.2", "N.1", "N.2"]


def _load(url, data_dir):
    load_parquet_folders(url, data_dir, KINDS, schema_prefix="m_")


def _run(path):
    from indikatorer.engine.runner import run_job
    from indikatorer.job import load_job
    from indikatorer.output.table import read_indicators
    job = load_job(path)
    run_job(job)
    return read_indicators(job.output_dir)


def test_postgres_gives_the_same_table_for_areas_2_to_6(tmp_path, pg_url, monkeypatch):
    from indikatorer.quality import QualityGate
    from indikatorer.synth import write_synthetic
    # this test compares the measures' SQL on both back-ends; the source checks have their own
    # PostgreSQL tests (tests/quality/)
    monkeypatch.setattr(QualityGate, "check_sources", lambda self, session, sources, **kw: None)
    data = tmp_path / "data"
    job = yaml.safe_load(write_synthetic(data, persons=1500, seed=11).read_text())
    job["measures"] = MEASURES
    job["periods"] = ["2020", "2020Q4"]
    job["sources"] = {k: v for k, v in job["sources"].items() if v["kind"] in KINDS}
    (data / "duck.yaml").write_text(yaml.safe_dump({**job, "output": "out-duck/"}))
    _load(pg_url, data)
    pg_sources = {name: {"kind": src["kind"], "url": pg_url,
                         "tables": {p.stem: f"m_{src['kind']}.{p.stem}" for p in (data / src["kind"]).glob("*.parquet")}}
                  for name, src in job["sources"].items()}
    (data / "pg.yaml").write_text(yaml.safe_dump({**job, "sources": pg_sources, "output": "out-pg/"}))
    duck, pg = _run(data / "duck.yaml"), _run(data / "pg.yaml")
    keys = ["measure_id", "variant", "period", "region_code", "sex", "age_group", "diagnosis_group", "care_level",
            "unit_id"]
    a = duck.drop(columns=["run_id"]).sort_values(keys, na_position="first").reset_index(drop=True)
    b = pg.drop(columns=["run_id"]).sort_values(keys, na_position="first").reset_index(drop=True)
    assert set(a.measure_id) == set(MEASURES[:-4] + ["6.1", "6.2a", "6.2b", "6.2c", "N.1", "N.2"])
    assert len(a) == len(b)
    for col in a.columns:
        if a[col].dtype.kind == "f":
            np.testing.assert_allclose(a[col].to_numpy(), b[col].to_numpy(), rtol=1e-9, equal_nan=True, err_msg=col)
        else:
            assert a[col].astype(str).tolist() == b[col].astype(str).tolist(), col


def test_postgres_pseudonymises_personnummer_like_duckdb(tmp_path, pg_url, monkeypatch):
    """The PAS extract as a PostgreSQL table with personnummer, MiDAS as CSV-free tables too:
    the mapping goes through a temporary table and links exactly as with DuckDB."""
    from helpers import midas_row as m, pas_row as k, write_job, write_midas, write_pas
    monkeypatch.setenv("TEST_PG_KEY", "key")
    midas = [m("198112289874", "2020-11-01", "2021-01-31"), m("191212121212", "2020-11-01", "2021-01-31"),
             m("198112289875", "2020-11-01", "2021-01-31")]
    pas = [k("K1", "811228-9874", "2020-11-02", op="DV077"), k("K2", "121212+1212", "2020-11-20", op="DV077"),
           k("K3", "811228-9875", "2020-11-02", op="DV077")]
    write_midas(tmp_path, midas)
    write_pas(tmp_path, pas)
    duck_job = write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas", "pseudonym_key_env": "TEST_PG_KEY"},
                                    "region": {"kind": "pas", "path": "pas", "pseudonym_key_env": "TEST_PG_KEY"}},
                         measures=["4.1"])
    duck = _run(duck_job)
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS pnr")
        for table, path in (("perioder", tmp_path / "midas" / "perioder.csv"), ("kontakter", tmp_path / "pas" / "kontakter.csv")):
            lines = path.read_text().splitlines()
            cols = lines[0].split(";")
            conn.exec_driver_sql(f"CREATE TABLE pnr.{table} ({', '.join(f'{c} text' for c in cols)})")
            for line in lines[1:]:
                conn.execute(sa.text(f"INSERT INTO pnr.{table} VALUES ({', '.join(f':p{i}' for i in range(len(cols)))})"),
                             {f"p{i}": (v or None) for i, v in enumerate(line.split(";"))})
    engine.dispose()
    pg_dir = tmp_path / "pg"
    pg_dir.mkdir()
    pg_job = write_job(pg_dir, {
        "fk": {"kind": "midas", "url": pg_url, "tables": {"perioder": "pnr.perioder"}, "pseudonym_key_env": "TEST_PG_KEY"},
        "region": {"kind": "pas", "url": pg_url, "tables": {"kontakter": "pnr.kontakter"},
                   "pseudonym_key_env": "TEST_PG_KEY"}}, measures=["4.1"])
    pg = _run(pg_job)
    for df in (duck, pg):
        row = df[(df.variant == "midas+pas") & (df.region_code == "00") & (df.sex == "T") & (df.age_group == "T")
                 & (df.diagnosis_group == "T")].iloc[0]
        assert (row.numerator, row.denominator) == (2, 3)      # 811228-9874 and 121212+1212 link
