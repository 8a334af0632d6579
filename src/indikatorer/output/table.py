"""The indicator table of conventions.md as a hive-partitioned Parquet dataset.

Each partition ``indicators/measure_id=<id>/period=<label>/data.parquet`` is written to a
temporary file beside it and swapped in with ``os.replace`` (atomic on POSIX), so readers
see either the old or the new partition, never half of one. The partition columns are also
stored in the files, so ``pyarrow.dataset.dataset(output/indicators)`` reads everything."""
from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema([
    ("measure_id", pa.string()), ("variant", pa.string()), ("period", pa.string()),
    ("period_start", pa.date32()), ("period_end", pa.date32()), ("reference_date", pa.date32()),
    ("region_code", pa.string()), ("region_name", pa.string()), ("sex", pa.string()),
    ("age_group", pa.string()), ("diagnosis_group", pa.string()), ("care_level", pa.string()),
    ("unit_id", pa.string()), ("numerator", pa.float64()), ("denominator", pa.float64()),
    ("value", pa.float64()), ("value_unit", pa.string()), ("ci_lower", pa.float64()),
    ("ci_upper", pa.float64()), ("ci_method", pa.string()), ("suppressed", pa.bool_()),
    ("suppression_reason", pa.string()), ("approximate", pa.bool_()), ("quality_flags", pa.string()),
    ("data_as_of", pa.date32()), ("run_id", pa.string()), ("spec_hash", pa.string()),
])
COLUMNS = SCHEMA.names
SORT = ["variant", "region_code", "sex", "age_group", "diagnosis_group", "care_level", "unit_id"]


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    frame = frame[COLUMNS].sort_values(SORT, na_position="first", kind="stable").reset_index(drop=True)
    return pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False)


def partition_dir(root: Path, measure_id: str, period: str) -> Path:
    return root / "indicators" / f"measure_id={measure_id}" / f"period={period}"


def write_partitions(root: Path, frame: pd.DataFrame, mode: int = 0o644) -> list[str]:
    """Write one file per (measure_id, period); return the partitions written, in (measure_id, period) order.

    The frame is converted to Arrow and sorted once (by partition, then ``SORT``; stable, nulls
    first, as ``to_arrow`` sorts one partition), then cut into partitions, which are written by
    two threads (Parquet encoding and zstd run without the GIL). The files are the ones
    ``to_arrow`` + ``pq.write_table`` give partition by partition."""
    import pyarrow.compute as pc

    table = pa.Table.from_pandas(frame[COLUMNS], schema=SCHEMA, preserve_index=False)
    keys = ["measure_id", "period", *SORT]
    try:                                   # pyarrow >= 20: null placement per key
        order = pc.sort_indices(table, sort_keys=[(c, "ascending", "at_start") for c in keys])
    except (TypeError, ValueError, pa.ArrowInvalid):
        order = pc.sort_indices(table, sort_keys=[(c, "ascending") for c in keys], null_placement="at_start")
    table = table.take(order)
    mids = table.column("measure_id").to_numpy(zero_copy_only=False)
    pers = table.column("period").to_numpy(zero_copy_only=False)
    cut = [0, *(np.flatnonzero((mids[1:] != mids[:-1]) | (pers[1:] != pers[:-1])) + 1).tolist(), len(mids)]
    parts = [(str(mids[a]), str(pers[a]), a, b - a) for a, b in zip(cut[:-1], cut[1:])
             if b > a and mids[a] is not None and pers[a] is not None]       # (groupby drops null keys)

    def write(part) -> str:
        mid, period, offset, length = part
        target_dir = partition_dir(root, mid, period)
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / "data.parquet"
        tmp = target_dir / f".data-{uuid.uuid4().hex}.tmp"
        pq.write_table(table.slice(offset, length), tmp, compression="zstd")
        os.chmod(tmp, mode)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        return f"{mid}/{period}"

    if len(parts) > 1:
        with ThreadPoolExecutor(max_workers=2) as pool:
            written = list(pool.map(write, parts))
    else:
        written = [write(p) for p in parts]
    return written


def read_indicators(root: Path) -> pd.DataFrame:
    import pyarrow.dataset as ds
    return ds.dataset(root / "indicators", format="parquet").to_table().to_pandas()
