"""Area 2 (koordinering): 2.1a, 2.1b, 2.2 on the units survey, PAS, MiDAS and Intygsstatistik,
hand-computed. data_as_of 2021-06-30."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers import (cell, intyg_row, midas_row as m, pas_row as k, run, unit_row as u, write_enheter,
                     write_intygsstatistik, write_job, write_midas, write_pas)

UNITS = [
    u("2020Q2", "VE1", coord_n=1, coord_fte=0.5, coord_patients=3),        # superseded by VE1's Q4 report
    u("2020Q4", "VE1", coord_n=1, coord_fte=0.8, coord_patients=4),
    u("2020Q4", "VE2", coord_n=0, coord_fte=0.0, coord_patients=0),
    u("2020Q4", "VE3", niva="SSV", coord_n=2, coord_fte=1.0),
    u("2020Q4", "VE4", niva="PSY", coord_n=None, coord_fte=None),          # no answer: excluded from 2.1b
]
MIDAS = [
    m("P1", "2020-11-01", "2021-01-31"),
    m("P2", "2020-11-01", "2021-01-31", born=1950),         # age 70: excluded
    m("P3", "2020-12-01", "2021-02-28", region="01"),       # region 01: no survey, no PAS
    m("P4", "2020-03-01", "2020-04-30"),
    m("P5", "2020-12-10", "2021-01-20"),
]
CONTACTS = [
    k("K1", "P1", "2020-06-01", op="GC001"),
    k("K1b", "P1", "2020-09-01", op="GC001"),               # the same patient twice: one person
    k("K2", "P2", "2020-06-01", op="GC001", niva="SSV"),    # not primary care
    k("K3", "P7", "2020-06-01", op="ZV506 GC001", typ="ADMIN"),   # without the patient present: counts
    k("K4", "P8", "2021-01-10", op="GC001"),                # outside the period
]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    root = tmp_path_factory.mktemp("area2")
    write_enheter(root, UNITS)
    write_midas(root, MIDAS)
    write_pas(root, CONTACTS)
    job = write_job(root, {"fk": {"kind": "midas", "path": "midas"}, "units": {"kind": "enheter", "path": "enheter"},
                           "region": {"kind": "pas", "path": "pas"}},
                    periods=["2020", "2020Q3", "2020Q4"], measures=["2.1a", "2.1b", "2.2"])
    return run(job)


def test_2_1a_fte_per_1000_ongoing_cases(table):
    row = cell(table, "2.1a", "enheter+midas")
    # FTE of the latest reports in 2020: VE1 0.8 + VE2 0 + VE3 1.0 (+ VE4 none); cases ongoing on
    # 2020-12-31 in region 05: P1, P5 (P2 too old; P3's region has no survey)
    assert (row.numerator, row.denominator) == (pytest.approx(1.8), 2)
    assert row.value == pytest.approx(900.0)
    assert row.value_unit == "per_1000"
    assert not row.approximate
    per_region = cell(table, "2.1a", "enheter+midas", region_code="05")
    assert per_region.value == pytest.approx(900.0)


def test_2_1a_persons_variant_and_quarter(table):
    assert cell(table, "2.1a", "enheter+midas:persons").denominator == 2
    q4 = cell(table, "2.1a", "enheter+midas", period="2020Q4")
    assert q4.numerator == pytest.approx(1.8)


def test_2_1a_period_without_survey_is_flagged(table):
    q3 = cell(table, "2.1a", "enheter+midas", period="2020Q3")
    assert q3.numerator == 0
    assert "missing-enheter-data" in q3.quality_flags
    q4 = cell(table, "2.1a", "enheter+midas", period="2020Q4").quality_flags
    assert pd.isna(q4) or "missing-enheter-data" not in q4


def test_2_1b_units_with_a_coordinator(table):
    row = cell(table, "2.1b", "enheter")
    assert (row.numerator, row.denominator) == (2, 3)       # VE1, VE3 of VE1–VE3 (VE4 did not answer)
    pv = cell(table, "2.1b", "enheter", care_level="PV")
    assert (pv.numerator, pv.denominator) == (1, 2)
    assert not row.suppressed                               # units: no small-count suppression


def test_2_2_unique_primary_care_patients_with_gc001(table):
    row = cell(table, "2.2", "pas+midas")
    # numerator: P1 (twice, one person), P7 (ADMIN); P2 is SSV, P8 is 2021
    # denominator (MiDAS has no care level): cases overlapping 2020 in region 05: P1, P4, P5
    assert (row.numerator, row.denominator) == (2, 3)
    assert row.approximate


def test_2_2_nyckeltal_variant(table):
    row = cell(table, "2.2", "enheter+midas:nyckeltal")
    assert (row.numerator, row.denominator) == (4, 3)       # koordinering_patienter of the PV units (VE1 4, VE2 0)
    assert row.approximate


def test_2_2_with_intygsstatistik_counts_primary_care_cases_per_unit(tmp_path):
    write_pas(tmp_path, CONTACTS)
    intyg = [intyg_row("I1", "X1", "2020-05-01", niva="PV", ve="VE1"),
             intyg_row("I2", "X2", "2020-05-01", niva="SSV", ve="VE3"),
             intyg_row("I3", "X3", "2020-06-01", niva="PV", ve="VE2")]
    perioder = [["I1", 100, "2020-05-01", "2020-05-30"], ["I2", 100, "2020-05-01", "2020-05-30"],
                ["I3", 50, "2020-06-01", "2020-06-30"]]
    write_intygsstatistik(tmp_path, intyg, perioder)
    job = write_job(tmp_path, {"i": {"kind": "intygsstatistik", "path": "intyg"}, "region": {"kind": "pas", "path": "pas"}},
                    measures=["2.2"], strata=["region", "unit"])
    df = run(job)
    total = df[(df.measure_id == "2.2") & (df.region_code == "00") & df.unit_id.isna()].iloc[0]
    assert (total.numerator, total.denominator) == (2, 2)   # PV cases X1, X3 (X2 is SSV)
    assert total.variant == "pas+intygsstatistik"
    ve1 = df[(df.measure_id == "2.2") & (df.region_code == "00") & (df.unit_id == "VE1")].iloc[0]
    assert (ve1.numerator, ve1.denominator) == (2, 1)       # K1 (P1) and K3 (P7) are at VE1


def test_2_2_approximate_share_above_one_has_no_interval(table):
    row = cell(table, "2.2", "enheter+midas:nyckeltal")
    assert row.value == pytest.approx(4 / 3)
    assert pd.isna(row.ci_lower) and pd.isna(row.ci_upper) and pd.isna(row.ci_method)   # no binomial interval
