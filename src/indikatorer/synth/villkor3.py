"""Villkor 3: the regions' yearly reports to Försäkringskassan (2020 agreement).

Plausible counts scaled to the regions' real populations, with the anomalies the seed
tables show: Gotland sent no report (no rows at all), Skåne reported no contacts (nulls),
Blekinge did not split by ownership (nulls), Jämtland left one form blank, Kronoberg
reports contacts for most of its treatments. Regions are written by name as in the
reports, with the reports' aliases (Sörmland, Jämtland, Norrbottn)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import population as popmod
from .common import int_col, rng_for, take
from .schema import make_table
from .world import World

FORMS = ["KBT", "IKBT", "IPT", "PDT", "EMDR", "ANNAN_PSYK", "MMR1", "MMR2", "BETEENDEMED",
         "AKTIV_TRANING", "ANNAN_SMARTA"]
# treatments per 100 000 inhabitants
RATE = np.array([600, 250, 60, 30, 20, 150, 40, 30, 80, 120, 50], dtype=float)
REPORT_NAMES = {"04": "Sörmland", "23": "Jämtland", "25": "Norrbottn"}
MISSING_REGION = "09"          # Gotland: no report
NO_CONTACTS = "12"             # Skåne: contacts not reported
NO_OWNERSHIP = "10"            # Blekinge: ownership split not reported
BLANK_FORM = ("23", "EMDR")    # Jämtland left EMDR blank
MOSTLY_CONTACTS = "07"         # Kronoberg


def region_names() -> list[str]:
    return [REPORT_NAMES.get(c, n) for c, n in zip(popmod.CODES, popmod.NAMES)]


def tables(world: World) -> dict[str, pa.Table]:
    names = region_names()
    regions = [r for r, c in enumerate(popmod.CODES) if c != MISSING_REGION]
    beh = {k: [] for k in ("ar", "region", "form", "antal", "null")}
    ford = {k: [] for k in ("ar", "region", "kv", "man", "priv", "off", "null_kv", "null_own")}
    kont = {k: [] for k in ("ar", "region", "ag", "af", "null")}
    for y in world.window.years_list:
        rng = rng_for(world.seed, "villkor3", y)
        growth = 1.0 + 0.08 * (y - 2020)
        for r in regions:
            code = popmod.CODES[r]
            factor = rng.uniform(0.6, 1.4, len(FORMS))
            counts = np.rint(RATE * popmod.POP[r] / 1e5 * factor * growth).astype(np.int64)
            small = popmod.POP[r] < 200_000
            counts = np.where(small & (rng.random(len(FORMS)) < 0.25), 0, counts)
            blank = np.array([(code, f) == BLANK_FORM for f in FORMS])
            total = int(counts[~blank].sum())
            beh["ar"] += [y] * len(FORMS)
            beh["region"] += [r] * len(FORMS)
            beh["form"] += list(range(len(FORMS)))
            beh["antal"] += list(counts)
            beh["null"] += list(blank)
            kv = int(round(total * rng.uniform(0.68, 0.76)))
            priv = int(round(total * rng.uniform(0.10, 0.40)))
            ford["ar"].append(y)
            ford["region"].append(r)
            ford["kv"].append(kv)
            ford["man"].append(total - kv)
            ford["priv"].append(priv)
            ford["off"].append(total - priv)
            ford["null_kv"].append(False)
            ford["null_own"].append(code == NO_OWNERSHIP)
            share = rng.uniform(0.6, 0.8) if code == MOSTLY_CONTACTS else rng.uniform(0.08, 0.22)
            kont["ar"].append(y)
            kont["region"].append(r)
            kont["ag"].append(int(round(total * share)))
            kont["af"].append(int(round(total * rng.uniform(0.01, 0.04))))
            kont["null"].append(code == NO_CONTACTS)
    b = {k: np.array(v) for k, v in beh.items()}
    f = {k: np.array(v) for k, v in ford.items()}
    k = {kk: np.array(v) for kk, v in kont.items()}
    return {
        "behandlingar": make_table("villkor3", "behandlingar", {
            "ar": int_col(b["ar"]), "region": take(names, b["region"]), "behandlingsform": take(FORMS, b["form"]),
            "antal": int_col(np.where(b["null"], 0, b["antal"]), null=b["null"])}),
        "fordelning": make_table("villkor3", "fordelning", {
            "ar": int_col(f["ar"]), "region": take(names, f["region"]),
            "kvinnor": int_col(f["kv"], null=f["null_kv"]), "man": int_col(f["man"], null=f["null_kv"]),
            "privat": int_col(f["priv"], null=f["null_own"]), "offentlig": int_col(f["off"], null=f["null_own"])}),
        "kontakter": make_table("villkor3", "kontakter", {
            "ar": int_col(k["ar"]), "region": take(names, k["region"]),
            "arbetsgivare": int_col(np.where(k["null"], 0, k["ag"]), null=k["null"]),
            "arbetsformedlingen": int_col(np.where(k["null"], 0, k["af"]), null=k["null"])}),
    }
