"""The indicator table of conventions.md as a hive-partitioned Parquet dataset.

Each partition ``indicators/measure_id=<id>/period=<label>/data.parquet`` is written to a
temporary file beside it and swapped in with ``os.replace`` (atomic on POSIX), so readers
see either the old or the new partition, never half of one. The partition columns are also
stored in the files, so ``pyarrow.dataset.dataset(output/indicators)`` reads everything."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

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
    """Write one file per (measure_id, period); return the partitions written."""
    written = []
    for (mid, period), part in frame.groupby(["measure_id", "period"], sort=True):
        target_dir = partition_dir(root, str(mid), str(period))
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / "data.parquet"
        tmp = target_dir / f".data-{uuid.uuid4().hex}.tmp"
        pq.write_table(to_arrow(part), tmp, compression="zstd")
        os.chmod(tmp, mode)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        written.append(f"{mid}/{period}")
    return written


def read_indicators(root: Path) -> pd.DataFrame:
    import pyarrow.dataset as ds
    return ds.dataset(root / "indicators", format="parquet").to_table().to_pandas()
