"""Area 4 (plan för återgång i arbete): 4.1, 4.1v, 4.2 — MiDAS and PAS linked person by person,
hand-computed. data_as_of 2021-06-30, period 2020 (reference date 2020-12-31)."""
from __future__ import annotations

import json

import pytest

from helpers import cell, midas_row as m, pas_row as k, run, write_job, write_midas, write_pas

SOURCES = {"fk": {"kind": "midas", "path": "midas"}, "region": {"kind": "pas", "path": "pas"}}

PERIODS = [
    m("P1", "2020-11-01", "2021-01-31"),            # DV077 exactly 30 days before the start: counts
    m("P2", "2020-11-01", "2021-01-31"),            # DV077 31 days before the start: does not
    m("P3", "2020-12-01", "2021-02-28"),            # DV077 on an ADMIN contact after the reference date, in the case
    m("P4", "2020-03-01", "2020-04-30"),            # two cases; DV077 only in the first
    m("P4", "2020-12-01", "2021-01-15"),
    m("P6", "2020-12-01", "2021-01-15"),            # no PAS contact at all
    m("P8", "2020-12-01", "2021-01-15", region="01"),   # home region not in the PAS extract
    m("P9", "2020-12-01", "2021-01-15", born=1940),     # age 80: excluded
]
CONTACTS = [
    k("K1", "P1", "2020-10-02", op="DV077"),                    # start − 30
    k("K1b", "P1", "2020-12-01", op="AW026 ZV506"),             # follow-up after the plan
    k("K2", "P2", "2020-10-01", op="DV077"),                    # start − 31
    k("K3", "P3", "2021-02-10", op="XX000 DV077", typ="ADMIN"),
    k("K3b", "P3", "2021-02-10", op="AW026"),                   # same day as the plan: not after it
    k("K4", "P4", "2020-03-15", op="DV077"),
    k("K5", "P6", "2020-12-05", op="DV0770"),                   # another code, not DV077
]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    root = tmp_path_factory.mktemp("area4")
    write_midas(root, PERIODS)
    write_pas(root, CONTACTS)
    job = write_job(root, SOURCES, measures=["4.1", "4.1v", "4.2"])
    df = run(job)
    manifest = json.loads((root / "output" / "manifest.json").read_text())
    return df, manifest


def test_4_1_point_variant_counts_dv077_from_30_days_before_the_case(table):
    df, _ = table
    row = cell(df, "4.1", "midas+pas")
    # denominator: P1 P2 P3 P4 P6 ongoing on 2020-12-31 (P8 not covered, P9 too old)
    assert (row.numerator, row.denominator) == (2, 5)       # P1 (start − 30), P3 (ADMIN, in the case)
    assert row.value == pytest.approx(0.4)
    assert not row.approximate


def test_4_1_period_variant_person_with_two_cases_counts_once(table):
    df, _ = table
    row = cell(df, "4.1", "midas+pas:period")
    assert (row.numerator, row.denominator) == (3, 5)       # P4 once, through its first case


def test_4_1_exclusions_are_counted_in_the_manifest(table):
    _, manifest = table
    excl = manifest["measures"]["4.1"]["variants"]["midas+pas"]["exclusions"]["2020"]
    assert excl == {"age outside 16-67 or unknown": 1, "home region not covered by the PAS extract": 1}


def test_4_1v_counts_contacts_per_1000_sick_listed(table):
    df, _ = table
    row = cell(df, "4.1v", "pas+midas")
    # DV077 contacts dated in 2020: K1, K2, K4 (K3 is 2021); persons sick-listed in 2020: P1 P2 P3 P4 P6
    assert (row.numerator, row.denominator) == (3, 5)
    assert row.value == pytest.approx(600.0)
    assert row.approximate
    assert row.ci_method == "exact"


def test_4_2_follow_up_strictly_after_the_first_plan(table):
    df, _ = table
    point = cell(df, "4.2", "midas+pas")
    assert (point.numerator, point.denominator) == (1, 2)    # P1 followed up; P3's AW026 is on the plan's day
    period = cell(df, "4.2", "midas+pas:period")
    assert (period.numerator, period.denominator) == (1, 3)  # + P4 (plan, no follow-up)


def test_4_1_local_code_list_from_the_job(tmp_path):
    """A region adds a local code by option: DV0770 now counts for P6."""
    write_midas(tmp_path, PERIODS)
    write_pas(tmp_path, CONTACTS)
    df = run(write_job(tmp_path, SOURCES, measures=["4.1"], options={"4.1": {"kva_codes": ["DV077", "DV0770"]}}))
    assert cell(df, "4.1", "midas+pas").numerator == 3


def test_4_1_lookback_is_an_option(tmp_path):
    write_midas(tmp_path, PERIODS)
    write_pas(tmp_path, CONTACTS)
    df = run(write_job(tmp_path, SOURCES, measures=["4.1"], options={"4.1": {"lookback_days": 31}}))
    assert cell(df, "4.1", "midas+pas").numerator == 3      # P2's plan on start − 31 now counts
