"""Related measures: N.1 (other care during sick leave, MiDAS + PAS linked) and N.2 (sick-listed
per 100 000 inhabitants, crude and directly age-standardised with the ESP 2013), hand-computed."""
from __future__ import annotations

import math

import pytest

from helpers import (cell, midas_row as m, pas_row as k, run, write_job, write_midas, write_pas,
                     write_population)

Z = 1.959963984540054


def test_n_1_emergency_and_inpatient_care_within_the_case(tmp_path):
    write_midas(tmp_path, [
        m("P1", "2020-02-01", "2020-03-31"),     # AKUT inside the case
        m("P2", "2020-02-01", "2020-03-31"),     # SLUTEN admitted on the case's last day
        m("P3", "2020-02-01", "2020-03-31"),     # AKUT the day before the case; BESOK inside: neither counts
        m("P4", "2020-02-01", "2020-03-31"),     # ADMIN inside: not other care
        m("P5", "2020-12-01", "2021-06-28"),     # not ended by data_as_of: not in the denominator
    ])
    write_pas(tmp_path, [
        k("K1", "P1", "2020-03-01", typ="AKUT"),
        k("K2", "P2", "2020-03-31", typ="SLUTEN", discharged="2020-04-10"),
        k("K3", "P3", "2020-01-31", typ="AKUT"), k("K3b", "P3", "2020-02-15", typ="BESOK"),
        k("K4", "P4", "2020-02-15", typ="ADMIN", op="DV077"),
        k("K5", "P5", "2020-12-15", typ="AKUT"),
    ])
    df = run(write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas"}, "region": {"kind": "pas", "path": "pas"}},
                       measures=["N.1"]))
    row = cell(df, "N.1", "midas+pas")
    assert (row.numerator, row.denominator) == (2, 4)
    assert cell(df, "N.1", "midas+pas", diagnosis_group="F").numerator == 2


def _byar(o):
    lo = o * (1 - 1 / (9 * o) - Z / (3 * math.sqrt(o))) ** 3
    hi = (o + 1) * (1 - 1 / (9 * (o + 1)) + Z / (3 * math.sqrt(o + 1))) ** 3
    return lo, hi


@pytest.fixture(scope="module")
def n2(tmp_path_factory):
    root = tmp_path_factory.mktemp("n2")
    cases = [m(f"A{i}", "2020-03-01", "2020-03-20", born=1995) for i in range(10)]        # age 25
    cases += [m(f"B{i}", "2020-05-01", "2020-05-20", born=1975) for i in range(5)]        # age 45
    cases += [m("C0", "2019-05-01", "2019-05-20", born=1975)]                              # started 2019
    write_midas(root, cases)
    pop = [["05", "K", a, "2020-11-01", 1000] for a in range(0, 90)]
    pop += [["05", "T", None, "2020-12-31", 90000]]                         # a region total (no age): not used
    pop += [["05", "K", a, "2019-12-31", 1] for a in range(16, 68)]          # an older datum: not used
    pop += [["05", "K", a, "2021-12-31", 1] for a in range(16, 68)]          # after the period: not used
    write_population(root, pop)
    job = write_job(root, {"fk": {"kind": "midas", "path": "midas"}, "scb": {"kind": "population", "path": "population"}},
                    measures=["N.2"])
    return run(job)


def test_n_2_crude_rate(n2):
    row = cell(n2, "N.2", "midas+population")
    assert (row.numerator, row.denominator) == (15, 52000)   # 52 ages 16–67 × 1000 on 2020-11-01
    assert row.value == pytest.approx(15 / 52000 * 1e5)
    lo, hi = _byar(15)
    assert (row.ci_lower, row.ci_upper) == (pytest.approx(lo / 52000 * 1e5), pytest.approx(hi / 52000 * 1e5))
    assert row.ci_method == "byar"


def test_n_2_population_is_broadcast_over_diagnosis_groups(n2):
    f = cell(n2, "N.2", "midas+population", diagnosis_group="F")
    mgroup = cell(n2, "N.2", "midas+population", diagnosis_group="M")
    assert (f.numerator, f.denominator) == (15, 52000)
    assert (mgroup.numerator, mgroup.denominator) == (0, 52000)


def test_n_2_age_standardised_with_esp2013(n2):
    row = cell(n2, "N.2", "midas+population:age-standardised")
    # ESP 2013 weights of the pieces 16–19 (4/5 of 5500), 20–24 … 60–64, 65–67 (3/5 of 5500)
    sum_w = 4400 + 6000 + 6000 + 6500 + 7000 + 7000 + 7000 + 7000 + 6500 + 6000 + 3300
    dsr = (6000 * 10 / 5000 + 7000 * 5 / 5000) / sum_w * 1e5
    var = (6000 ** 2 * 10 / 5000 ** 2 + 7000 ** 2 * 5 / 5000 ** 2) / sum_w ** 2
    lo, hi = _byar(15)
    assert row.value == pytest.approx(dsr)
    assert row.ci_lower == pytest.approx(dsr + math.sqrt(var / 15) * (lo - 15) * 1e5)
    assert row.ci_upper == pytest.approx(dsr + math.sqrt(var / 15) * (hi - 15) * 1e5)
    assert row.ci_method == "dobson"
    assert (row.numerator, row.denominator) == (15, 52000)


def test_n_2_age_standardised_within_an_age_group(n2):
    young = cell(n2, "N.2", "midas+population:age-standardised", age_group="16-29")
    assert young.value == pytest.approx(6000 * 10 / 5000 / (4400 + 6000 + 6000) * 1e5)
    assert young.denominator == 14000
    middle = cell(n2, "N.2", "midas+population:age-standardised", age_group="40-49")
    assert middle.numerator == 5 and math.isnan(middle.value)      # fewer than 10 events: no DSR
