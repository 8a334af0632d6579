"""CSV mode: `;`, UTF-8 with BOM, ISO dates, decimal comma; round-trips to the Parquet data."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from indikatorer.synth import TABLES_WRITTEN, write_synthetic
from indikatorer.synth.schema import TABLES


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    base = tmp_path_factory.mktemp("csv")
    write_synthetic(base / "csv", persons=1_500, seed=5, fmt="csv")
    write_synthetic(base / "pq", persons=1_500, seed=5, fmt="parquet")
    return base / "csv", base / "pq"


def _read_csv(path: Path, kind: str, table: str) -> pd.DataFrame:
    types = {n: t for n, t, _ in TABLES[(kind, table)]}
    dtype = {n: "string" for n in types}
    df = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=dtype, keep_default_na=False, na_values=[""])
    for n, t in types.items():
        s = df[n]
        if str(t) == "date32[day]":
            df[n] = pd.to_datetime(s, format="%Y-%m-%d").dt.date
        elif str(t) == "int64":
            df[n] = pd.to_numeric(s).astype("Int64")
        elif str(t) == "double":
            df[n] = pd.to_numeric(s.str.replace(",", ".", regex=False))
        elif str(t) == "bool":
            df[n] = s.map({"true": True, "false": False})
    return df


def test_csv_dialect(both):
    csv_dir, _ = both
    raw = (csv_dir / "midas" / "perioder.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, first = raw[3:].decode("utf-8").splitlines()[:2]
    assert header.split(";")[:3] == ["person_id", "startdatum", "slutdatum"]
    assert first.split(";")[1][:2] == "20" and first.split(";")[1][4] == "-"
    ent = (csv_dir / "enheter" / "enheter.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    assert "," in ent.split(";")[6] and "." not in ent            # decimal comma
    job = (csv_dir / "job.yaml").read_text(encoding="utf-8")
    assert 'csv: {sep: ";", decimal: ","}' in job


@pytest.mark.parametrize("kind,table", TABLES_WRITTEN)
def test_csv_round_trip(both, kind, table):
    csv_dir, pq_dir = both
    got = _read_csv(csv_dir / kind / f"{table}.csv", kind, table)
    want = pq.read_table(pq_dir / kind / f"{table}.parquet").to_pandas()
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for n, t, _ in TABLES[(kind, table)]:
        g, w = got[n], want[n]
        assert (g.isna().values == w.isna().values).all(), n
        m = ~w.isna().values
        if str(t) == "double":
            assert ((g[m].astype(float).values - w[m].astype(float).values) ** 2).max(initial=0) < 1e-18, n
        else:
            assert list(g[m].astype(object)) == list(w[m].astype(object)), n
