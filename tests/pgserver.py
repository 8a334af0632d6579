"""Start a throw-away PostgreSQL server for tests: initdb + pg_ctl on a temporary directory,
listening only on a unix socket in that directory; stopped and removed afterwards."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path


def pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    hits = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return hits[-1] if hits else None


def _as_user(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root: run the server as the `postgres` system user then
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def postgres_server():
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found; `make test` installs them")
    root = Path(tempfile.mkdtemp(prefix="indikatorer-pg-"))
    os.chmod(root, 0o777)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data = root / "data"
    try:
        subprocess.run(_as_user([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                                 "--locale=C.UTF-8"]), check=True, capture_output=True)
        opts = f"-k {root} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(_as_user([pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"]),
                       check=True, capture_output=True)
        try:
            yield f"postgresql+psycopg://postgres@/postgres?host={root}"
        finally:
            subprocess.run(_as_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]), capture_output=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


_PG_TYPES = {"string": "text", "large_string": "text", "date32[day]": "date", "int64": "bigint", "int32": "integer",
             "double": "double precision", "bool": "boolean"}


def load_parquet_folders(url: str, data_dir: Path, kinds, schema_prefix: str = "") -> None:
    """CREATE TABLE + COPY (psycopg) for every ``data_dir/<kind>/*.parquet`` into schema
    ``<schema_prefix><kind>``."""
    import pyarrow.parquet as pq
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        for kind in kinds:
            schema = f"{schema_prefix}{kind}"
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            for f in sorted((data_dir / kind).glob("*.parquet")):
                t = pq.read_table(f)
                cols = ", ".join(f'"{fld.name}" {_PG_TYPES[str(fld.type)]}' for fld in t.schema)
                conn.exec_driver_sql(f'CREATE TABLE "{schema}"."{f.stem}" ({cols})')
                with raw.cursor() as cur, cur.copy(f'COPY "{schema}"."{f.stem}" FROM STDIN') as copy:
                    for row in zip(*[c.to_pylist() for c in t.columns]):
                        copy.write_row(row)
    engine.dispose()
