"""A small, hand-made output folder with known values for the report and export tests.

7.4 (andel, variant ``midas``), periods 2020Q1 (final) and 2020Q2 (``preliminary``):

    region            2020Q1 K / M / T            2020Q2 K / M / T
    00 Riket          30/100 30/100 60/200        33/100 33/100 66/200
    01 Stockholm      20/50  20/50  40/100        20/50  25/50  45/100
    03 Uppsala        ..     ..     12/60         ..     ..     15/60
    05 Östergötland   ..     ..     ..            ..     ..     ..
    99 Okänt län      0/0    0/0    0/0           0/0    0/0    0/0      (nothing to report)

7.1 (dagar, variant ``intygsstatistik``, approximate, flags ``incomplete-followup;preliminary``),
2020Q2 only: 00 K 2400/50 M 2650/50 T 5050/100; 01 K 950/25 M 1050/25 T 2000/50; 03 K, M
suppressed, T 1205/20. Plus two rows that are not top-level cells (an age group, a unit)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indikatorer.codes import REGION_NAMES
from indikatorer.output.table import COLUMNS, write_partitions
from indikatorer.stats import wilson_interval

S = None  # a suppressed cell
PERIODS = {"2020Q1": (dt.date(2020, 1, 1), dt.date(2020, 3, 31)), "2020Q2": (dt.date(2020, 4, 1), dt.date(2020, 6, 30))}

M74 = {
    "2020Q1": {"00": [(30, 100), (30, 100), (60, 200)], "01": [(20, 50), (20, 50), (40, 100)],
               "03": [S, S, (12, 60)], "05": [S, S, S], "99": [(0, 0), (0, 0), (0, 0)]},
    "2020Q2": {"00": [(33, 100), (33, 100), (66, 200)], "01": [(20, 50), (25, 50), (45, 100)],
               "03": [S, S, (15, 60)], "05": [S, S, S], "99": [(0, 0), (0, 0), (0, 0)]},
}
M71 = {"2020Q2": {"00": [(2400, 50), (2650, 50), (5050, 100)], "01": [(950, 25), (1050, 25), (2000, 50)],
                  "03": [S, S, (1205, 20)]}}


def _row(mid, variant, period, region, sex, cell, unit, *, flags=None, approximate=False, age="T", unit_id=None):
    start, end = PERIODS[period]
    base = {"measure_id": mid, "variant": variant, "period": period, "period_start": start, "period_end": end,
            "reference_date": end, "region_code": region, "region_name": REGION_NAMES[region], "sex": sex,
            "age_group": age, "diagnosis_group": "T", "care_level": "T", "unit_id": unit_id, "value_unit": unit,
            "approximate": approximate, "quality_flags": flags, "data_as_of": dt.date(2020, 8, 31),
            "run_id": "20200901T000000Z-test", "spec_hash": "sha256:test"}
    if cell is None:
        return {**base, "numerator": np.nan, "denominator": np.nan, "value": np.nan, "ci_lower": np.nan,
                "ci_upper": np.nan, "ci_method": "wilson" if unit == "andel" else "t-mean", "suppressed": True,
                "suppression_reason": "primary: count < 5"}
    num, den = cell
    if unit == "andel":
        value = num / den if den else np.nan
        lo, hi = wilson_interval(np.array([float(num)]), np.array([float(den)]))
        lo, hi = (float(lo[0]), float(hi[0])) if den else (np.nan, np.nan)
        method = "wilson"
    else:
        value = num / den
        lo, hi, method = value - 2.0, value + 2.0, "t-mean"
    return {**base, "numerator": float(num), "denominator": float(den), "value": value, "ci_lower": lo,
            "ci_upper": hi, "ci_method": method, "suppressed": False, "suppression_reason": None}


def small_table() -> pd.DataFrame:
    rows = []
    for period, regions in M74.items():
        flags = "preliminary" if period == "2020Q2" else None
        for region, cells in regions.items():
            for sex, cell in zip("KMT", cells):
                rows.append(_row("7.4", "midas", period, region, sex, cell, "andel", flags=flags))
    for period, regions in M71.items():
        for region, cells in regions.items():
            for sex, cell in zip("KMT", cells):
                rows.append(_row("7.1", "intygsstatistik", period, region, sex, cell, "dagar",
                                 flags="incomplete-followup;preliminary", approximate=True))
    # not top-level: ignored by the report, the workbook and the Kolada export; in the CSV
    rows.append(_row("7.4", "midas", "2020Q1", "01", "T", (10, 20), "andel", age="16-29"))
    rows.append(_row("7.1", "intygsstatistik", "2020Q2", "01", "T", (300, 10), "dagar", unit_id="VE1",
                     flags="incomplete-followup;preliminary", approximate=True))
    return pd.DataFrame(rows)[COLUMNS]


QUALITY = {"status": "failed", "checks": [
    {"check": "perioder.startdatum is not null", "source": "fk.perioder", "status": "passed", "failed_rows": 0},
    {"check": "intyg.kon in K/M", "source": "inera.intyg", "status": "failed", "failed_rows": 12}]}


def make_output(root: Path, *, quality=None, manifest=True) -> Path:
    write_partitions(root, small_table())
    if manifest:
        man = {"run_id": "20200901T000000Z-test", "job": "testjobb", "data_as_of": "2020-08-31",
               "periods": ["2020Q1", "2020Q2"], "finished_at": "2020-09-01T00:00:00+00:00",
               "software": {"indikatorer": "0.1.0"}, "disclosure": {"min_count": 5},
               "measures": {"7.4": {"options": {"max_gap_days": 5},
                                    "variants": {"midas": {"exclusions": {"2020Q1": {"age outside 16-67 or unknown": 3}},
                                                           "notes": []}}}},
               "skipped": {"1.1": "needs a source of kind intygsstatistik"},
               "notes": ["fk.perioder: extra column `kommentar` ignored"],
               "inputs": {"fk.perioder": {"origin": "midas/perioder.csv", "rows": 1234, "fingerprint": "sha256:x"}}}
        if quality is not None:
            man["quality"] = quality
        (root / "manifest.json").write_text(json.dumps(man, ensure_ascii=False), encoding="utf-8")
    return root


@pytest.fixture(name="make_output")
def make_output_fixture():
    return make_output


@pytest.fixture
def small_output(tmp_path) -> Path:
    return make_output(tmp_path / "out")


@pytest.fixture
def small_output_quality(tmp_path) -> Path:
    return make_output(tmp_path / "outq", quality=QUALITY)
