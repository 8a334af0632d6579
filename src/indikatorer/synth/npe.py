"""Nationell patientenkät (primary care), respondent level: one row per respondent and
question, for each year."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import population as popmod
from .common import choice, dec_ids, float_col, int_col, rng_for, take
from .schema import make_table
from .world import World

QUESTIONS = ["BEMOTANDE", "KOORD_BEHOV", "KOORD_ERBJUDEN", "KOORD_HJALP"]
RESPONDENTS_PER_UNIT = 40.0
SICK_SHARE = 0.15


def _yes_no(rng, n, p_yes, p_no):
    """1 / 0 / -1 (null) with the given probabilities (arrays or scalars)."""
    u = rng.random(n)
    return np.where(u < p_yes, 1, np.where(u < p_yes + p_no, 0, -1))


def table(world: World) -> pa.Table:
    units = world.units
    pv = np.flatnonzero(units.level == 0)
    ages = np.arange(18, 91)
    age_w = popmod.national_age_profile()[ages] * np.interp(ages, [18, 40, 65, 80, 90], [0.6, 0.8, 1.3, 1.5, 1.0])
    young = age_w[ages < 68].sum() / age_w.sum()
    p_sick_young = (SICK_SHARE - 0.02 * (1.0 - young)) / young
    parts = []
    for y in world.window.years_list:
        rng = rng_for(world.seed, "npe", y)
        per_unit = rng.poisson(RESPONDENTS_PER_UNIT, len(pv))
        unit = np.repeat(pv, per_unit)
        n = len(unit)
        sex = (rng.random(n) >= 0.58).astype(np.int64)
        age = ages[choice(rng, age_w, n)]
        sick = rng.random(n) < np.where(age < 68, p_sick_young, 0.02)
        vikt = np.round(np.exp(rng.normal(0.7, 0.35, n)), 3)
        vikt_null = rng.random(n) < 0.01
        bem_sick = np.array([0.07, 0.09, 0.16, 0.30, 0.38])
        bem_other = np.array([0.04, 0.06, 0.13, 0.30, 0.47])
        bem = np.where(sick, 1 + choice(rng, bem_sick, n), 1 + choice(rng, bem_other, n))
        bem = np.where(rng.random(n) < 0.03, -1, bem)
        behov = np.where(sick, _yes_no(rng, n, 0.55, 0.35), _yes_no(rng, n, 0.05, 0.10))
        erbj = np.where(behov == 1, _yes_no(rng, n, 0.50, 0.40), _yes_no(rng, n, 0.0, 0.10))
        hjalp = np.where(erbj == 1, _yes_no(rng, n, 0.75, 0.15), -1)
        answers = np.stack([bem, behov, erbj, hjalp], axis=1).ravel()
        rep = np.repeat(np.arange(n), 4)
        parts.append(dict(
            rid=dec_ids(np.arange(n) + 1, 7, prefix=f"PV{y}-"), y=y, rep=rep, unit=unit[rep], sex=sex[rep],
            age=age[rep], sick=sick[rep], q=np.tile(np.arange(4), n), ans=answers, vikt=vikt[rep],
            vikt_null=vikt_null[rep]))
    tables = []
    for p in parts:
        null = p["ans"] < 0
        tables.append(make_table("npe", "svar", {
            "respondent_id": p["rid"].take(pa.array(p["rep"])),
            "undersokning": take([f"PV{p['y']}"], np.zeros(len(p["rep"]), np.int64)),
            "lan_kod": take(popmod.CODES, units.region[p["unit"]]),
            "enhet_id": units.ids.take(pa.array(p["unit"])),
            "kon": take(["K", "M"], p["sex"]),
            "alder": int_col(p["age"]),
            "sjukskriven_senaste_aret": pa.array(p["sick"], pa.bool_()),
            "fraga_id": take(QUESTIONS, p["q"]),
            "svar": int_col(np.where(null, 0, p["ans"]), null=null),
            "vikt": float_col(p["vikt"], null=p["vikt_null"]),
        }))
    return pa.concat_tables(tables)
