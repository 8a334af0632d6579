"""Villkor 3 rules on small hand-made reports: missing reports stay empty, per-1000 with ages
16–67 on the population date, change vs the previous year per region, payments through the
engine with caps that bind, findings."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers import run, write_job, write_table
from indikatorer.codes import REGIONS
from indikatorer.villkor3 import Reports, villkor3_findings

ALL = sorted(REGIONS)
FORMS = ["KBT", "IKBT", "IPT", "PDT", "EMDR", "ANNAN_PSYK", "MMR1", "MMR2", "BETEENDEMED", "AKTIV_TRANING",
         "ANNAN_SMARTA"]


def forms(year, region, **counts):
    return [[year, region, f, counts.get(f, 0)] for f in FORMS]


def write_sources(root, behandlingar, fordelning=(), kontakter=(), population=()):
    write_table(root / "v3", "behandlingar", ["ar", "region", "behandlingsform", "antal"], behandlingar)
    write_table(root / "v3", "fordelning", ["ar", "region", "kvinnor", "man", "privat", "offentlig"], fordelning)
    write_table(root / "v3", "kontakter", ["ar", "region", "arbetsgivare", "arbetsformedlingen"], kontakter)
    sources = {"fk": {"kind": "villkor3", "path": "v3/"}}
    if population:
        write_table(root / "pop", "befolkning", ["lan_kod", "kon", "alder", "datum", "antal"], population)
        sources["scb"] = {"kind": "population", "path": "pop/"}
    return sources


def get(df, measure, variant, region, period="2020"):
    m = (df.measure_id == measure) & (df.variant == variant) & (df.region_code == region) & (df.period == period)
    rows = df[m]
    assert len(rows) == 1, (measure, variant, region, len(rows))
    return rows.iloc[0]


def flagset(r) -> set[str]:
    f = r.quality_flags
    return {x for x in f.split(";") if not x.startswith("dq:")} if isinstance(f, str) else set()


def test_missing_report_is_empty_not_zero(tmp_path):
    b = forms(2020, "01", KBT=80, MMR2=20) + forms(2020, "05", KBT=10)
    sources = write_sources(tmp_path, b,
                            fordelning=[[2020, "01", 70, 30, 60, 40]],            # 05 sent no split
                            kontakter=[[2020, "01", 5, 1]])                       # 05 sent no contacts
    df = run(write_job(tmp_path, sources, measures=["V3.1", "V3.2", "V3.4", "V3.6"]))
    # Gotland (09) sent nothing: every row empty and flagged
    for measure, variant in [("V3.1", "KBT"), ("V3.2", "villkor3"), ("V3.4", "villkor3"), ("V3.6", "kontakt")]:
        r = get(df, measure, variant, "09")
        assert pd.isna(r.numerator) and pd.isna(r.value), (measure, variant)
        assert "missing-report" in flagset(r)
    # 05 reported treatments only
    assert get(df, "V3.1", "KBT", "05").numerator == 10
    assert "missing-report" not in flagset(get(df, "V3.1", "KBT", "05"))
    for measure, variant in [("V3.2", "villkor3"), ("V3.4", "villkor3"), ("V3.6", "kontakt")]:
        r = get(df, measure, variant, "05")
        assert pd.isna(r.numerator) and pd.isna(r.value) and "missing-report" in flagset(r), measure
    # national totals: the regions that reported the part, flagged incomplete
    assert get(df, "V3.1", "ALLA", "00").numerator == 110
    r = get(df, "V3.4", "villkor3", "00")
    assert (r.numerator, r.denominator) == (6, 100) and r.value == pytest.approx(0.06)
    assert "incomplete-total" in flagset(r)
    r = get(df, "V3.2", "villkor3", "00")
    assert (r.numerator, r.denominator) == (70, 100)
    # without a population the 500 MSEK cannot be shared, but the contact claims fit the pot
    assert pd.isna(get(df, "V3.6", "befolkningsandel", "01").value)
    assert "missing-population" in flagset(get(df, "V3.6", "befolkningsandel", "01"))
    assert get(df, "V3.6", "kontakt", "01").value == 18_000


def test_zero_contacts_as_missing_option(tmp_path):
    b = forms(2020, "12", KBT=100) + forms(2020, "01", KBT=100)
    sources = write_sources(tmp_path, b, kontakter=[[2020, "12", 0, 0], [2020, "01", 10, 0]])
    df = run(write_job(tmp_path, sources, measures=["V3.4", "V3.6"]))
    assert get(df, "V3.4", "villkor3", "00").denominator == 200           # default: Skåne's 0 counts
    assert get(df, "V3.6", "kontakt", "12").value == 0
    opts = {"zero_contacts_as_missing": True}
    df = run(write_job(tmp_path, sources, measures=["V3.4", "V3.6"], options=opts))
    r = get(df, "V3.4", "villkor3", "12")
    assert pd.isna(r.numerator) and pd.isna(r.value)
    assert {"no-contacts-reported", "missing-report"} <= flagset(r)
    nat = get(df, "V3.4", "villkor3", "00")
    assert (nat.numerator, nat.denominator) == (10, 100)
    assert pd.isna(get(df, "V3.6", "kontakt", "12").value)
    assert get(df, "V3.6", "kontakt", "01").value == 30_000


def test_contact_anomaly_flags(tmp_path):
    b = forms(2020, "12", KBT=100) + forms(2020, "07", KBT=10) + forms(2020, "01", KBT=100)
    sources = write_sources(tmp_path, b, kontakter=[[2020, "12", 0, 0], [2020, "07", 9, 1], [2020, "01", 50, 40]])
    df = run(write_job(tmp_path, sources, measures=["V3.4"], options={"V3.4": {"implausible_contact_share": 0.95}}))
    assert "no-contacts-reported" in flagset(get(df, "V3.4", "villkor3", "12"))
    assert get(df, "V3.4", "villkor3", "12").value == 0          # reported 0: kept, flagged
    assert "implausible-contact-share" in flagset(get(df, "V3.4", "villkor3", "07"))   # 100 % > 95 %
    assert "implausible-contact-share" not in flagset(get(df, "V3.4", "villkor3", "01"))  # 90 % <= 95 %
    clean = get(df, "V3.4", "villkor3:utan_avvikelser", "00")
    assert (clean.numerator, clean.denominator) == (90, 100)


def test_per_1000_ages_16_67_on_the_population_date(tmp_path):
    b = forms(2020, "01", KBT=30, IPT=6, MMR1=2, MMR2=1) + forms(2020, "03", KBT=5)
    pop = []
    for kon in ("K", "M"):
        for age, n in ((15, 1000), (16, 2000), (40, 5000), (67, 3000), (68, 7000)):
            pop.append(["01", kon, age, "2020-11-01", n])
            pop.append(["01", kon, age, "2019-11-01", 2 * n])          # another date: not used by default
        pop.append(["03", kon, 30, "2020-11-01", 2500])
    sources = write_sources(tmp_path, b, population=pop)
    df = run(write_job(tmp_path, sources, measures=["V3.5"]))
    r = get(df, "V3.5", "KBT+IPT", "01")
    assert r.denominator == 2 * (2000 + 5000 + 3000)                   # 20 000: ages 16..67, K + M
    assert r.numerator == 36 and r.value == pytest.approx(36 / 20000 * 1000)   # 1.8 per 1000
    assert r.value_unit == "per_1000"
    mmr = get(df, "V3.5", "MMR1+MMR2", "01")
    assert mmr.numerator == 3 and mmr.value == pytest.approx(0.15)
    assert get(df, "V3.5", "KBT+IPT", "03").value == pytest.approx(5 / 5000 * 1000)
    # the other 19 regions have no population: missing, and so is the national denominator
    assert "missing-population" in flagset(get(df, "V3.5", "KBT+IPT", "05"))
    assert pd.isna(get(df, "V3.5", "KBT+IPT", "00").value)
    # the previous November, by option
    df = run(write_job(tmp_path, sources, measures=["V3.5"],
                       options={"V3.5": {"population_date": "{previous_year}-11-01"}}))
    assert get(df, "V3.5", "KBT+IPT", "01").denominator == 40_000


def test_change_vs_previous_year_per_region(tmp_path):
    b = (forms(2019, "01", KBT=50, IKBT=0) + forms(2020, "01", KBT=60, IKBT=10)
         + forms(2020, "05", KBT=10))                                   # 05: no 2019 report
    df = run(write_job(tmp_path, write_sources(tmp_path, b), measures=["V3.1"]))
    r = get(df, "V3.1", "KBT:forandring", "01")
    assert (r.numerator, r.denominator) == (60, 50) and r.value == pytest.approx(1.2) and r.value_unit == "kvot"
    assert pd.isna(r.ci_lower)
    ikbt = get(df, "V3.1", "IKBT:forandring", "01")                     # from 0: no ratio
    assert ikbt.denominator == 0 and pd.isna(ikbt.value)
    assert get(df, "V3.1", "ALLA:forandring", "01").value == pytest.approx(70 / 50)
    # every region has a change row once any region reported the previous year: empty where it did not
    r05 = get(df, "V3.1", "KBT:forandring", "05")
    assert r05.numerator == 10 and pd.isna(r05.denominator) and pd.isna(r05.value)
    assert "previous-year-missing-report" in flagset(r05)
    assert len(df[df.variant == "KBT:forandring"]) == 22
    # national: 2020 = 01 + 05, 2019 = 01 only (the others did not report): flagged
    nat = get(df, "V3.1", "KBT:forandring", "00")
    assert (nat.numerator, nat.denominator) == (70, 50)
    assert "previous-year-incomplete-total" in flagset(nat)
    # the share of the region's treatments and of the national total
    s = get(df, "V3.1", "KBT", "01")
    assert (s.numerator, s.denominator) == (60, 70) and s.value_unit == "andel"
    a = get(df, "V3.1", "KBT:andel_av_riket", "05")
    assert (a.numerator, a.denominator) == (10, 70)


def test_payments_through_the_engine_with_binding_caps(tmp_path):
    # 21 regions of 100 inhabitants each: caps of a 7 000 kr pot are 333.33 kr each.
    # 01 has 2 contacts (claim 6 000), 03 one (3 000), the others none reported.
    # excess_contacts: 01 = 1000/3 + 19000/3 x 17/25 = 4 640; 03 = 1000/3 + 19000/3 x 8/25 = 2 360.
    pop = [[r, "T", None, "2019-11-01", 100] for r in ALL]
    b = forms(2020, "01", KBT=10) + forms(2020, "03", KBT=10)
    sources = write_sources(tmp_path, b, kontakter=[[2020, "01", 2, 0], [2020, "03", 0, 1]], population=pop)
    opts = {"V3.6": {"contact_pot_kronor": 7000}}
    df = run(write_job(tmp_path, sources, measures=["V3.6"], options=opts))
    assert get(df, "V3.6", "kontakt", "01").value == 4640
    assert get(df, "V3.6", "kontakt", "03").value == 2360
    assert get(df, "V3.6", "kontakt", "00").value == 7000
    assert get(df, "V3.6", "kontakt", "00").numerator == 3
    # population key: 19000/3 halved -> 03 reaches its 3 000 claim, the rest goes to 01 -> 4 000
    opts = {"V3.6": {"contact_pot_kronor": 7000, "redistribution_key": "population"}}
    df = run(write_job(tmp_path, sources, measures=["V3.6"], options=opts))
    assert get(df, "V3.6", "kontakt", "01").value == 4000
    assert get(df, "V3.6", "kontakt", "03").value == 3000
    # 500 MSEK over 21 equal regions: 23 809 523.81 each; 17 kronor left after flooring go to the
    # first 17 region codes (equal remainders: code order)
    shares = [get(df, "V3.6", "befolkningsandel", r).value for r in ALL]
    assert sum(shares) == 500_000_000
    assert shares == [23_809_524] * 17 + [23_809_523] * 4
    assert get(df, "V3.6", "befolkningsandel", "00").value == 500_000_000
    assert get(df, "V3.6", "befolkningsandel", "01").numerator == 100
    assert get(df, "V3.6", "befolkningsandel", "01").denominator == 2100


def test_non_year_periods_are_left_out(tmp_path):
    sources = write_sources(tmp_path, forms(2020, "01", KBT=1))
    df = run(write_job(tmp_path, sources, measures=["V3.1", "V3.2"], periods=("2020Q1", "2020")))
    v3 = df[df.measure_id.isin(["V3.1", "V3.2"])]
    assert set(v3.period) == {"2020"}


def test_national_aggregate_year(tmp_path):
    b = [[2019, "00", "KBT", 500], [2019, "00", "IPT", 100]] + forms(2020, "01", KBT=1)
    df = run(write_job(tmp_path, write_sources(tmp_path, b), measures=["V3.1"], periods=("2019",)))
    nat = get(df, "V3.1", "KBT", "00", period="2019")
    assert (nat.numerator, nat.denominator) == (500, 600)
    assert "national-aggregate" in flagset(nat)
    r = get(df, "V3.1", "KBT", "01", period="2019")
    assert pd.isna(r.numerator) and "missing-report" in flagset(r)


def test_findings_unknown_codes_and_split_checks():
    b = pd.DataFrame(forms(2020, "01", KBT=10, MMR1=5) + [[2020, "01", "Hypnos", 3], [2020, "Atlantis", "KBT", 4]],
                     columns=["ar", "region", "behandlingsform", "antal"])
    f = pd.DataFrame([[2020, "01", 10, 5, 1, 2]], columns=["ar", "region", "kvinnor", "man", "privat", "offentlig"])
    k = pd.DataFrame([[2020, "01", 30, 0], [2020, "Lemuria", 1, 1]],
                     columns=["ar", "region", "arbetsgivare", "arbetsformedlingen"])
    found = villkor3_findings(Reports(b, f, k), 2020)
    checks = {(x["region"], x["check"]) for x in found}
    assert ("Atlantis", "unknown-region") in checks
    assert ("Lemuria", "unknown-region") in checks                  # in kontakter
    assert ("00", "unknown-form") in checks
    assert ("01", "provider-split-total-mismatch") in checks      # 1 + 2 != 18 treatments (10 + 5 + 3)
    assert ("01", "sex-split-total-mismatch") in checks            # 10 + 5 = 15 != 18
    assert ("01", "sex-split-equals-provider-split") not in checks
    assert ("01", "contacts-exceed-treatments") in checks          # 30 contacts, 18 treatments
