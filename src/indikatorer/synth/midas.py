"""Försäkringskassan's MiDAS: person-linked benefit periods derived from the certificate
periods of the true spells, and case events (arenden)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import codes
from . import population as popmod
from .common import date_col, int_col, rng_for, take
from .intygsstatistik import kept_certs, messages
from .persons import EMPLOYMENT, pseudonyms
from .schema import make_table
from .world import World

BENEFITS = ["SJP", "RHP", "FSJP", "SJL"]
SJP, RHP, FSJP, SJL = range(4)
EVENTS = ["IMPULS_INTYG", "IMPULS_FK7429", "IMPULS_MUNTLIG", "KOMPLETTERING", "PAMINNELSE"]


def benefit_periods(world: World) -> dict[str, np.ndarray]:
    """MiDAS periods as arrays: spell, start, end, grade, benefit, code (sorted by person, start)."""
    if "midas" in world.cache:
        return world.cache["midas"]
    rng = rng_for(world.seed, "midas")
    sp, certs, per = world.spells, world.certs, world.periods
    ben = np.where(sp.fsjp[per.spell], FSJP, np.where(certs.rhp[per.cert], RHP, SJP))
    code = certs.code[per.cert]
    start, end, grade, spell = per.start, per.end, per.grade, per.spell

    # One benefit period per stretch of equal grade, benefit and diagnosis; certificates that
    # touch or overlap with the same grade are one period.
    same_spell = np.r_[False, spell[1:] == spell[:-1]]
    new = ~same_spell
    new[1:] |= (grade[1:] != grade[:-1]) | (ben[1:] != ben[:-1]) | (code[1:] != code[:-1]) | (start[1:] > end[:-1] + 1)
    g0 = np.flatnonzero(new)
    m = {
        "spell": spell[g0], "start": np.minimum.reduceat(start, g0), "end": np.maximum.reduceat(end, g0),
        "grade": grade[g0], "benefit": ben[g0], "code": code[g0],
    }

    # Days 1-14 delivered as sjuklöneperiod (SJL) for some employed persons' spells.
    s = m["spell"]
    sjl_end = sp.start[s] + 13
    is_sjl = sp.sjl[s] & (m["benefit"] != FSJP)
    whole = is_sjl & (m["end"] <= sjl_end)
    part = is_sjl & (m["start"] <= sjl_end) & (m["end"] > sjl_end)
    m["benefit"] = np.where(whole, SJL, m["benefit"])
    head = {k: v[part].copy() for k, v in m.items()}
    head["end"] = sjl_end[part]
    head["benefit"] = np.full(int(part.sum()), SJL)
    m["start"] = np.where(part, sjl_end + 1, m["start"])

    # Rarely a nested period (a lower grade inside a longer period).
    length = m["end"] - m["start"] + 1
    nested = (length >= 20) & (m["grade"] >= 50) & (rng.random(len(length)) < 0.01)
    nest = {k: v[nested].copy() for k, v in m.items()}
    ln = length[nested]
    a = 1 + (rng.random(len(ln)) * (ln - 10)).astype(np.int64)
    b = 5 + (rng.random(len(ln)) * np.maximum(ln - a - 6, 1)).astype(np.int64)
    nest["start"] = nest["start"] + a
    nest["end"] = np.minimum(nest["start"] + b - 1, m["end"][nested] - 1)
    nest["grade"] = np.where(nest["grade"] == 100, 50, 25)

    out = {k: np.concatenate([m[k], head[k], nest[k]]) for k in m}
    # Payments are known up to the cut-off.
    cut = world.window.data_as_of
    keep = out["start"] <= cut
    out = {k: v[keep] for k, v in out.items()}
    out["end"] = np.minimum(out["end"], cut)
    order = np.lexsort((out["end"], out["start"], out["spell"]))
    out = {k: v[order] for k, v in out.items()}
    world.cache["midas"] = out
    return out


def perioder(world: World) -> pa.Table:
    m = benefit_periods(world)
    persons = world.persons
    person = world.spells.person[m["spell"]]
    return make_table("midas", "perioder", {
        "person_id": pseudonyms(person, world.seed),
        "startdatum": date_col(m["start"]),
        "slutdatum": date_col(m["end"]),
        "omfattning": int_col(m["grade"]),
        "formanstyp": take(BENEFITS, m["benefit"]),
        "diagnoskod": take(codes.spell_code_vocab("nodot"), m["code"]),
        "kon": take(["K", "M"], persons.sex[person]),
        "fodelsear": int_col(persons.birth_year[person]),
        "hemlan_kod": take(popmod.CODES, persons.region_at(person, m["start"])),
        "sysselsattning": take(EMPLOYMENT, persons.employment[person]),
    })


def arenden(world: World) -> pa.Table:
    rng = rng_for(world.seed, "arenden")
    certs, spells, units = world.certs, world.spells, world.units
    cut = world.window.data_as_of
    msg = messages(world)
    is_req = msg.typ <= 1                      # KOMPLT -> KOMPLETTERING, PAMINN -> PAMINNELSE
    m_cert, m_event, m_date = msg.cert[is_req], np.where(msg.typ[is_req] == 0, 3, 4), msg.date[is_req]

    kept = kept_certs(world)
    fk = kept[(certs.typ[kept] == 0) & (spells.length[certs.spell[kept]] >= 30)]
    n = len(fk)
    u = rng.random((3, n))
    d = rng.integers(0, 31, (2, n))
    imp = [(u[0] < 0.08, 0, certs.sign[fk]), (u[1] < 0.02, 1, certs.sign[fk] + d[0]),
           (u[2] < 0.02, 2, certs.sign[fk] + d[1])]
    cert = np.concatenate([m_cert] + [fk[mk] for mk, _, _ in imp])
    event = np.concatenate([m_event] + [np.full(int(mk.sum()), e) for mk, e, _ in imp])
    date = np.concatenate([m_date] + [dd[mk] for mk, _, dd in imp])
    keep = date <= cut
    cert, event, date = cert[keep], event[keep], date[keep]
    person = spells.person[certs.spell[cert]]
    order = np.lexsort((event, date, person))
    cert, event, date, person = cert[order], event[order], date[order], person[order]
    unit = certs.unit[cert]
    no_unit = (event == 2) & (rng_for(world.seed, "arenden-null").random(len(event)) < 0.3)
    return make_table("midas", "arenden", {
        "person_id": pseudonyms(person, world.seed),
        "datum": date_col(date),
        "handelse": take(EVENTS, event),
        "lan_kod": take(popmod.CODES, units.region[unit]),
        "vardenhet_id": units.ids.take(pa.array(unit, mask=no_unit)),
    })
