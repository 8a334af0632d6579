"""The same job on PostgreSQL (sources as tables, computation pushed down) gives exactly the
indicator table it gives on Parquet in DuckDB."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
import yaml

from pgserver import load_parquet_folders

pytestmark = pytest.mark.postgres

KINDS = ("midas", "intygsstatistik")


def _load_into_postgres(url: str, data_dir, kinds) -> None:
    load_parquet_folders(url, data_dir, kinds)


def _run(job_path):
    from indikatorer.engine.runner import run_job
    from indikatorer.job import load_job
    from indikatorer.output.table import read_indicators
    job = load_job(job_path)
    run_job(job)
    return read_indicators(job.output_dir)


def test_postgres_gives_the_same_indicator_table(tmp_path, pg_url):
    from indikatorer.synth import write_synthetic
    data = tmp_path / "data"
    job_path = write_synthetic(data, persons=1500, seed=7)
    job = yaml.safe_load(job_path.read_text())
    measures = ["7.1", "7.2", "7.3", "7.4", "7.5", "1.1", "1.2"]
    job["measures"] = measures
    job["sources"] = {k: v for k, v in job["sources"].items() if v["kind"] in KINDS}
    (data / "duck.yaml").write_text(yaml.safe_dump({**job, "output": "out-duck/"}))
    _load_into_postgres(pg_url, data, KINDS)
    pg_sources = {}
    for name, src in job["sources"].items():
        kind = src["kind"]
        tables = {p.stem: f"{kind}.{p.stem}" for p in (data / kind).glob("*.parquet")}
        pg_sources[name] = {"kind": kind, "url": pg_url, "tables": tables}
    (data / "pg.yaml").write_text(yaml.safe_dump({**job, "sources": pg_sources, "output": "out-pg/"}))

    duck = _run(data / "duck.yaml")
    pg = _run(data / "pg.yaml")
    import json
    assert json.loads((data / "out-pg" / "manifest.json").read_text())["backend"] == "postgresql"
    keys = ["measure_id", "variant", "period", "region_code", "sex", "age_group", "diagnosis_group", "care_level",
            "unit_id"]
    drop = ["run_id"]
    a = duck.drop(columns=drop).sort_values(keys, na_position="first").reset_index(drop=True)
    b = pg.drop(columns=drop).sort_values(keys, na_position="first").reset_index(drop=True)
    assert len(a) == len(b) > 1000
    for col in a.columns:
        if a[col].dtype.kind == "f":
            np.testing.assert_allclose(a[col].to_numpy(), b[col].to_numpy(), rtol=1e-9, equal_nan=True, err_msg=col)
        else:
            assert a[col].astype(str).tolist() == b[col].astype(str).tolist(), col
    assert a.denominator.sum() > 0
