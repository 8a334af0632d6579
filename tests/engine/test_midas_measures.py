"""Hand-computed MiDAS cases at the boundaries measures.md names (data_as_of 2021-06-30)."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers import cell, midas_row as r, run, write_job, write_midas


def _run(tmp_path, rows, **job):
    write_midas(tmp_path, rows)
    return run(write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas/"}}, **job))


def test_worked_examples_of_measures_md(tmp_path):
    rows = [
        # one case: gap 5 (02-20 -> 02-26), 34 gross days
        r("A", "2020-02-01", "2020-02-20", 100), r("A", "2020-02-26", "2020-03-10", 50),
        # two cases: gap 6 (20 and 13 days)
        r("B", "2020-02-01", "2020-02-20", diag="M54.5", sex="M"), r("B", "2020-02-27", "2020-03-10", diag="M54.5", sex="M"),
        # nested period does not split: 149 gross days (unsorted input on purpose)
        r("C", "2020-05-04", "2020-05-31"), r("C", "2020-01-15", "2020-01-31", 50), r("C", "2020-01-01", "2020-04-30"),
        # not yet ended at data_as_of 2021-06-30 (end + 5 = 07-02)
        r("D", "2020-12-01", "2021-06-27"),
    ]
    df = _run(tmp_path, rows)
    c71 = cell(df, "7.1", "midas")
    assert c71.denominator == 3                      # A (34), B1 (20), C (149); B2 is 13 days
    assert c71.numerator == 34 + 20 + 149
    assert c71.value == pytest.approx((34 + 20 + 149) / 3)
    assert cell(df, "7.1", "midas:all-lengths").denominator == 4
    assert cell(df, "7.1", "midas:all-lengths").numerator == 34 + 20 + 13 + 149
    assert cell(df, "7.2a", "midas").numerator == 1  # C, 149 days
    assert cell(df, "7.2b", "midas").numerator == 0
    # 7.3: persons overlapping 2020: A, B, C, D; women A, C, D
    c73 = cell(df, "7.3", "midas")
    assert (c73.numerator, c73.denominator) == (3, 4)
    # 7.4 on 2020-12-31: only D is ongoing, full time
    assert (cell(df, "7.4", "midas").numerator, cell(df, "7.4", "midas").denominator) == (0, 1)
    # 7.5: A, B, C ended a case in 2020; B's index case ends 02-20, next starts 02-27 (7 days)
    c75 = cell(df, "7.5", "midas")
    assert (c75.numerator, c75.denominator) == (1, 3)
    assert "incomplete-followup" in c75.quality_flags


def test_gap_is_configurable(tmp_path):
    rows = [r("B", "2020-02-01", "2020-02-20"), r("B", "2020-02-27", "2020-03-10")]   # gap 6
    df = _run(tmp_path, rows, options={"max_gap_days": 6})
    c = cell(df, "7.1", "midas:all-lengths")
    assert (c.denominator, c.numerator) == (1, 20 + 13)


@pytest.mark.parametrize("length,in_den,band", [
    (14, False, None), (15, True, None), (90, True, None), (91, True, "7.2a"), (180, True, "7.2a"),
    (181, True, "7.2b"), (365, True, "7.2b"), (366, True, "7.2c"),
])
def test_length_boundaries(tmp_path, length, in_den, band):
    import datetime as dt
    start = dt.date(2019, 6, 1)
    end = start + dt.timedelta(days=length - 1)
    df = _run(tmp_path, [r("P", start.isoformat(), end.isoformat())], periods=[str(end.year)])
    period = str(end.year)
    c71 = cell(df, "7.1", "midas", period=period)
    assert c71.denominator == (1 if in_den else 0)
    assert c71.numerator == (length if in_den else 0)
    for m in ("7.2a", "7.2b", "7.2c"):
        c = cell(df, m, "midas", period=period)
        assert c.denominator == (1 if in_den else 0)
        assert c.numerator == (1 if m == band else 0), m


@pytest.mark.parametrize("end,ended", [("2021-06-24", True), ("2021-06-25", False)])
def test_case_ending_within_5_days_of_data_as_of_is_not_ended(tmp_path, end, ended):
    # ended by data_as_of D when end + 5 < D: 06-24 + 5 = 06-29 < 06-30; 06-25 + 5 = 06-30 is not
    df = _run(tmp_path, [r("P", "2021-05-01", end)], periods=["2021Q2"])
    c = cell(df, "7.1", "midas:all-lengths", period="2021Q2")
    assert c.denominator == (1 if ended else 0)
    assert "preliminary" in c.quality_flags          # 06-30 is not more than 5 days after the quarter end


def test_preliminary_flag_only_when_data_as_of_is_close(tmp_path):
    df = _run(tmp_path, [r("P", "2020-01-01", "2020-02-01")], periods=["2020Q1"], data_as_of="2020-04-06")
    assert pd.isna(cell(df, "7.1", "midas", period="2020Q1").quality_flags)     # 04-06 - 03-31 = 6 > 5
    df = _run(tmp_path, [r("P", "2020-01-01", "2020-02-01")], periods=["2020Q1"], data_as_of="2020-04-05")
    assert "preliminary" in cell(df, "7.1", "midas", period="2020Q1").quality_flags


@pytest.mark.parametrize("next_start,resick", [("2022-01-01", True), ("2022-01-02", False)])
def test_resickness_730_vs_731_days(tmp_path, next_start, resick):
    # index case ends 2020-01-02; 2022-01-01 - 2020-01-02 = 730 days
    rows = [r("P", "2019-12-01", "2020-01-02"), r("P", next_start, "2022-02-01")]
    df = _run(tmp_path, rows, data_as_of="2023-01-01")
    c = cell(df, "7.5", "midas")
    assert (c.numerator, c.denominator) == ((1 if resick else 0), 1)
    assert pd.isna(c.quality_flags)                   # data_as_of >= 2020-12-31 + 730


def test_person_with_two_ended_cases(tmp_path):
    # measures.md example: 14-day case then a 61-day case; 7.1/7.2 count only the second,
    # 7.5 counts the person once with the first as index case and re-sick (48 days later)
    rows = [r("P", "2020-03-01", "2020-03-14", diag="M54"), r("P", "2020-05-01", "2020-06-30", diag="F43.2")]
    df = _run(tmp_path, rows)
    c71 = cell(df, "7.1", "midas")
    assert (c71.numerator, c71.denominator) == (61, 1)
    c75 = cell(df, "7.5", "midas")
    assert (c75.numerator, c75.denominator) == (1, 1)
    # the index case (M54) places the person in the strata
    assert cell(df, "7.5", "midas", diagnosis_group="M").denominator == 1
    assert cell(df, "7.5", "midas", diagnosis_group="F").denominator == 0
    # persons variant: one person, all days of cases >= 15 days
    cp = cell(df, "7.1", "midas:persons")
    assert (cp.numerator, cp.denominator) == (61, 1)


def test_part_time_on_reference_date(tmp_path):
    # measures.md: on 2020-12-31 only the 50 % period covers the day -> part-time
    rows = [r("P", "2020-11-01", "2020-12-15", 100), r("P", "2020-12-10", "2021-02-28", 50),
            # a day inside a gap is not covered: Q ends 12-29, continues 01-02 (gap 3)
            r("Q", "2020-10-01", "2020-12-29", 50), r("Q", "2021-01-02", "2021-02-01", 50),
            # overlapping periods: the highest grade that day counts -> full time
            r("R", "2020-12-01", "2021-01-31", 50), r("R", "2020-12-20", "2021-01-10", 100)]
    df = _run(tmp_path, rows)
    c = cell(df, "7.4", "midas")
    assert (c.numerator, c.denominator) == (1, 2)


def test_age_outside_16_67_is_excluded_and_counted(tmp_path):
    rows = [r("P", "2020-01-01", "2020-02-01", born=2005),   # 15 at case start
            r("Q", "2020-01-01", "2020-02-01", born=2004),   # 16
            r("S", "2020-01-01", "2020-02-01", born=1952),   # 68
            r("U", "2020-01-01", "2020-02-01", born=1953)]   # 67
    write_midas(tmp_path, rows)
    job = write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas/"}}, measures=["7.1"])
    df = run(job)
    assert cell(df, "7.1", "midas").denominator == 2
    assert cell(df, "7.1", "midas", age_group="16-29").denominator == 1
    assert cell(df, "7.1", "midas", age_group="60-67").denominator == 1
    import json
    manifest = json.loads((tmp_path / "output" / "manifest.json").read_text())
    assert manifest["measures"]["7.1"]["variants"]["midas"]["exclusions"] == {"2020": {"age outside 16-67 or unknown": 2}}


def test_case_attributes_come_from_the_first_period(tmp_path):
    rows = [r("P", "2020-03-01", "2020-03-31", diag="M54.5", region="01", born=1980),
            r("P", "2020-02-01", "2020-02-29", diag="F43.2", region="12", born=1980)]
    df = _run(tmp_path, rows)
    assert cell(df, "7.1", "midas", region_code="12", diagnosis_group="F43").denominator == 1
    assert cell(df, "7.1", "midas", region_code="01").denominator == 0
    assert cell(df, "7.1", "midas", age_group="40-49").denominator == 1   # 2020 - 1980 = 40
