"""The whole indicator table as a semicolon-separated CSV (Swedish Excel's default separator).

Columns and column names are those of ``output/table.py`` (stable for scripts); rows by
measure (catalogue order), period (time order), then the table's own order. Numbers are
written exactly (shortest round-trip form: counts without decimals, ``0.45``), with ``.`` or
– ``decimal_comma`` – ``,`` as decimal mark; empty where null
(a suppressed cell has empty value, counts and interval and ``suppressed`` = ``true``). Dates
ISO 8601, booleans ``true``/``false``. UTF-8 with BOM, CRLF line ends (RFC 4180); a field
holding ``;`` (several quality flags) is quoted."""
from __future__ import annotations

import csv
import re
from pathlib import Path

from ..errors import JobError
from ..output.table import COLUMNS, SORT
from ..report.data import period_sort_key
from ..spec.measures import _sort_key
from .common import write_atomic


FLOAT_COLUMNS = ("numerator", "denominator", "value", "ci_lower", "ci_upper")
_PARTITION = re.compile(r"measure_id=([^/\\]+)[/\\]period=([^/\\]+)[/\\]")


def partition_files(output: Path) -> list[str]:
    """The Parquet files of the table, measures in catalogue order (1.1, 1.2, 7.1, 7.2a …) and
    periods in time order."""
    import pyarrow.dataset as ds

    folder = output / "indicators"
    if not folder.is_dir():
        raise JobError(f"no indicator table in {output} (expected the folder {folder}); run `indikatorer run` first")

    def key(path: str):
        m = _PARTITION.search(path)
        return (0, _sort_key(m.group(1)), period_sort_key(m.group(2)), path) if m else (1, [], (), path)
    return sorted(ds.dataset(folder, format="parquet").files, key=key)


def text_columns(table, decimal_comma: bool) -> list[list]:
    """Each column as text, vectorised: numbers in their shortest exact form (``3``, ``0.45``),
    dates ISO, booleans ``true``/``false``, null as ``None`` (written empty)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = []
    for name in COLUMNS:
        col = pc.cast(table[name], pa.string())
        if decimal_comma and name in FLOAT_COLUMNS:
            col = pc.replace_substring(col, ".", ",")
        out.append(col.to_pylist())
    return out


def sorted_partition(table):
    """The table's own order (``output/table.py`` SORT, null unit first) on any pyarrow version."""
    import pyarrow.compute as pc

    keyed = table.append_column("_sort_unit", pc.fill_null(table["unit_id"], ""))
    order = [("_sort_unit" if c == "unit_id" else c, "ascending") for c in SORT]
    return keyed.sort_by(order).drop_columns(["_sort_unit"])


def write_csv(output: Path, target: Path, *, decimal_comma: bool = False) -> Path:
    """Partition by partition (bounded memory, whatever the size of the table)."""
    import pyarrow.parquet as pq

    files = partition_files(output)

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
            w.writerow(COLUMNS)
            for f in files:
                w.writerows(zip(*text_columns(sorted_partition(pq.read_table(f, columns=COLUMNS)), decimal_comma)))

    return write_atomic(target, write)
