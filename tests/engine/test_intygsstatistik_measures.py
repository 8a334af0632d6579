"""Hand-computed Intygsstatistik cases: the per-vårdgivare rule, FK7804 only, attributes,
completion requests and reminders (data_as_of 2021-06-30)."""
from __future__ import annotations

import pytest

from helpers import cell, intyg_row as i, run, write_intygsstatistik, write_job

SRC = {"inera": {"kind": "intygsstatistik", "path": "intyg/"}}


def test_cases_per_vardgivare_and_fk7804_only(tmp_path):
    intyg = [
        i("c1", "P1", "2020-02-01", vg="VG1", diag="M54.5", lan="01", sex="K", age=30),
        i("c2", "P1", "2020-02-20", vg="VG1", diag="F43.2", lan="05", sex="K", age=31),   # latest: F43, 05
        i("c3", "P1", "2020-03-01", vg="VG2", diag="F32.1", lan="14"),                   # other vårdgivare
        i("c4", "P2", "2020-02-01", typ="AG7804"),                                         # not FK7804
    ]
    perioder = [
        ["c1", 100, "2020-02-01", "2020-02-20"], ["c2", 50, "2020-02-21", "2020-03-31"],
        ["c3", 100, "2020-03-01", "2020-04-15"], ["c4", 100, "2020-02-01", "2020-05-01"],
    ]
    write_intygsstatistik(tmp_path, intyg, perioder)
    df = run(write_job(tmp_path, SRC, measures=["7.1", "7.3"]))
    c = cell(df, "7.1", "intygsstatistik")
    assert c.denominator == 2                           # P1@VG1 (60 days) and P1@VG2 (46 days); c4 ignored
    assert c.numerator == 60 + 46
    # diagnosis and region of the latest certificate, age of the first
    assert cell(df, "7.1", "intygsstatistik", region_code="05", diagnosis_group="F43").numerator == 60
    assert cell(df, "7.1", "intygsstatistik", region_code="01").denominator == 0
    assert cell(df, "7.1", "intygsstatistik", age_group="30-39", region_code="05").denominator == 1
    assert cell(df, "7.1", "intygsstatistik", region_code="14", diagnosis_group="F32-F33").denominator == 1
    # 7.3 counts the patient once in T although two cases
    c73 = cell(df, "7.3", "intygsstatistik")
    assert (c73.numerator, c73.denominator) == (1, 1)


def test_inera_region_00_is_unknown_region(tmp_path):
    write_intygsstatistik(tmp_path, [i("c1", "P1", "2020-02-01", lan="00")], [["c1", 100, "2020-02-01", "2020-03-01"]])
    df = run(write_job(tmp_path, SRC, measures=["7.1"]))
    assert cell(df, "7.1", "intygsstatistik", region_code="99").denominator == 1
    assert cell(df, "7.1", "intygsstatistik").denominator == 1


def test_7_5_is_refused_on_intygsstatistik(tmp_path):
    from indikatorer.errors import CapabilityError
    write_intygsstatistik(tmp_path, [i("c1", "P1", "2020-02-01")], [["c1", 100, "2020-02-01", "2020-03-01"]])
    with pytest.raises(CapabilityError, match="person-linked sick-leave data across years"):
        run(write_job(tmp_path, SRC, measures=["7.5"]))


def test_completion_requests_and_reminders(tmp_path):
    intyg = [i(f"c{n}", f"P{n}", "2020-03-01") for n in range(1, 7)]
    intyg.append(i("c7", "P7", "2021-04-15"))                  # window not closed by 2021-06-30
    perioder = [[f"c{n}", 100, "2020-03-01", "2020-03-20"] for n in range(1, 8)]
    medd = [
        ["m1", "c1", "KOMPLT", "2020-05-30"],                  # 90 days after signing: counts
        ["m2", "c2", "KOMPLT", "2020-05-31"],                  # 91 days: does not
        ["m3", "c3", "KOMPLT", "2020-03-10"], ["m4", "c3", "PAMINN", "2020-03-25"],   # request + reminder
        ["m5", "c4", "KOMPLT", "2020-03-10"], ["m6", "c4", "PAMINN", "2020-06-01"],   # reminder at 92 days
        ["m7", "c5", "PAMINN", "2020-03-05"],                  # reminder without request: not in 1.2
        ["m8", "c6", "AVSTMN", "2020-03-05"],
    ]
    write_intygsstatistik(tmp_path, intyg, perioder, medd)
    df = run(write_job(tmp_path, SRC, measures=["1.1", "1.2"], periods=["2020", "2021"]))
    c11 = cell(df, "1.1", "intygsstatistik")
    assert (c11.numerator, c11.denominator) == (3, 6)           # c1, c3, c4
    c12 = cell(df, "1.2", "intygsstatistik")
    assert (c12.numerator, c12.denominator) == (1, 3)           # c3
    c11_2021 = cell(df, "1.1", "intygsstatistik", period="2021")
    assert c11_2021.denominator == 0                             # c7 left out ...
    assert "preliminary" in c11_2021.quality_flags               # ... and the period flagged
    import json
    m = json.loads((tmp_path / "output" / "manifest.json").read_text())
    assert m["measures"]["1.1"]["variants"]["intygsstatistik"]["exclusions"]["2021"] == {
        "follow-up window not closed by data_as_of": 1}


def test_care_level_and_unit_strata_when_job_asks(tmp_path):
    intyg = [i("c1", "P1", "2020-03-01", niva="PSY", ve="VE9"), i("c2", "P2", "2020-03-01", niva="PV", ve="VE1")]
    perioder = [["c1", 100, "2020-03-01", "2020-03-20"], ["c2", 100, "2020-03-01", "2020-03-20"]]
    write_intygsstatistik(tmp_path, intyg, perioder, [["m1", "c1", "KOMPLT", "2020-03-10"]])
    df = run(write_job(tmp_path, SRC, measures=["1.1"], strata=["region", "care_level", "unit"]))
    psy = df[(df.care_level == "PSY") & (df.unit_id == "VE9") & (df.region_code == "00")]
    assert list(psy.numerator) == [1] and list(psy.denominator) == [1]
    tot = df[(df.care_level == "T") & (df.unit_id.isna()) & (df.region_code == "00") & (df.period == "2020")]
    assert list(tot.numerator) == [1] and list(tot.denominator) == [2]
