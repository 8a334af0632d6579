"""Writing tables as Parquet (date32 dates, row groups, deterministic bytes) or as
Swedish-style CSV (`;` separator, decimal comma, UTF-8 with BOM, ISO dates)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .schema import schema

FORMATS = ("parquet", "csv")
ROW_GROUP = 1_000_000
# Unique or near-unique ids gain nothing from dictionary encoding.
_NO_DICTIONARY = {"kontakt_id", "person_id", "intyg_id", "patient_id", "meddelande_id", "respondent_id"}
BOM = b"\xef\xbb\xbf"


def _csv_ready(table: pa.Table) -> pa.Table:
    """Floats with decimal comma and at least one decimal (``0,25``, ``1,0``), as Swedish
    exports write them; everything else as pyarrow writes it (ISO dates, true/false)."""
    cols, fields = [], []
    for field, col in zip(table.schema, table.columns):
        if pa.types.is_floating(field.type):
            text = pc.cast(col, pa.string())
            integral = pc.invert(pc.match_substring(text, "."))
            text = pc.if_else(integral, pc.binary_join_element_wise(text, ",0", ""), text)
            col = pc.replace_substring(text, ".", ",")
            field = pa.field(field.name, pa.string())
        cols.append(col)
        fields.append(field)
    return pa.Table.from_arrays(cols, schema=pa.schema(fields))


class TableSink:
    """One output table, written in one or more batches."""

    def __init__(self, out_dir: Path, kind: str, table: str, fmt: str):
        if fmt not in FORMATS:
            raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
        self.schema = schema(kind, table)
        folder = Path(out_dir) / kind
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{table}.{fmt}"
        self.fmt = fmt
        self.rows = 0
        if fmt == "parquet":
            dictionary = [n for n in self.schema.names if n not in _NO_DICTIONARY]
            self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd",
                                            write_statistics=True, use_dictionary=dictionary)
        else:
            self._fh = open(self.path, "wb")
            self._fh.write(BOM)
            self._fh.write((";".join(self.schema.names) + "\n").encode("utf-8"))
            csv_schema = _csv_ready(self.schema.empty_table()).schema
            # No quoting: the generated values never hold `;`, quotes or newlines (pyarrow
            # raises if one ever does).
            options = pacsv.WriteOptions(delimiter=";", include_header=False, quoting_style="none")
            self._writer = pacsv.CSVWriter(self._fh, csv_schema, write_options=options)

    def write(self, table: pa.Table) -> None:
        table = table.select(self.schema.names).cast(self.schema)
        self.rows += table.num_rows
        if self.fmt == "parquet":
            self._writer.write_table(table, row_group_size=ROW_GROUP)
        else:
            self._writer.write_table(_csv_ready(table))

    def close(self) -> None:
        self._writer.close()
        if self.fmt == "csv":
            self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_table(out_dir: Path, kind: str, table: str, data: pa.Table | Iterable[pa.Table], fmt: str) -> int:
    """Write one table (or a stream of chunks of it, in order); returns the number of rows.

    Chunks are written on one background thread while the next chunk is generated (Arrow
    and numpy release the GIL), so at most two chunks are in memory."""
    with TableSink(out_dir, kind, table, fmt) as sink:
        if isinstance(data, pa.Table):
            sink.write(data)
            return sink.rows
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = None
            for part in data:
                if pending is not None:
                    pending.result()
                pending = pool.submit(sink.write, part)
                del part
            if pending is not None:
                pending.result()
        return sink.rows
