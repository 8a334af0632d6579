"""Shape statistics of a synthetic data set, computed from the written files the way the
engine sees them (MiDAS cases by the gap <= 5 rule with a running maximum end)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

MAX_GAP = 5
PERSONS = 20_000                    # the default-sized test set
DATA_AS_OF = dt.date(2021, 6, 30)   # its cut-off (year 2020)


def read(root: Path, kind: str, table: str) -> pd.DataFrame:
    return pq.read_table(Path(root) / kind / f"{table}.parquet").to_pandas()


def _days(s: pd.Series) -> np.ndarray:
    return pd.to_datetime(s).values.astype("datetime64[D]").astype(np.int64)


def midas_cases(perioder: pd.DataFrame) -> pd.DataFrame:
    """One row per case: person, start, end, covered (gross) days, part-time flag, first
    period's diagnosis/sex/region/birth year."""
    p = perioder.copy()
    p["s"] = _days(p["startdatum"])
    p["e"] = _days(p["slutdatum"])
    p = p.sort_values(["person_id", "s", "e"], kind="stable").reset_index(drop=True)
    runmax = p.groupby("person_id", sort=False)["e"].cummax()
    prev = runmax.groupby(p["person_id"], sort=False).shift(1)
    new = prev.isna() | ((p["s"] - prev - 1) > MAX_GAP)
    p["case"] = new.cumsum() - 1
    g = p.groupby("case", sort=True)
    first = g.head(1).set_index("case")
    cases = pd.DataFrame({
        "person_id": first["person_id"],
        "start": g["s"].min(),
        "end": g["e"].max(),
        "parttime": g["omfattning"].min() < 100,
        "diagnoskod": first["diagnoskod"],
        "kon": first["kon"],
        "region": first["hemlan_kod"],
        "fodelsear": first["fodelsear"],
    })
    # gross days = days covered by at least one period (gap days excluded)
    cov = p[["case", "s", "e"]].copy()
    cov["rm"] = cov.groupby("case")["e"].cummax()
    cov["prev_rm"] = cov.groupby("case")["rm"].shift(1)
    lo = np.where(cov["prev_rm"].isna(), cov["s"], np.maximum(cov["s"], cov["prev_rm"].fillna(0) + 1))
    cov["add"] = np.maximum(cov["e"] - lo + 1, 0)
    cases["days"] = cov.groupby("case")["add"].sum()
    return cases.reset_index(drop=True)


def diagnosis_group(code: pd.Series) -> pd.Series:
    c = code.fillna("").str.replace(".", "", regex=False).str.replace(" ", "", regex=False).str.upper()
    valid = c.str.match(r"^[A-Z][0-9]{2}")
    grp = np.where(~valid, "OGILTIG", np.where(c.str[0] == "F", "F", np.where(c.str[0] == "M", "M", "OVR")))
    return pd.Series(grp, index=code.index)


def shapes(root: Path, data_as_of: dt.date) -> dict[str, float]:
    root = Path(root)
    cut = (np.datetime64(data_as_of) - np.datetime64("1970-01-01")).astype(np.int64)
    per = read(root, "midas", "perioder")
    cases = midas_cases(per)
    persons = cases.groupby("person_id").first()
    out: dict[str, float] = {}
    out["midas_periods"] = len(per)
    out["midas_cases"] = len(cases)
    out["persons"] = len(persons)
    out["women_share"] = float((persons["kon"] == "K").mean())
    grp = diagnosis_group(cases["diagnoskod"])
    for g in ("F", "M", "OVR", "OGILTIG"):
        out[f"diag_{g}"] = float((grp == g).mean())
    chapter = cases["diagnoskod"].fillna("?").str[0]
    chap_share = chapter[grp != "OGILTIG"].value_counts(normalize=True)
    out["largest_chapter"] = chap_share.index[0]
    out["second_chapter"] = chap_share.index[1]
    out["f43_within_f"] = float(cases["diagnoskod"][grp == "F"].str.startswith("F43").mean())
    out["parttime_share"] = float(cases["parttime"].mean())
    out["short_share"] = float((cases["days"] < 15).mean())
    out["over_365_share"] = float((cases["days"] > 365).mean())
    ended = cases["end"] + MAX_GAP < cut
    out["ongoing_at_cutoff"] = float((~ended).mean())
    # re-sick within 730 days, among persons whose first case ended with full follow-up
    c = cases.sort_values(["person_id", "start"])
    nxt = c.groupby("person_id")["start"].shift(-1)
    first = c.groupby("person_id").head(1).copy()
    first["next"] = nxt.loc[first.index]
    full = first[first["end"] + 730 < cut]
    out["resick_n"] = len(full)
    out["resick_share"] = float(((full["next"] - full["end"]) <= 730).mean())
    age = pd.to_datetime(cases["start"].astype("datetime64[D]")).dt.year - cases["fodelsear"]
    out["age_outside_16_67"] = float(((age < 16) | (age > 67)).mean())
    reg = persons["region"].value_counts()
    out["regions"] = len(reg)
    out["largest_region"] = reg.index[0]
    out["smallest_region"] = reg.index[-1]
    out["anst_share"] = float((per.groupby("person_id")["sysselsattning"].first() == "ANST").mean())
    ft = per["formanstyp"].value_counts(normalize=True)
    for k in ("SJP", "SJL", "RHP", "FSJP"):
        out[f"formanstyp_{k}"] = float(ft.get(k, 0.0))

    intyg = read(root, "intygsstatistik", "intyg")
    msg = read(root, "intygsstatistik", "meddelanden")
    fk = intyg[intyg["intygstyp"] == "FK7804"]
    komplt = set(msg.loc[msg["typ"] == "KOMPLT", "intyg_id"])
    paminn = set(msg.loc[msg["typ"] == "PAMINN", "intyg_id"])
    out["certificates"] = len(intyg)
    out["fk7804_share"] = float(len(fk) / len(intyg))
    out["komplt_share"] = float(fk["intyg_id"].isin(komplt).mean())
    out["paminn_of_komplt"] = float(len(paminn & komplt) / max(len(komplt), 1))
    vn = intyg["vardniva"].value_counts(normalize=True)
    for k in ("PV", "SSV", "PSY"):
        out[f"intyg_{k}"] = float(vn.get(k, 0.0))
    ip = read(root, "intygsstatistik", "intyg_perioder")
    out["periods_per_certificate"] = float(len(ip) / len(intyg))

    pas = read(root, "pas", "kontakter")
    out["pas_contacts"] = len(pas)
    midas_ids = set(per["person_id"])
    pas_ids = set(pas["person_id"])
    out["midas_persons_in_pas"] = float(len(midas_ids & pas_ids) / len(midas_ids))
    out["pas_patients_not_sicklisted"] = float(len(pas_ids - midas_ids) / len(pas_ids))
    out["pas_admin_share"] = float((pas["kontakttyp"] == "ADMIN").mean())
    ops = pas["op"].fillna("")
    sick = pas[pas["person_id"].isin(midas_ids)]
    sick_ops = sick["op"].fillna("")
    for code in ("DV077", "AW026", "GC001", "ZV506"):
        out[f"persons_with_{code}"] = float(sick.loc[sick_ops.str.contains(code), "person_id"].nunique()
                                            / len(midas_ids))
    gc = pas[ops.str.contains("GC001")]
    out["gc001_in_pv"] = float((gc["vardniva"] == "PV").mean())
    ent = read(root, "enheter", "enheter")
    units_used = set(intyg["vardenhet_id"]) | set(pas["vardenhet_id"])
    out["enheter_units_used"] = float(ent["enhet_id"].isin(units_used).mean())
    pv = ent[ent["vardniva"] == "PV"]
    out["pv_private_share"] = float((pv["agarform"] == "PRIV").mean())
    out["pv_with_coordinator"] = float((pv["rehabkoordinator_antal"] > 0).mean())
    npe = read(root, "npe", "svar")
    resp = npe.groupby("respondent_id").first()
    out["npe_sick_share"] = float(resp["sjukskriven_senaste_aret"].mean())
    pop = read(root, "population", "befolkning")
    last = pop[pop["datum"] == pop["datum"].max()]
    out["population_total"] = int(last["antal"].sum())
    return out
