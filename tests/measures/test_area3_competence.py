"""Area 3 (försäkringsmedicinsk kompetens): 3.1a, 3.1b, 3.2 on the units survey (and MiDAS for
3.1b), hand-computed. data_as_of 2021-06-30, period 2020."""
from __future__ import annotations

import pytest

from helpers import cell, midas_row as m, run, unit_row as u, write_enheter, write_job, write_midas

UNITS = [
    u("2020Q4", "VE1", expert=True, expert_fte=0.2, fm="LAK SSK"),
    u("2020Q4", "VE2", expert=False, fm=""),                          # offers no education
    u("2020Q4", "VE3", niva="SSV", expert=True, expert_fte=0.5, fm="FYS"),
    u("2020Q4", "VE4", expert=None, fm="LAK", lan="01"),              # no answer on the expert physician
    u("2020Q2", "VE5", expert=True, expert_fte=1.0, fm="PSYK"),       # only an earlier report: still latest in 2020
]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    root = tmp_path_factory.mktemp("area3")
    write_enheter(root, UNITS)
    write_midas(root, [m("P1", "2020-11-01", "2021-01-31"), m("P2", "2020-12-01", "2021-02-28"),
                       m("P2", "2021-05-01", "2021-05-30"), m("P3", "2020-03-01", "2020-04-30")])
    job = write_job(root, {"units": {"kind": "enheter", "path": "enheter"}, "fk": {"kind": "midas", "path": "midas"}},
                    measures=["3.1a", "3.1b", "3.2"])
    return run(job)


def test_3_1a_units_with_access_to_an_expert_physician(table):
    row = cell(table, "3.1a", "enheter")
    assert (row.numerator, row.denominator) == (3, 4)       # VE1 VE3 VE5 of VE1 VE2 VE3 VE5 (VE4 no answer)
    assert cell(table, "3.1a", "enheter", care_level="SSV").value == 1.0
    assert cell(table, "3.1a", "enheter", region_code="01").denominator == 0


def test_3_1b_fte_per_10000_ongoing_cases(table):
    row = cell(table, "3.1b", "enheter+midas")
    # FTE: 0.2 + 0.5 + 1.0 = 1.7; ongoing on 2020-12-31: P1, P2 (P3 ended in April)
    assert row.numerator == pytest.approx(1.7)
    assert row.denominator == 2
    assert row.value == pytest.approx(8500.0)
    assert row.value_unit == "per_10000"


@pytest.mark.parametrize("variant, numerator", [("enheter", 3), ("enheter:LAK", 2), ("enheter:SSK", 1),
                                                ("enheter:FYS", 0), ("enheter:PSYK", 1), ("enheter:AT", 0)])
def test_3_2_primary_care_units_per_profession(table, variant, numerator):
    row = cell(table, "3.2", variant)
    # primary-care units: VE1 (LAK SSK), VE2 (none), VE4 (LAK, region 01), VE5 (PSYK); VE3 is SSV
    assert (row.numerator, row.denominator) == (numerator, 4)
