"""The job file and the multi-year / chunked variants."""
from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from indikatorer.synth import pas as pasmod
from indikatorer.synth import write_synthetic


def test_job_file(synth_20k):
    root, job = synth_20k
    assert Path(job) == Path(root) / "job.yaml"
    j = yaml.safe_load(Path(job).read_text(encoding="utf-8"))
    assert j["name"] == "synthetic"
    assert str(j["data_as_of"]) == "2021-06-30"
    assert j["periods"] == ["2020", "2020Q1", "2020Q2", "2020Q3", "2020Q4"]
    kinds = ["midas", "intygsstatistik", "pas", "enheter", "npe", "population", "villkor3"]
    assert j["sources"] == {k: {"kind": k, "path": f"{k}/"} for k in kinds}
    for k in kinds:
        assert (Path(root) / k).is_dir()
    assert j["measures"] == "all"
    assert j["strata"] == ["region", "sex", "age_group", "diagnosis_group"]
    assert j["disclosure"] == {"min_count": 5}
    assert j["output"] == "output/"


def test_job_loads_in_engine(synth_20k):
    load_job = pytest.importorskip("indikatorer.job").load_job
    job = load_job(synth_20k[1])
    assert [p.label for p in job.period_list] == ["2020", "2020Q1", "2020Q2", "2020Q3", "2020Q4"]


def test_two_years(tmp_path):
    job = write_synthetic(tmp_path, persons=800, seed=3, year=2021, years=2)
    j = yaml.safe_load(job.read_text(encoding="utf-8"))
    assert str(j["data_as_of"]) == "2023-06-30"
    assert j["periods"] == ["2021", "2022", "2021Q1", "2021Q2", "2021Q3", "2021Q4"]
    pop = pq.read_table(tmp_path / "population" / "befolkning.parquet")
    assert sorted(str(d) for d in pc.unique(pop["datum"]).to_pylist()) == ["2020-11-01", "2021-11-01", "2022-11-01"]
    ent = pq.read_table(tmp_path / "enheter" / "enheter.parquet")
    assert len(pc.unique(ent["period"])) == 8
    npe = pq.read_table(tmp_path / "npe" / "svar.parquet")
    assert sorted(pc.unique(npe["undersokning"]).to_pylist()) == ["PV2021", "PV2022"]
    beh = pq.read_table(tmp_path / "villkor3" / "behandlingar.parquet")
    assert sorted(pc.unique(beh["ar"]).to_pylist()) == [2021, 2022]
    per = pq.read_table(tmp_path / "midas" / "perioder.parquet")
    assert str(pc.min(per["startdatum"]).as_py()) >= "2020-01-01"
    assert str(pc.max(per["slutdatum"]).as_py()) <= "2023-06-30"


def test_pas_chunks_and_volume(tmp_path, monkeypatch):
    monkeypatch.setattr(pasmod, "CHUNK_ROWS", 5_000)
    write_synthetic(tmp_path, persons=3_000, seed=1, pas_contacts_per_person=12)
    f = pq.ParquetFile(tmp_path / "pas" / "kontakter.parquet")
    assert f.metadata.num_row_groups > 5
    t = f.read(columns=["kontakt_id", "person_id"])
    assert len(pc.unique(t["kontakt_id"])) == t.num_rows
    assert 1.3 * 3_000 * 12 < t.num_rows < 1.7 * 3_000 * 12       # ~1.5 x persons x contacts
    midas = set(pq.read_table(tmp_path / "midas" / "perioder.parquet")["person_id"].to_pylist())
    assert midas <= set(t["person_id"].to_pylist())


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        write_synthetic(tmp_path, persons=10, fmt="xlsx")
    with pytest.raises(ValueError):
        write_synthetic(tmp_path, persons=0)
