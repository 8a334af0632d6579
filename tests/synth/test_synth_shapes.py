"""The realistic shape the engine's tests rely on, on the 20 000-person set."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from synth.synth_shapes import PERSONS


def test_population_of_sick_listed(synth_shapes):
    s = synth_shapes
    assert s["persons"] == PERSONS                   # every person has >= 1 spell in MiDAS
    assert 0.60 <= s["women_share"] <= 0.72
    assert 0.0005 <= s["age_outside_16_67"] <= 0.005  # a handful outside 16-67
    assert 0.70 <= s["anst_share"] <= 0.80


def test_regions(synth_shapes):
    assert synth_shapes["regions"] == 21
    assert synth_shapes["largest_region"] == "01"    # Stockholm
    assert synth_shapes["smallest_region"] == "09"   # Gotland


def test_diagnoses(synth_shapes):
    s = synth_shapes
    assert 0.35 <= s["diag_F"] <= 0.45
    assert 0.17 <= s["diag_M"] <= 0.25
    assert s["diag_F"] > s["diag_OVR"] > s["diag_M"]
    assert s["largest_chapter"] == "F" and s["second_chapter"] == "M"
    assert 0.003 <= s["diag_OGILTIG"] <= 0.02
    assert s["f43_within_f"] > 0.35


def test_lengths_and_grades(synth_shapes):
    s = synth_shapes
    assert 0.40 <= s["short_share"] <= 0.60          # about half under 15 days
    assert 0.01 <= s["over_365_share"] <= 0.08       # a long tail
    assert 0.25 <= s["parttime_share"] <= 0.45
    assert 0.02 <= s["ongoing_at_cutoff"] <= 0.25
    assert s["resick_n"] > 1000
    assert 0.15 <= s["resick_share"] <= 0.25


def test_midas_periods(synth_shapes):
    s = synth_shapes
    assert s["formanstyp_SJP"] > 0.75
    assert 0.02 <= s["formanstyp_SJL"] <= 0.20
    assert 0.003 <= s["formanstyp_RHP"] <= 0.05
    assert s["midas_periods"] > s["midas_cases"] > s["persons"]


def test_certificates(synth_shapes):
    s = synth_shapes
    assert 0.10 <= s["komplt_share"] <= 0.20
    assert 0.20 <= s["paminn_of_komplt"] <= 0.30
    assert 0.80 <= s["fk7804_share"] <= 0.95
    assert s["intyg_PV"] > 0.6 and s["intyg_PSY"] > 0.05 and s["intyg_SSV"] > 0.05
    assert 1.05 <= s["periods_per_certificate"] <= 1.5


def test_intyg_mixed_diagnosis_formats(synth_20k):
    d = pq.read_table(Path(synth_20k[0]) / "intygsstatistik" / "intyg.parquet")["diagnoskod"]
    assert pc.any(pc.match_substring_regex(d, r"^[A-Z]\d\d\.\d")).as_py()
    assert pc.any(pc.match_substring_regex(d, r"^[A-Z]\d{3}")).as_py()
    assert pc.any(pc.match_substring_regex(d, r"^[a-z]\d\d")).as_py()
    assert d.null_count > 0


def test_intyg_not_person_linked(synth_20k):
    root = Path(synth_20k[0])
    intyg_ids = set(pq.read_table(root / "intygsstatistik" / "intyg.parquet")["patient_id"].to_pylist())
    midas_ids = set(pq.read_table(root / "midas" / "perioder.parquet")["person_id"].to_pylist())
    assert not intyg_ids & midas_ids


def test_intyg_signed_on_or_before_first_period(synth_20k):
    root = Path(synth_20k[0])
    intyg = pq.read_table(root / "intygsstatistik" / "intyg.parquet").to_pandas()
    per = pq.read_table(root / "intygsstatistik" / "intyg_perioder.parquet").to_pandas()
    first = per.groupby("intyg_id")["startdatum"].min()
    lead = (first.loc[intyg["intyg_id"]].values - intyg["signeringsdatum"].values).astype("timedelta64[D]")
    lead = lead.astype(np.int64)
    assert (lead >= 0).all() and (lead <= 7).all()
    assert set(per["intyg_id"]) == set(intyg["intyg_id"])
    assert per.groupby("intyg_id").size().max() == 2


def test_linkage_and_units(synth_shapes):
    s = synth_shapes
    assert s["midas_persons_in_pas"] == 1.0
    assert s["pas_patients_not_sicklisted"] > 0.3
    assert s["enheter_units_used"] == 1.0
    assert 0.05 <= s["pas_admin_share"] <= 0.25
    assert 0.2 <= s["persons_with_DV077"] <= 0.45
    assert 0.05 <= s["persons_with_AW026"] < s["persons_with_DV077"]
    assert s["persons_with_GC001"] > 0.1 and s["gc001_in_pv"] > 0.7
    assert s["persons_with_ZV506"] > 0.05


def test_units_survey_npe_population(synth_shapes):
    s = synth_shapes
    assert 0.2 <= s["pv_private_share"] <= 0.4
    assert 0.75 <= s["pv_with_coordinator"] < 1.0
    assert 0.12 <= s["npe_sick_share"] <= 0.18
    assert 10_000_000 <= s["population_total"] <= 10_800_000


def test_population_table(synth_20k):
    pop = pq.read_table(Path(synth_20k[0]) / "population" / "befolkning.parquet").to_pandas()
    assert sorted(pop["datum"].astype(str).unique()) == ["2019-11-01", "2020-11-01"]
    assert pop["alder"].min() == 0 and pop["alder"].max() == 100
    last = pop[pop["datum"].astype(str) == "2020-11-01"]
    by_region = last.groupby("lan_kod")["antal"].sum()
    assert by_region.idxmax() == "01" and by_region.idxmin() == "09"
    assert 2_200_000 < by_region["01"] < 2_600_000 and 50_000 < by_region["09"] < 70_000
    work = last[(last["alder"] >= 16) & (last["alder"] <= 67)]["antal"].sum()
    assert 0.55 < work / last["antal"].sum() < 0.70


def test_villkor3_reports(synth_20k):
    from indikatorer.codes import region_code

    root = Path(synth_20k[0]) / "villkor3"
    beh = pq.read_table(root / "behandlingar.parquet").to_pandas()
    codes = {region_code(r) for r in beh["region"]}
    assert None not in codes
    assert len(codes) == 20 and "09" not in codes            # Gotland sent no report
    assert set(beh["behandlingsform"]) == {"KBT", "IKBT", "IPT", "PDT", "EMDR", "ANNAN_PSYK", "MMR1", "MMR2",
                                           "BETEENDEMED", "AKTIV_TRANING", "ANNAN_SMARTA"}
    kon = pq.read_table(root / "kontakter.parquet").to_pandas()
    assert kon["arbetsgivare"].isna().sum() == 1             # Skåne: no contacts reported
    ford = pq.read_table(root / "fordelning.parquet").to_pandas()
    assert len(ford) == 20 and ford["privat"].isna().sum() == 1
