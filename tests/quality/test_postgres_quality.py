"""The same checks on PostgreSQL: GX runs on the session's temporary tables there too, finds
the same failures as on DuckDB, and a critical failure blocks the run."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from helpers import write_job
from indikatorer.engine.runner import run_job
from indikatorer.engine.validate import validate_job
from indikatorer.errors import QualityError
from indikatorer.job import load_job

pytestmark = pytest.mark.postgres


def _load(url: str, schema: str, dup: bool) -> None:
    eng = sa.create_engine(url)
    with eng.begin() as c:
        c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        c.exec_driver_sql(f'CREATE TABLE "{schema}".intyg (intyg_id text, patient_id text, intygstyp text, '
                          'signeringsdatum date, vardgivare_id text, vardenhet_id text, lan_kod text, vardniva text, '
                          'kon text, alder bigint, diagnoskod text)')
        c.exec_driver_sql(f'CREATE TABLE "{schema}".intyg_perioder (intyg_id text, grad bigint, startdatum date, '
                          'slutdatum date)')
        c.exec_driver_sql(f'CREATE TABLE "{schema}".meddelanden (meddelande_id text, intyg_id text, typ text, '
                          'skickat_datum date)')
        for i in range(100):
            cid = "c0" if (dup and i == 1) else f"c{i}"
            c.execute(sa.text(f'INSERT INTO "{schema}".intyg VALUES (:id, :p, \'FK7804\', :d, \'VG1\', \'VE1\', '
                              ':lan, \'PV\', :kon, 40, \'F43.2\')'),
                      {"id": cid, "p": f"p{i % 40}", "d": f"2020-{1 + i % 12:02d}-05", "lan": ["01", "05"][i % 2],
                       "kon": "X" if i < 3 else "KM"[i % 2]})
            c.execute(sa.text(f'INSERT INTO "{schema}".intyg_perioder VALUES (:id, 100, :s, :e)'),
                      {"id": f"c{i}", "s": f"2020-{1 + i % 12:02d}-05", "e": f"2020-{1 + i % 12:02d}-25"})
        c.execute(sa.text(f'INSERT INTO "{schema}".meddelanden VALUES (\'m1\', \'c1\', \'KOMPLT\', \'2020-02-20\')'))
    eng.dispose()


def _job(tmp_path, url, schema):
    tables = {t: f"{schema}.{t}" for t in ("intyg", "intyg_perioder", "meddelanden")}
    return write_job(tmp_path, {"inera": {"kind": "intygsstatistik", "url": url, "tables": tables}},
                     periods=["2020"], measures=["1.1"])


def test_checks_run_on_postgres_and_find_the_same_failures(tmp_path, pg_url):
    _load(pg_url, "q_ok", dup=False)
    text = validate_job(load_job(_job(tmp_path, pg_url, "q_ok")))
    s = json.loads((tmp_path / "output" / "quality" / "summary.json").read_text())
    assert s["backend"] == "postgresql"
    by = {c["id"]: c for c in s["checks"]}
    assert by["inera.intyg/sex_code"]["status"] == "failed" and by["inera.intyg/sex_code"]["unexpected_count"] == 3
    assert by["inera.intyg/unique_intyg_id"]["status"] == "passed"
    assert by["inera.intyg/type_signeringsdatum"]["status"] == "passed"
    assert by["inera.intyg/icd10_format"]["status"] == "passed"          # regex (`~`) on PostgreSQL
    assert by["inera.meddelanden/certificate_exists"]["status"] == "passed"
    assert [c["id"] for c in s["checks"] if c["status"] == "error"] == []
    assert "data quality: warnings" in text


def test_a_critical_failure_on_postgres_blocks_the_run(tmp_path, pg_url, monkeypatch):
    import indikatorer.engine.runner as runner
    monkeypatch.setattr(runner, "write_report_logged", lambda out: None, raising=False)
    _load(pg_url, "q_dup", dup=True)
    with pytest.raises(QualityError, match="unique_intyg_id"):
        run_job(load_job(_job(tmp_path, pg_url, "q_dup")))
    assert not (tmp_path / "output" / "manifest.json").exists()


def test_the_indicator_table_is_checked_in_postgres_too(tmp_path, pg_url, monkeypatch):
    import indikatorer.engine.runner as runner
    from indikatorer.output.table import read_indicators
    monkeypatch.setattr(runner, "write_report_logged", lambda out: None, raising=False)
    _load(pg_url, "q_run", dup=False)
    run_job(load_job(_job(tmp_path, pg_url, "q_run")))
    s = json.loads((tmp_path / "output" / "quality" / "summary.json").read_text())
    ind = [c for c in s["checks"] if c["target"] == "indicators"]
    assert len(ind) >= 10 and all(c["status"] == "passed" for c in ind), [(c["id"], c["error"]) for c in ind]
    df = read_indicators(tmp_path / "output")
    assert df["quality_flags"].fillna("").str.contains("dq:intygsstatistik.intyg.sex_code", regex=False).all()
