"""Runner of reference (b), bench/duckdb_reference.sql: one DuckDB query over the MiDAS Parquet.

    python bench/duckdb_reference.py DATA_DIR --data-as-of 2021-06-30 \
        --periods 2020,2020Q1,2020Q2,2020Q3,2020Q4 --out cells.parquet [--threads N]

Writes the same cells as bench/pandas_reference.py (COPY … TO Parquet); timing to stderr."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pandas_reference import parse_period  # noqa: E402

SQL = Path(__file__).with_name("duckdb_reference.sql")


def render(data_dir: str, data_as_of: dt.date, periods: list[str]) -> str:
    rows = ", ".join(f"('{label}', DATE '{ps}', DATE '{pe}')" for label, ps, pe in map(parse_period, periods))
    path = str(Path(data_dir) / "midas" / "perioder.parquet").replace("'", "''")
    return (SQL.read_text(encoding="utf-8").replace(":PERIODER", f"'{path}'")
            .replace(":DATA_AS_OF", f"DATE '{data_as_of}'").replace(":PERIODS", rows))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir")
    ap.add_argument("--data-as-of", required=True, type=dt.date.fromisoformat)
    ap.add_argument("--periods", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int)
    a = ap.parse_args(argv)
    query = render(a.data_dir, a.data_as_of, [p.strip() for p in a.periods.split(",") if p.strip()])
    t0 = time.perf_counter()
    con = duckdb.connect()
    if a.threads:
        con.execute(f"SET threads = {a.threads}")
    out = a.out.replace("'", "''")
    con.execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)")
    n = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]
    print(json.dumps({"reference": "duckdb-sql", "cells": n, "total_s": round(time.perf_counter() - t0, 3)}),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
