"""``write_partitions`` sorts and converts the whole table once and writes the partitions in two
threads; its files must be byte for byte the ones of the per-partition path (``to_arrow`` of
each ``groupby`` group), whatever the row order, nulls and ties."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from indikatorer.output.table import COLUMNS, SCHEMA, partition_dir, read_indicators, to_arrow, write_partitions


def random_table(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)

    def pick(values, nulls=0.0):
        out = np.array(values, dtype=object)[rng.integers(0, len(values), n)]
        out[rng.random(n) < nulls] = None
        return out
    f = pd.DataFrame({
        "measure_id": pick(["7.1", "7.1b", "7.10", "1.1", "N.2", "å.1"]),
        "variant": pick(["midas", "intygsstatistik", "midas:persons", "midas+pas"]),
        "period": pick(["2020", "2020Q1", "2020Q2", "2021M03"]),
        "region_code": pick(["00", "01", "03", "25", "99", "Ö1"], 0.1),
        "region_name": pick(["Riket", "Stockholm", None]),
        "sex": pick(["K", "M", "T"], 0.05),
        "age_group": pick(["all", "16-29", "30-39", ""], 0.1),
        "diagnosis_group": pick(["all", "F", "M"], 0.1),
        "care_level": pick(["all", "primary", "specialist"], 0.1),
        "unit_id": pick(["\x1fall", "u1", "u2", "ü3"], 0.2),
        "numerator": rng.integers(0, 50, n).astype(float),
        "denominator": rng.integers(0, 100, n).astype(float),
        "value": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
        "value_unit": pick(["andel", "dagar"]),
        "ci_lower": rng.random(n), "ci_upper": rng.random(n),
        "ci_method": pick(["wilson", None]),
        "suppressed": rng.random(n) < 0.2,
        "suppression_reason": pick(["min_count", None], 0.5),
        "approximate": rng.random(n) < 0.1,
        "quality_flags": pick(["", "preliminary", "dq:x;preliminary"], 0.3),
        "run_id": "r", "spec_hash": pick(["h1", "h2"]),
    })
    for c in ("period_start", "period_end", "reference_date", "data_as_of"):
        f[c] = dt.date(2020, 1, 1)
    return f[COLUMNS]


def reference(root, frame: pd.DataFrame) -> list[str]:
    """The per-partition path the function replaced (pandas sort per groupby group)."""
    written = []
    for (mid, period), part in frame.groupby(["measure_id", "period"], sort=True):
        d = partition_dir(root, str(mid), str(period))
        d.mkdir(parents=True, exist_ok=True)
        pq.write_table(to_arrow(part), d / "data.parquet", compression="zstd")
        written.append(f"{mid}/{period}")
    return written


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_files_are_those_of_the_per_partition_path(tmp_path, seed):
    frame = random_table(seed)
    if seed == 3:                                   # pandas' string dtype, as the engine's table has
        frame = frame.astype({c: "string" for c in ("measure_id", "period", "variant", "sex")})
    old, new = tmp_path / "old", tmp_path / "new"
    expected = reference(old, frame)
    assert write_partitions(new, frame.sample(frac=1, random_state=seed).sort_index()) == expected
    assert write_partitions(tmp_path / "shuffled", frame) == expected
    files = sorted(p.relative_to(old) for p in old.rglob("data.parquet"))
    assert len(files) == len(expected) > 10
    for rel in files:
        assert (new / rel).read_bytes() == (old / rel).read_bytes(), rel
    assert not list(new.rglob(".data-*"))           # no temporary file left
    back = read_indicators(new)
    assert len(back) == len(frame)


def test_ties_keep_the_input_order(tmp_path):
    frame = random_table(5, 400)
    frame[["variant", "region_code", "sex", "age_group", "diagnosis_group", "care_level", "unit_id"]] = "x"
    frame["numerator"] = np.arange(len(frame), dtype=float)          # tells the rows apart
    write_partitions(tmp_path / "new", frame)
    reference(tmp_path / "old", frame)
    for f in (tmp_path / "old").rglob("data.parquet"):
        new = pq.read_table(tmp_path / "new" / f.relative_to(tmp_path / "old")).column("numerator").to_pylist()
        assert new == pq.read_table(f).column("numerator").to_pylist()
        assert new == sorted(new)


def test_one_partition_and_schema(tmp_path):
    frame = random_table(7, 50)
    frame["measure_id"], frame["period"] = "7.4", "2020"
    assert write_partitions(tmp_path, frame) == ["7.4/2020"]
    t = pq.read_table(partition_dir(tmp_path, "7.4", "2020") / "data.parquet")
    assert t.schema.remove_metadata() == SCHEMA.remove_metadata() and t.num_rows == 50
