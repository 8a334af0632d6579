"""Area 6 (Nationell patientenkät): 6.1, 6.2a–c — positive-answer sets, survey weights with
Kish's effective sample size, survey years; hand-computed."""
from __future__ import annotations

import json
import math

import pytest

from helpers import npe_row as a, run, write_job, write_npe

Z = 1.959963984540054


def wilson(x, n):
    centre, half = 2 * x + Z * Z, Z * math.sqrt(Z * Z + 4 * x * (1 - x / n))
    return (centre - half) / (2 * (n + Z * Z)), (centre + half) / (2 * (n + Z * Z))


ANSWERS = [
    a("R1", "BEMOTANDE", 5, weight=2.0, unit="VE1"),
    a("R2", "BEMOTANDE", 4, weight=1.0, unit="VE1"),
    a("R3", "BEMOTANDE", 2, weight=1.0, unit="VE2", sex="M"),
    a("R4", "BEMOTANDE", 1, weight=4.0, unit="VE2"),
    a("R5", "BEMOTANDE", None, weight=1.0),                  # not answered
    a("R6", "BEMOTANDE", 5, sick=False, weight=1.0),         # not sick-listed
    a("R7", "BEMOTANDE", 5, age=80, weight=1.0),             # outside 16–67: excluded, counted
    a("R8", "BEMOTANDE", 5, weight=None),                    # weighted run: no weight, excluded
    a("R9", "BEMOTANDE", 5, survey="PV2021", weight=1.0),    # another year
    a("R1", "KOORD_BEHOV", 1, weight=2.0), a("R2", "KOORD_BEHOV", 0, weight=1.0),
    a("R1", "KOORD_ERBJUDEN", 0, weight=2.0), a("R3", "KOORD_ERBJUDEN", 1, weight=1.0, sex="M"),
    a("R4", "KOORD_HJALP", 1, weight=4.0),
]


@pytest.fixture(scope="module")
def weighted(tmp_path_factory):
    root = tmp_path_factory.mktemp("area6")
    write_npe(root, ANSWERS)
    job = write_job(root, {"npe": {"kind": "npe", "path": "npe"}}, periods=["2020", "2020Q4"], measures=["6.1", "6.2"],
                    strata=["region", "sex", "age_group", "unit"])
    df = run(job)
    return df, json.loads((root / "output" / "manifest.json").read_text())


def test_6_1_weighted_share_with_kish_interval(weighted):
    df, _ = weighted
    row = _total(df, "6.1")
    # respondents R1–R4: positive R1 (w 2), R2 (w 1); Σw = 8, Σw·y = 3, Σw² = 22
    assert (row.numerator, row.denominator) == (2, 4)        # unweighted respondents (disclosure)
    assert row.value == pytest.approx(3 / 8)
    n_eff = 64 / 22
    lo, hi = wilson(3 / 8 * n_eff, n_eff)
    assert (row.ci_lower, row.ci_upper) == (pytest.approx(lo), pytest.approx(hi))
    assert row.ci_method == "wilson-kish"


def test_6_1_exclusions_and_years(weighted):
    df, manifest = weighted
    excl = manifest["measures"]["6.1"]["variants"]["npe"]["exclusions"]["2020"]
    assert excl == {"age outside 16-67 or unknown": 1, "survey weight missing": 1}
    assert not (df[df.measure_id == "6.1"].period == "2020Q4").any()    # surveys are yearly
    assert any("yearly" in n for n in manifest["measures"]["6.1"]["variants"]["npe"]["notes"])


def test_6_1_per_unit_and_sex(weighted):
    df, _ = weighted
    ve2 = _total(df, "6.1", unit_id="VE2")
    assert (ve2.numerator, ve2.denominator, ve2.value) == (0, 2, 0)
    men = _total(df, "6.1", sex="M")
    assert (men.numerator, men.denominator) == (0, 1)


@pytest.mark.parametrize("measure, num, den, value", [
    ("6.2a", 1, 2, 2 / 3), ("6.2b", 1, 2, 1 / 3), ("6.2c", 1, 1, 1.0)])
def test_6_2_yes_answers(weighted, measure, num, den, value):
    row = _total(weighted[0], measure)
    assert (row.numerator, row.denominator) == (num, den)
    assert row.value == pytest.approx(value)


def test_unweighted_when_the_extract_has_no_weights(tmp_path):
    write_npe(tmp_path, [a(r[0], r[7], r[8], sick=r[6] == "true", survey=r[1], unit=r[3], sex=r[4], age=r[5])
                         for r in ANSWERS])
    df = run(write_job(tmp_path, {"npe": {"kind": "npe", "path": "npe"}}, measures=["6.1"]))
    row = _total(df, "6.1")
    assert (row.numerator, row.denominator, row.value) == (3, 5, 0.6)     # R8 kept: no weights at all
    lo, hi = wilson(3, 5)
    assert (row.ci_lower, row.ci_upper, row.ci_method) == (pytest.approx(lo), pytest.approx(hi), "wilson")


def test_positive_answers_are_an_option(tmp_path):
    write_npe(tmp_path, ANSWERS)
    df = run(write_job(tmp_path, {"npe": {"kind": "npe", "path": "npe"}}, measures=["6.1"],
                       options={"6.1": {"positive_answers": [5], "use_weights": False}}))
    row = _total(df, "6.1")
    assert (row.numerator, row.denominator) == (2, 5)       # R1 and R8 answered 5; weights off: R8 stays
    assert row.ci_method == "wilson"


def _total(df, measure, unit_id=None, **dims):
    want = {"region_code": "00", "sex": "T", "age_group": "T", "period": "2020", **dims}
    m = df.measure_id == measure
    for c, v in want.items():
        m &= df[c] == v
    m &= df.unit_id.isna() if unit_id is None else df.unit_id == unit_id
    rows = df[m]
    assert len(rows) == 1
    return rows.iloc[0]
