"""enheter: the units' structural survey, one row per unit and quarter of the years."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import codes
from . import population as popmod
from .common import choice, float_col, int_col, rng_for, round_to, take
from .schema import make_table
from .world import World

FM_PROFESSIONS = ["LAK", "SSK", "FYS", "PSYK", "KUR", "AT", "REHABKOORD"]
FM_P = np.array([0.60, 0.35, 0.30, 0.25, 0.25, 0.30, 0.50])
# 0, 1, 2, 3 coordinators by care level
COORD_P = {0: [0.12, 0.65, 0.20, 0.03], 1: [0.40, 0.45, 0.15, 0.0], 2: [0.25, 0.55, 0.20, 0.0]}
SAKKUNNIG_P = np.array([0.55, 0.35, 0.45])


def _fm_vocab() -> list[str | None]:
    out: list[str | None] = []
    for mask in range(2 ** len(FM_PROFESSIONS)):
        names = [p for i, p in enumerate(FM_PROFESSIONS) if mask >> i & 1]
        out.append(" ".join(names) if names else None)
    return out


def table(world: World) -> pa.Table:
    rng = rng_for(world.seed, "enheter")
    units = world.units
    n = units.n
    level = units.level
    antal = np.empty(n, np.int64)
    for lvl in range(3):
        m = level == lvl
        antal[m] = choice(rng, COORD_P[lvl], int(m.sum()))
    fte_share = rng.uniform(0.2, 0.8, n)
    no_competence = rng.random(n) < 0.10
    coord_null = rng.random(n) < 0.35
    access = rng.random(n) < SAKKUNNIG_P[level]
    sak_fte = np.where(access, round_to(rng.uniform(0.02, 0.30, n)), 0.0)
    fm_mask = ((rng.random((n, len(FM_PROFESSIONS))) < FM_P) * (1 << np.arange(len(FM_PROFESSIONS)))).sum(axis=1)
    fm_mask = np.where(level == 0, fm_mask, fm_mask & np.where(rng.random(n) < 0.5, 0, 127))
    vocab = _fm_vocab()

    periods = [f"{y}Q{q}" for y in world.window.years_list for q in range(1, 5)]
    cols = {k: [] for k in ("period", "unit", "antal", "fte", "kp", "kp_null", "access", "sak", "fm")}
    cur = antal.copy()
    for p_i, _ in enumerate(periods):
        change = rng.random(n) < (0.0 if p_i == 0 else 0.06)
        cur = np.where(change, np.maximum(cur + np.where(rng.random(n) < 0.5, -1, 1), 0), cur)
        fte = np.where(no_competence, 0.0, round_to(cur * fte_share))
        kp = rng.poisson(12.0 * cur + 2.0 * (level == 0))
        cols["period"].append(np.full(n, p_i))
        cols["unit"].append(np.arange(n))
        cols["antal"].append(cur.astype(float))
        cols["fte"].append(fte)
        cols["kp"].append(kp)
        cols["kp_null"].append(coord_null)
        cols["access"].append(access)
        cols["sak"].append(sak_fte)
        cols["fm"].append(fm_mask)
    c = {k: np.concatenate(v) for k, v in cols.items()}
    unit = c["unit"]
    return make_table("enheter", "enheter", {
        "period": take(periods, c["period"]),
        "enhet_id": units.ids.take(pa.array(unit)),
        "lan_kod": take(popmod.CODES, units.region[unit]),
        "vardniva": take(codes.LEVELS, units.level[unit]),
        "agarform": take(["OFF", "PRIV"], units.private[unit].astype(np.int64)),
        "rehabkoordinator_antal": float_col(c["antal"]),
        "rehabkoordinator_fte": float_col(c["fte"]),
        "koordinering_patienter": int_col(c["kp"], null=c["kp_null"]),
        "sakkunnig_lakare_tillgang": pa.array(c["access"], pa.bool_()),
        "sakkunnig_lakare_fte": float_col(c["sak"]),
        "fm_utbildning": take(vocab, c["fm"]),
    })
