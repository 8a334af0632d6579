"""Reference (a): the 7.x measures on MiDAS written by hand in pandas, as a statistician would.

    python bench/pandas_reference.py DATA_DIR --data-as-of 2021-06-30 \
        --periods 2020,2020Q1,2020Q2,2020Q3,2020Q4 --out cells.parquet

Reads DATA_DIR/midas/perioder.parquet and writes the cells of every 7.x measure the engine
computes on a MiDAS source — 7.1 (and its variants all-lengths, persons), 7.2a/b/c, 7.3,
7.4, 7.5 — for every period and the full strata cube with margins (region incl. 00 = Riket,
sex incl. T, age group incl. T, diagnosis main group, sub-group and T): columns measure_id,
variant, period, region_code, sex, age_group, diagnosis_group, numerator, denominator. Only
non-empty cells are written (the engine fills the empty ones with zeros). Phase timings go
to stderr as one JSON line.

Rules (spec/measures.md, MiDAS rule): periods of a person sorted by start, end (then file
order); a period continues the case when start - (running max of earlier ends) - 1 <= 5;
gross days = calendar days covered by at least one period; a case has ended when end + 5 <
data_as_of; attributes (diagnosis, sex, region, birth year) of the case's first period;
age = year of case start - birth year, bands 16-29 … 60-67, other ages excluded.
"""
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import sys
import time

import numpy as np
import pandas as pd

MAX_GAP = 5
MIN_LENGTH = 15
RESICK_WINDOW = 730
REGIONS = ["01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "19", "20",
           "21", "22", "23", "24", "25", "99"]
SEX_MAP = {"K": "K", "M": "M", "2": "K", "1": "M", "KVINNA": "K", "MAN": "M", "F": "K", "KVINNOR": "K", "MÄN": "M"}
AGE_BANDS = [(16, 29, "16-29"), (30, 39, "30-39"), (40, 49, "40-49"), (50, 59, "50-59"), (60, 67, "60-67")]
MAIN_GROUPS = [("F00", "F99", "F"), ("M00", "M99", "M")]
SUB_GROUPS = [("F43", "F43", "F43"), ("F32", "F33", "F32-F33"), ("F41", "F41", "F41"), ("M54", "M54", "M54")]
VALID_ICD = r"^[A-Z][0-9][0-9][0-9A-Z]{0,5}$"

# stratum -> (output column, levels: base column or None for the total, total code)
STRATA = {
    "region": ("region_code", ["region_code", None], "00"),
    "sex": ("sex", ["sex", None], "T"),
    "age_group": ("age_group", ["age_group", None], "T"),
    "diagnosis_group": ("diagnosis_group", ["diag_main", "diag_sub", None], "T"),
}
ALL_STRATA = ["region", "sex", "age_group", "diagnosis_group"]


def parse_period(label: str) -> tuple[str, dt.date, dt.date]:
    year = int(label[:4])
    if len(label) == 4:
        return label, dt.date(year, 1, 1), dt.date(year, 12, 31)
    if label[4] == "Q":
        q = int(label[5])
        start = dt.date(year, 3 * q - 2, 1)
    else:
        q = None
        start = dt.date(year, int(label[5:7]), 1)
    months = 3 if q else 1
    m = start.month + months
    end = (dt.date(year + (m > 12), (m - 1) % 12 + 1, 1) - dt.timedelta(days=1))
    return label, start, end


def days(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


# ---------------------------------------------------------------------------------------------
# cases

def read_periods(path: str) -> pd.DataFrame:
    df = pd.read_parquet(path, columns=["person_id", "startdatum", "slutdatum", "omfattning", "diagnoskod",
                                        "kon", "fodelsear", "hemlan_kod"])
    out = pd.DataFrame({
        "pid": pd.factorize(df["person_id"])[0],
        "start": df["startdatum"].to_numpy("datetime64[D]").astype(np.int64),
        "end": df["slutdatum"].to_numpy("datetime64[D]").astype(np.int64),
        "grade": df["omfattning"].to_numpy(np.int64),
        "ord": np.arange(len(df)),
    })
    # codes as conventions.md: normalise each distinct value once, then map
    sex = df["kon"].astype("string").str.strip().str.upper()
    out["sex"] = sex.map(lambda v: SEX_MAP.get(v, "U") if isinstance(v, str) else "U").to_numpy(object)
    reg = df["hemlan_kod"].astype("string").str.strip()
    reg = reg.where(reg.str.len() != 1, "0" + reg)
    out["region_code"] = reg.where(reg.isin(REGIONS), "99").fillna("99").to_numpy(object)
    code = df["diagnoskod"].astype("string").str.replace(".", "", regex=False).str.replace(" ", "", regex=False)
    code = code.str.upper().replace("", pd.NA)
    out["diagnosis"] = code.to_numpy(object)
    out["birth_year"] = df["fodelsear"].astype("Float64").to_numpy(np.float64, na_value=np.nan)
    return out


def diag_groups(code: pd.Series) -> tuple[pd.Series, pd.Series]:
    code = code.astype("string")
    valid = code.str.match(VALID_ICD).fillna(False).astype(bool)
    head = code.str[:3]
    main = pd.Series("OVR", index=code.index, dtype=object)
    for lo, hi, g in MAIN_GROUPS:
        main[(valid & (head >= lo) & (head <= hi)).fillna(False).astype(bool)] = g
    main[~valid] = "OGILTIG"
    sub = pd.Series(None, index=code.index, dtype=object)
    for lo, hi, g in SUB_GROUPS:
        sub[(valid & (head >= lo) & (head <= hi)).fillna(False).astype(bool)] = g
    return main, sub


def age_group(age: pd.Series) -> pd.Series:
    out = pd.Series(None, index=age.index, dtype=object)
    for lo, hi, g in AGE_BANDS:
        out[(age >= lo) & (age <= hi)] = g
    return out


def build_cases(p: pd.DataFrame, data_as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (periods with case id, cases)."""
    p = p.sort_values(["pid", "start", "end", "ord"], ignore_index=True)
    # running maximum of the earlier periods' ends of the same person
    prev_max = p.groupby("pid")["end"].cummax().groupby(p["pid"]).shift()
    first = prev_max.isna().to_numpy()
    pm = prev_max.to_numpy()
    start, end = p["start"].to_numpy(), p["end"].to_numpy()
    new_case = first | (start - pm - 1 > MAX_GAP)
    new_days = np.where(first, end - start + 1, np.maximum(0, end - np.maximum(start, pm + 1) + 1))
    p["case_id"] = np.cumsum(new_case)            # sorted by person: ids follow (person, case_seq)
    p["new_days"] = new_days.astype(np.int64)

    g = p.groupby("case_id", sort=True)
    cases = pd.DataFrame({"start": g["start"].min(), "end": g["end"].max(), "gross": g["new_days"].sum()})
    head = p.loc[new_case, ["case_id", "pid", "sex", "region_code", "diagnosis", "birth_year"]].set_index("case_id")
    cases = cases.join(head)                       # attributes of the case's first period
    cases["age"] = (cases["start"].to_numpy().astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
                    + 1970) - cases["birth_year"]
    cases["age_group"] = age_group(cases["age"])
    cases["diag_main"], cases["diag_sub"] = diag_groups(cases["diagnosis"])
    cases["ended"] = cases["end"] + MAX_GAP < days(data_as_of)
    cases = cases.reset_index()
    return p, cases


# ---------------------------------------------------------------------------------------------
# the strata cube with margins

def cube(units: pd.DataFrame, strata: list[str], aggs: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """One groupby per combination of levels (value or total) of the strata: every cell with
    its margins, each computed from the units themselves."""
    frames = []
    for combo in itertools.product(*[STRATA[s][1] for s in strata]):
        f = units
        keys, const = ["period"], {}
        for s, level in zip(strata, combo):
            col, _, total = STRATA[s]
            if level is None:
                const[col] = total
                continue
            if s == "sex":
                f = f[f["sex"].isin(["K", "M"])]
            if level == "diag_sub":
                f = f[f["diag_sub"].notna()]
            keys.append(level)
        res = f.groupby(keys, sort=False).agg(**aggs).reset_index()
        res = res.rename(columns={k: STRATA[s][0] for s, k in zip(strata, combo) if k})
        frames.append(res.assign(**const))
    out = pd.concat(frames, ignore_index=True)
    for s in ALL_STRATA:
        col, _, total = STRATA[s]
        if col not in out:
            out[col] = total
    return out


def cube_additive(units: pd.DataFrame, strata: list[str], cols: list[str]) -> pd.DataFrame:
    """Counts and sums add up: aggregate to the finest cells first, then the cube over them."""
    keys = ["period", *[lv for s in strata for lv in STRATA[s][1] if lv]]
    fine = units.groupby(keys, dropna=False, sort=False)[cols].sum().reset_index()
    return cube(fine, strata, {c: (c, "sum") for c in cols})


def long(frame: pd.DataFrame, measure: str, variant: str, num: str, den: str) -> pd.DataFrame:
    return pd.DataFrame({
        "measure_id": measure, "variant": variant, "period": frame["period"],
        "region_code": frame["region_code"], "sex": frame["sex"], "age_group": frame["age_group"],
        "diagnosis_group": frame["diagnosis_group"],
        "numerator": frame[num].astype(float), "denominator": frame[den].astype(float)})


# ---------------------------------------------------------------------------------------------
# the measures

def per_period(frame: pd.DataFrame, periods, cond) -> pd.DataFrame:
    parts = [frame[cond(frame, ps, pe)].assign(period=label) for label, ps, pe in periods]
    return pd.concat(parts, ignore_index=True)


def measures(p: pd.DataFrame, cases: pd.DataFrame, periods) -> pd.DataFrame:
    per = [(label, days(ps), days(pe)) for label, ps, pe in periods]
    out = []

    # 7.1, 7.2a-c: cases ended in the period (end + 5 < data_as_of), ages 16-67
    ended = per_period(cases[cases["ended"] & cases["age_group"].notna()], per,
                       lambda c, ps, pe: (c["end"] >= ps) & (c["end"] <= pe))
    ge15 = ended["gross"] >= MIN_LENGTH
    ended["n"] = 1
    ended["n15"] = ge15.astype(np.int64)
    ended["days15"] = ended["gross"].where(ge15, 0)
    ended["a"] = (ge15 & ended["gross"].between(91, 180)).astype(np.int64)
    ended["b"] = (ge15 & ended["gross"].between(181, 365)).astype(np.int64)
    ended["c"] = (ge15 & (ended["gross"] >= 366)).astype(np.int64)
    c = cube_additive(ended, ALL_STRATA, ["n", "gross", "n15", "days15", "a", "b", "c"])
    out += [long(c, "7.1", "midas", "days15", "n15"), long(c, "7.1", "midas:all-lengths", "gross", "n"),
            long(c, "7.2a", "midas", "a", "n15"), long(c, "7.2b", "midas", "b", "n15"),
            long(c, "7.2c", "midas", "c", "n15")]
    # 7.1 persons: mean per person = days of the cell's cases / distinct persons of the cell
    c = cube(ended[ge15], ALL_STRATA, {"days": ("gross", "sum"), "persons": ("pid", "nunique")})
    out.append(long(c, "7.1", "midas:persons", "days", "persons"))

    # 7.3: persons with a case overlapping the period, women among them (not by sex)
    ov = per_period(cases[cases["age_group"].notna() & cases["sex"].isin(["K", "M"])], per,
                    lambda c, ps, pe: (c["start"] <= pe) & (c["end"] >= ps))
    ov["woman"] = ov["pid"].where(ov["sex"] == "K")
    c = cube(ov, ["region", "age_group", "diagnosis_group"],
             {"women": ("woman", "nunique"), "persons": ("pid", "nunique")})
    out.append(long(c, "7.3", "midas", "women", "persons"))

    # 7.4: cases with a period covering the reference date (= period end); part-time when the
    # highest grade of the covering periods is below 100
    cover = pd.concat([p.loc[(p["start"] <= pe) & (p["end"] >= pe), ["case_id", "grade"]].assign(period=label)
                       for label, _, pe in per], ignore_index=True)
    cover = cover.groupby(["period", "case_id"], sort=False)["grade"].max().reset_index()
    on = cover.merge(cases, on="case_id")
    on = on[on["age_group"].notna()]
    on["n"] = 1
    on["part"] = (on["grade"] < 100).astype(np.int64)
    c = cube_additive(on, ALL_STRATA, ["part", "n"])
    out.append(long(c, "7.4", "midas", "part", "n"))

    # 7.5: a person's index case = their first case ended in the period; re-sick when their
    # next case starts within 730 days after its end
    cases = cases.sort_values(["pid", "start"])
    cases["resick"] = cases.groupby("pid")["start"].shift(-1) - cases["end"]
    idx = per_period(cases[cases["ended"]], per, lambda c, ps, pe: (c["end"] >= ps) & (c["end"] <= pe))
    idx = idx.sort_values(["period", "pid", "end", "start", "case_id"]).drop_duplicates(["period", "pid"])
    idx = idx[idx["age_group"].notna()].copy()
    idx["n"] = 1
    idx["resick2y"] = (idx["resick"] <= RESICK_WINDOW).astype(np.int64)
    c = cube_additive(idx, ALL_STRATA, ["resick2y", "n"])
    out.append(long(c, "7.5", "midas", "resick2y", "n"))
    return pd.concat(out, ignore_index=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir")
    ap.add_argument("--data-as-of", required=True, type=dt.date.fromisoformat)
    ap.add_argument("--periods", required=True, help="comma-separated: 2020,2020Q1,…")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    periods = [parse_period(x.strip()) for x in a.periods.split(",") if x.strip()]
    t = {}
    t0 = time.perf_counter()
    p = read_periods(f"{a.data_dir}/midas/perioder.parquet")
    t["read"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    p, cases = build_cases(p, a.data_as_of)
    t["cases"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    cells = measures(p, cases, periods)
    t["measures"] = time.perf_counter() - t1
    cells.to_parquet(a.out, index=False)
    t["total"] = time.perf_counter() - t0
    print(json.dumps({"reference": "pandas", "periods_rows": len(p), "cases": len(cases), "cells": len(cells),
                      **{f"{k}_s": round(v, 3) for k, v in t.items()}}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
