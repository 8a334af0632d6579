"""Area 5 (samverkan): 5.1 (person-linked and aggregate) and 5.2 (impulses), hand-computed.
data_as_of 2021-06-30, period 2020 (reference date 2020-12-31)."""
from __future__ import annotations

import pytest

from helpers import cell, midas_row as m, pas_row as k, run, write_job, write_midas, write_pas

MIDAS = [
    m("P1", "2020-11-01", "2021-01-31"),                          # employed, ZV506 in the case
    m("P2", "2020-11-01", "2021-01-31"),                          # employed, ZV506 the day before the case
    m("P3", "2020-11-01", "2021-01-31", empl="ARBL"),             # unemployed: not in the denominator
    m("P4", "2020-02-01", "2020-03-31"),                          # employed, period only, ZV506 on an ADMIN contact
    m("P5", "2020-12-15", "2021-01-31"),                          # employed, no contact
]
CONTACTS = [
    k("K1", "P1", "2020-12-20", op="ZV506"),
    k("K2", "P2", "2020-10-31", op="ZV506"),
    k("K3", "P3", "2020-11-20", op="ZV506"),
    k("K4", "P4", "2020-02-10", op="DV077 ZV506", typ="ADMIN"),
    k("K5", "P9", "2020-06-10", op="ZV506"),                      # not sick-listed (aggregate numerator only)
]
ARENDEN = [
    ["P1", "2020-11-10", "IMPULS_INTYG", "05", "VE1"],
    ["P1", "2020-11-11", "IMPULS_FK7429", "05", ""],
    ["P4", "2020-02-20", "IMPULS_MUNTLIG", "05", ""],
    ["P2", "2020-11-10", "KOMPLETTERING", "05", ""],             # not an impulse
    ["P9", "2021-01-10", "IMPULS_INTYG", "05", ""],              # outside the period
]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    root = tmp_path_factory.mktemp("area5")
    write_midas(root, MIDAS, arenden=ARENDEN)
    write_pas(root, CONTACTS)
    job = write_job(root, {"fk": {"kind": "midas", "path": "midas"}, "region": {"kind": "pas", "path": "pas"}},
                    measures=["5.1", "5.2"])
    return run(job)


def test_5_1_person_linked_on_the_reference_date(table):
    row = cell(table, "5.1", "midas+pas")
    assert (row.numerator, row.denominator) == (1, 3)       # P1 of P1 P2 P5 (P2's contact is before the case)
    assert not row.approximate


def test_5_1_period_variant(table):
    row = cell(table, "5.1", "midas+pas:period")
    assert (row.numerator, row.denominator) == (2, 4)       # P1, P4 (ADMIN) of P1 P2 P4 P5


def test_5_1_aggregate_variant_is_approximate(table):
    row = cell(table, "5.1", "pas+midas:aggregate")
    # PAS persons with ZV506 in 2020: P1 P2 P3 P4 P9 (employment and sick leave unknown to PAS)
    assert (row.numerator, row.denominator) == (5, 4)
    assert row.approximate


def test_5_1_lookback_option(tmp_path):
    write_midas(tmp_path, MIDAS)
    write_pas(tmp_path, CONTACTS)
    df = run(write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas"}, "region": {"kind": "pas", "path": "pas"}},
                       measures=["5.1"], options={"5.1": {"lookback_days": 1}}))
    assert cell(df, "5.1", "midas+pas").numerator == 2


@pytest.mark.parametrize("variant, numerator, denominator", [
    ("midas", 3, 5), ("midas:intyg", 1, 5), ("midas:fk7429", 1, 5), ("midas:muntlig", 1, 5), ("midas:persons", 3, 5)])
def test_5_2_impulses_per_1000_cases(table, variant, numerator, denominator):
    row = cell(table, "5.2", variant)
    assert (row.numerator, row.denominator) == (numerator, denominator)
    assert row.value == pytest.approx(1000 * numerator / denominator)
    assert row.value_unit == "per_1000"
