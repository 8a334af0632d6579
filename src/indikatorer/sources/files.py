"""Finding a table's file in a source folder and exposing it to DuckDB as a raw view."""
from __future__ import annotations

import codecs
from functools import lru_cache
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..engine.session import Session, sql_literal
from ..errors import SourceError, where
from ..job import CsvDialect

SUFFIXES = (".parquet", ".csv", ".txt", ".tsv")


@dataclass
class RawFile:
    path: Path
    view: str
    columns: dict[str, str]   # raw column name -> raw SQL type
    fingerprint: str
    notes: list[str]


def find_table_file(folder: Path, table: str) -> Path | None:
    for suffix in SUFFIXES:
        p = folder / f"{table}{suffix}"
        if p.is_file():
            return p
    d = folder / table
    if d.is_dir() and any(d.glob("*.parquet")):
        return d
    return None


def fingerprint(path: Path) -> str:
    """sha256 over the file (or the folder's Parquet files); memoised on path, size, mtime."""
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    stamp = tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    return _fingerprint(path, stamp)


@lru_cache(maxsize=256)
def _fingerprint(path: Path, stamp: tuple) -> str:
    h = hashlib.sha256()
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    for f in files:
        h.update(f.name.encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                h.update(block)
    return "sha256:" + h.hexdigest()


def _detect_encoding(path: Path, wanted: str | None) -> str:
    if wanted:
        try:
            codecs.lookup(wanted)
        except LookupError:
            raise SourceError(f"{where(file=str(path))}: unknown encoding `{wanted}`") from None
        return wanted
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        try:
            for block in iter(lambda: fh.read(1 << 22), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _to_utf8(path: Path, encoding: str, work_dir: Path) -> Path:
    """Streamed transcoding of a non-UTF-8 CSV into the work folder (DuckDB reads UTF-8)."""
    out = work_dir / f"utf8-{hashlib.sha1(str(path).encode()).hexdigest()[:12]}.csv"
    try:
        with open(path, "r", encoding=encoding, newline="") as src, open(out, "w", encoding="utf-8", newline="") as dst:
            for block in iter(lambda: src.read(1 << 20), ""):
                dst.write(block)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{where(file=str(path))}: not readable as {encoding} (byte {exc.start})") from None
    return out


def _header(path: Path) -> str:
    with open(path, "r", encoding="utf-8-sig", newline="") as fh:
        return fh.readline().rstrip("\r\n")


def open_raw(session: Session, path: Path, table: str, dialect: CsvDialect) -> RawFile:
    notes: list[str] = []
    view = session.new_name(f"raw_{table}")
    if path.is_dir() or path.suffix == ".parquet":
        pattern = str(path / "*.parquet") if path.is_dir() else str(path)
        source_sql = f"read_parquet({sql_literal(pattern)}, file_row_number=true)"
        decimal_comma = False
    else:
        if path.stat().st_size == 0:
            raise SourceError(f"{where(file=str(path), table=table)}: the file is empty")
        encoding = _detect_encoding(path, dialect.encoding)
        readable = path
        if codecs.lookup(encoding).name != "utf-8":
            readable = _to_utf8(path, encoding, session.work_dir)
            notes.append(f"{path.name}: read as {encoding}")
        header = _header(readable)
        if not header.strip():
            raise SourceError(f"{where(file=str(path), table=table)}: the file has no header line")
        sep = dialect.sep or (";" if header.count(";") > header.count(",") else
                              "\t" if header.count("\t") > header.count(",") else ",")
        decimal_comma = (dialect.decimal or ("," if sep == ";" else ".")) == ","
        source_sql = (f"read_csv({sql_literal(str(readable))}, header=true, all_varchar=true, "
                      f"delim={sql_literal(sep)}, quote='\"', escape='\"', strict_mode=false, "
                      f"null_padding=true)")
    if source_sql.startswith("read_parquet"):
        # the file's own row numbers: no window over the whole table, so scans stay parallel
        select = f"SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _row FROM {source_sql}"
    else:
        select = f"SELECT *, row_number() OVER () AS _row FROM {source_sql}"
    session.conn.exec_driver_sql(f"CREATE TEMPORARY VIEW {view} AS {select}")
    try:
        described = session.conn.exec_driver_sql(f"DESCRIBE {view}").fetchall()
    except Exception as exc:  # DuckDB's own message names the problem (e.g. a bad Parquet file)
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise SourceError(f"{where(file=str(path), table=table)}: cannot be read ({first})") from None
    columns = {r[0]: str(r[1]) for r in described if r[0] != "_row"}
    raw = RawFile(path, view, columns, fingerprint(path), notes)
    raw.parquet = source_sql.startswith("read_parquet")  # type: ignore[attr-defined]
    raw.dictionary_columns = _dictionary_columns(session, pattern) if raw.parquet else frozenset()  # type: ignore[attr-defined]
    raw.decimal_comma = decimal_comma  # type: ignore[attr-defined]
    return raw


def _dictionary_columns(session: Session, pattern: str) -> frozenset:
    """The Parquet columns whose every column chunk is dictionary-encoded (from the footers).
    DuckDB evaluates a function of such a column once per dictionary entry, so the reader
    keeps the plain trimming expression there (``reader.clean_text``); only a performance
    choice, the values are the same either way."""
    try:
        rows = session.conn.exec_driver_sql(
            f"SELECT path_in_schema, bool_and(encodings LIKE '%DICTIONARY%') FROM parquet_metadata("
            f"{sql_literal(pattern)}) GROUP BY path_in_schema").fetchall()
    except Exception:  # noqa: BLE001 - no metadata: treat every column as plain
        return frozenset()
    return frozenset(str(name) for name, dictionary in rows if dictionary)


def ascending_without_repeats(path: Path, column: str) -> bool:
    """True when the non-NULL values of the text ``column`` of the Parquet file (or the folder's
    files) provably never repeat: within every row group they strictly increase, and the row
    groups' value ranges do not overlap. A cheap exact proof of uniqueness for a key written in
    order (one pass over the column, no hash table); False (nothing proved) otherwise, as soon
    as a row group is out of order."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
        files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
        ranges = []
        for f in files:
            pf = pq.ParquetFile(f)
            if pf.schema_arrow.names.count(column) != 1:
                return False
            if not pa.types.is_string(pf.schema_arrow.field(column).type) and \
                    not pa.types.is_large_string(pf.schema_arrow.field(column).type):
                return False
            for i in range(pf.num_row_groups):
                values = pc.drop_null(pf.read_row_group(i, columns=[column]).column(0).combine_chunks())
                if len(values) == 0:
                    continue
                if len(values) > 1 and not pc.all(pc.less(values[:-1], values[1:])).as_py():
                    return False
                ranges.append((values[0].as_py(), values[-1].as_py()))
        ranges.sort()
        return all(a[1] < b[0] for a, b in zip(ranges, ranges[1:]))
    except Exception:  # noqa: BLE001 - unreadable for pyarrow: nothing proved, GX counts
        return False
