"""PAS care contacts: the sick-listed persons' contacts (same pseudonym as MiDAS) with the
insurance-medicine KVÅ codes around their spells, background care, and patients who are
never sick-listed. Generated in chunks of persons so that national volumes (~30 M rows)
stream to disk in bounded memory."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pyarrow as pa

from . import codes
from . import population as popmod
from .common import choice, date_col, dec_ids, group_starts, rng_for, take
from .persons import pseudonyms
from .schema import make_table
from .world import World

DEFAULT_CONTACTS = 8.0          # mean contacts per sick-listed person
NONSICK_RATIO = 1.0             # never-sick-listed patients per sick-listed person
CHUNK_ROWS = 2_000_000          # target rows per generated chunk / Parquet row group
LOOKBACK = 31                   # PAS covers the history window plus a month before it

BESOK, DISTANS, AKUT, SLUTEN, ADMIN = range(5)
LAK, SSK, FYS, PSYK, KUR, AT, REHABKOORD, OVR = range(8)

# ---- vocabularies: diagnoses as written in PAS (no dot, upper case) and KVÅ strings ----
_SPELL_VALID = codes.SPELL_CODES
_DIAG = list(dict.fromkeys(_SPELL_VALID + list(codes.BACKGROUND) + list(codes.ACUTE)
                           + list(codes.INPATIENT) + list(codes.SECONDARY)))
_DIAG_IX = {c: i for i, c in enumerate(_DIAG)}
_SEC = list(codes.SECONDARY)
HDIA_VOCAB = [c.replace(".", "") for c in _DIAG]
DIA_VOCAB = [h if s is None else f"{h} {s.replace('.', '')}" for h in HDIA_VOCAB for s in [None] + _SEC]
N_DIA_SEC = 1 + len(_SEC)
SPELL_TO_DIAG = np.array([_DIAG_IX[c] for c in _SPELL_VALID] + [-1] * len(codes.INVALID))


def _ix(d: dict) -> tuple[np.ndarray, np.ndarray]:
    return np.array([_DIAG_IX[c] for c in d]), np.array(list(d.values()), float)


BG_IX, BG_W = _ix(codes.BACKGROUND)
AC_IX, AC_W = _ix(codes.ACUTE)
IN_IX, IN_W = _ix(codes.INPATIENT)
SEC_W = np.array(list(codes.SECONDARY.values()), float)

OP_VOCAB = [codes.DV077, codes.AW026, codes.GC001, codes.ZV506, "GC001 ZV506"] + list(codes.OTHER_OP)
OP_DV077, OP_AW026, OP_GC001, OP_ZV506, OP_GC_ZV = range(5)
OP_OTHER0 = 5
OP_OTHER_W = np.array(list(codes.OTHER_OP.values()), float)


@dataclass
class Plan:
    """Per-spell counts of spell-related contacts (drawn once for the whole population)."""
    visit0: np.ndarray
    n_follow: np.ndarray
    dv077: np.ndarray
    aw026: np.ndarray
    n_gc: np.ndarray
    zv506: np.ndarray
    akut: np.ndarray
    sluten: np.ndarray

    def total(self) -> int:
        return int(self.visit0.sum() + self.n_follow.sum() + self.dv077.sum() + self.aw026.sum()
                   + self.n_gc.sum() + self.zv506.sum() + self.akut.sum() + self.sluten.sum())


def plan(world: World) -> Plan:
    if "pas_plan" in world.cache:
        return world.cache["pas_plan"]
    rng = rng_for(world.seed, "pas-plan")
    sp, units, persons = world.spells, world.units, world.persons
    n = sp.n
    L = sp.length
    level = units.level[sp.unit]
    longer = L >= 15
    dv = rng.random(n) < np.where(longer, 0.45, 0.08)
    gc_p = np.where(longer, np.array([0.38, 0.06, 0.18])[level], 0.03)
    gc = rng.random(n) < gc_p
    n_gc = gc * (1 + (rng.random(n) < 0.3) + (rng.random(n) < 0.1))
    p = Plan(
        visit0=(sp.ordinal == 0) | (rng.random(n) < 0.95),   # every sick-listed person is in PAS
        n_follow=np.minimum(rng.poisson(np.minimum(L, 365) / 35.0), 12),
        dv077=dv,
        aw026=dv & (rng.random(n) < 0.5),
        n_gc=n_gc.astype(np.int64),
        zv506=(persons.employment[sp.person] == 0) & longer & (rng.random(n) < 0.30),
        akut=rng.random(n) < np.where(L > 60, 0.10, 0.04),
        sluten=rng.random(n) < np.where(L > 60, 0.06, 0.015),
    )
    world.cache["pas_plan"] = p
    return p


class _Rows:
    """Column lists of one chunk's contacts, concatenated at the end."""

    DTYPES = {"person": np.int64, "date": np.int32, "unit": np.int32, "typ": np.int8, "yrke": np.int8,
              "hdia": np.int16, "sec": np.int8, "op": np.int8, "los": np.int16, "comp": np.int8}

    def __init__(self):
        self.cols = {f: [] for f in self.DTYPES}

    def add(self, rng, *, person, date, unit, typ, yrke, hdia, op, comp, los=None, sec_p=0.15):
        n = len(person)
        sec = np.where(rng.random(n) < sec_p, 1 + choice(rng, SEC_W, n), 0)
        for f, v in (("person", person), ("date", date), ("unit", unit), ("typ", typ), ("yrke", yrke),
                     ("hdia", hdia), ("sec", sec), ("op", op),
                     ("los", np.full(n, -1) if los is None else np.minimum(los, 365)),
                     ("comp", np.full(n, comp))):
            self.cols[f].append(np.asarray(v).astype(self.DTYPES[f], copy=False))

    def arrays(self) -> dict[str, np.ndarray]:
        return {f: np.concatenate(v) if v else np.zeros(0, self.DTYPES[f]) for f, v in self.cols.items()}


def _in_spell(rng, start, length, lo=0):
    return start + lo + np.floor(rng.random(len(start)) * np.maximum(length - lo, 1)).astype(np.int64)


def _other_op(rng, n, share):
    return np.where(rng.random(n) < share, OP_OTHER0 + choice(rng, OP_OTHER_W, n), -1)


def _background(rows: _Rows, rng, world: World, person, region, home_pv, lo, hi):
    """Ordinary care contacts, mostly at the listed vårdcentral."""
    units = world.units
    n = len(person)
    date = lo + rng.integers(0, hi - lo + 1, n)
    where = choice(rng, [0.70, 0.05, 0.21, 0.04], n)          # home PV, other PV, SSV, PSY
    lvl = np.array([0, 0, 1, 2])[where]
    picked = units.pick(rng, region, lvl)
    unit = np.where(where == 0, home_pv, picked)
    t_pv = np.array([BESOK, DISTANS, ADMIN])[choice(rng, [0.60, 0.30, 0.10], n)]
    t_ssv = np.array([BESOK, DISTANS, AKUT, SLUTEN, ADMIN])[choice(rng, [0.50, 0.12, 0.20, 0.13, 0.05], n)]
    typ = np.where(lvl == 1, t_ssv, t_pv)
    yrke = choice(rng, [0.45, 0.30, 0.08, 0.03, 0.03, 0.03, 0.0, 0.08], n)
    yrke = np.where((lvl == 2) & (rng.random(n) < 0.4), PSYK, yrke)
    hdia = np.where(typ == AKUT, AC_IX[choice(rng, AC_W, n)],
                    np.where(typ == SLUTEN, IN_IX[choice(rng, IN_W, n)], BG_IX[choice(rng, BG_W, n)]))
    hdia = np.where(rng.random(n) < np.where(typ == ADMIN, 0.5, 0.06), -1, hdia)
    los = np.where(typ == SLUTEN, 1 + rng.geometric(0.25, n), -1)
    rows.add(rng, person=person, date=date, unit=unit, typ=typ, yrke=yrke, hdia=hdia,
             op=_other_op(rng, n, 0.22), comp=9, los=los)


def _spell_contacts(rows: _Rows, rng, world: World, s: np.ndarray):
    """Contacts tied to spells ``s`` (indices): the first visit, follow-ups, DV077 / AW026 /
    GC001 / ZV506 actions, emergency visits and admissions during the spell."""
    sp, units, persons, certs = world.spells, world.units, world.persons, world.certs
    pl = plan(world)
    first_cert = group_starts(sp.n_cert)
    diag = SPELL_TO_DIAG[sp.code]
    group = sp.group

    v = s[pl.visit0[s]]
    n = len(v)
    rows.add(rng, person=sp.person[v], date=certs.sign[first_cert[v]], unit=sp.unit[v],
             typ=np.where(rng.random(n) < 0.85, BESOK, DISTANS), yrke=np.where(rng.random(n) < 0.9, LAK, AT),
             hdia=diag[v], op=_other_op(rng, n, 0.08), comp=0, sec_p=0.2)

    f = np.repeat(s, pl.n_follow[s])
    n = len(f)
    yrke_f = np.array([LAK, SSK, PSYK, KUR, OVR])[choice(rng, [0.35, 0.10, 0.30, 0.20, 0.05], n)]
    yrke_m = np.array([LAK, SSK, FYS, OVR])[choice(rng, [0.35, 0.10, 0.45, 0.10], n)]
    yrke_o = np.array([LAK, SSK, FYS, OVR])[choice(rng, [0.50, 0.30, 0.10, 0.10], n)]
    yrke = np.where(group[f] == 0, yrke_f, np.where(group[f] == 1, yrke_m, yrke_o))
    rows.add(rng, person=sp.person[f], date=_in_spell(rng, sp.start[f], sp.length[f]), unit=sp.unit[f],
             typ=np.array([BESOK, DISTANS, ADMIN])[choice(rng, [0.60, 0.35, 0.05], n)], yrke=yrke,
             hdia=np.where(rng.random(n) < 0.85, diag[f], -1), op=_other_op(rng, n, 0.10), comp=1)

    d = s[pl.dv077[s]]
    n = len(d)
    before = rng.random(n) < 0.15
    d_date = np.where(before, sp.start[d] - rng.integers(1, 31, n),
                      _in_spell(rng, sp.start[d], np.minimum(sp.length[d], 60)))
    typ = np.array([BESOK, ADMIN, DISTANS])[choice(rng, [0.50, 0.35, 0.15], n)]
    rows.add(rng, person=sp.person[d], date=d_date, unit=sp.unit[d], typ=typ,
             yrke=np.array([LAK, REHABKOORD, SSK])[choice(rng, [0.7, 0.2, 0.1], n)],
             hdia=np.where((typ == ADMIN) & (rng.random(n) < 0.3), -1, diag[d]), op=np.full(n, OP_DV077), comp=2)

    has_aw = pl.aw026[d]
    a = d[has_aw]
    n = len(a)
    rows.add(rng, person=sp.person[a], date=d_date[has_aw] + rng.integers(14, 91, n), unit=sp.unit[a],
             typ=np.array([ADMIN, DISTANS, BESOK])[choice(rng, [0.5, 0.3, 0.2], n)],
             yrke=np.array([LAK, REHABKOORD, SSK])[choice(rng, [0.5, 0.4, 0.1], n)],
             hdia=np.where(rng.random(n) < 0.3, -1, diag[a]), op=np.full(n, OP_AW026), comp=3)

    g = np.repeat(s, pl.n_gc[s])
    n = len(g)
    typ = np.array([ADMIN, DISTANS, BESOK])[choice(rng, [0.45, 0.35, 0.20], n)]
    rows.add(rng, person=sp.person[g], date=_in_spell(rng, sp.start[g], sp.length[g]), unit=sp.unit[g], typ=typ,
             yrke=np.array([REHABKOORD, SSK, LAK])[choice(rng, [0.85, 0.10, 0.05], n)],
             hdia=np.where(rng.random(n) < 0.4, -1, diag[g]), op=np.full(n, OP_GC001), comp=4)

    z = s[pl.zv506[s]]
    n = len(z)
    rows.add(rng, person=sp.person[z], date=_in_spell(rng, sp.start[z], sp.length[z], lo=7), unit=sp.unit[z],
             typ=np.where(rng.random(n) < 0.7, ADMIN, DISTANS),
             yrke=np.where(rng.random(n) < 0.6, REHABKOORD, LAK),
             hdia=np.where(rng.random(n) < 0.5, -1, diag[z]),
             op=np.where(rng.random(n) < 0.8, OP_ZV506, OP_GC_ZV), comp=5)

    e = s[pl.akut[s]]
    n = len(e)
    home = persons.region_at(sp.person[e], sp.start[e])
    rows.add(rng, person=sp.person[e], date=_in_spell(rng, sp.start[e], sp.length[e]),
             unit=units.pick(rng, home, np.ones(n, np.int64)), typ=np.full(n, AKUT), yrke=np.full(n, LAK),
             hdia=np.where(rng.random(n) < 0.7, AC_IX[choice(rng, AC_W, n)], diag[e]),
             op=_other_op(rng, n, 0.15), comp=6)

    i = s[pl.sluten[s]]
    n = len(i)
    home = persons.region_at(sp.person[i], sp.start[i])
    psy = (group[i] == 0) & (rng.random(n) < 0.5)
    rows.add(rng, person=sp.person[i], date=_in_spell(rng, sp.start[i], sp.length[i]),
             unit=units.pick(rng, home, np.where(psy, 2, 1)), typ=np.full(n, SLUTEN), yrke=np.full(n, LAK),
             hdia=np.where(psy, diag[i], IN_IX[choice(rng, IN_W, n)]), op=_other_op(rng, n, 0.3), comp=7,
             los=1 + rng.geometric(0.25, n), sec_p=0.3)


def _table(world: World, a: dict[str, np.ndarray], id_offset: int) -> pa.Table:
    units = world.units
    cut = world.window.data_as_of
    n = len(a["person"])
    disch = a["date"].astype(np.int64) + a["los"]
    no_disch = (a["los"] < 0) | (disch > cut)
    no_hdia = a["hdia"] < 0
    dia_ix = np.where(no_hdia, 0, a["hdia"].astype(np.int64) * N_DIA_SEC + a["sec"])
    return make_table("pas", "kontakter", {
        "kontakt_id": dec_ids(np.arange(n, dtype=np.int64) + id_offset + 1, 11, prefix="K"),
        "person_id": pseudonyms(a["person"], world.seed),
        "kontaktdatum": date_col(a["date"]),
        "utskrivningsdatum": date_col(np.where(no_disch, 0, disch), null=no_disch),
        "vardgivare_id": units.provider_ids.take(pa.array(a["unit"])),
        "vardenhet_id": units.ids.take(pa.array(a["unit"])),
        "lan_kod": take(popmod.CODES, units.region[a["unit"]]),
        "vardniva": take(codes.LEVELS, units.level[a["unit"]]),
        "kontakttyp": take(codes.KONTAKTTYP, a["typ"]),
        "yrkeskategori": take(codes.YRKE, a["yrke"]),
        "hdia": take(HDIA_VOCAB, np.maximum(a["hdia"], 0), null=no_hdia),
        "dia": take(DIA_VOCAB, dia_ix, null=no_hdia),
        "op": take(OP_VOCAB, np.maximum(a["op"], 0), null=a["op"] < 0),
    })


def _finish(world: World, rows: _Rows) -> dict[str, np.ndarray]:
    a = rows.arrays()
    lo, hi = world.window.history_start - LOOKBACK, world.window.data_as_of
    keep = np.flatnonzero((a["date"] >= lo) & (a["date"] <= hi))
    # order by person, date, component: one int64 key (dates fit in 16 bits, components in 4)
    key = (a["person"][keep] << 20) | ((a["date"][keep] - lo).astype(np.int64) << 4) | a["comp"][keep]
    order = keep[np.argsort(key, kind="stable")]
    return {k: v[order] for k, v in a.items()}


def chunks(world: World, contacts_per_person: float | None = None) -> Iterator[pa.Table]:
    """The PAS contacts as a sequence of tables (one per chunk of persons), in a fixed order."""
    c = DEFAULT_CONTACTS if contacts_per_person is None else float(contacts_per_person)
    if c < 0:
        raise ValueError("pas_contacts_per_person must be >= 0")
    sp, persons = world.spells, world.persons
    pl = plan(world)
    bg_mean = max(c - pl.total() / max(persons.n, 1), 0.5 if c > 0 else 0.0)
    lo, hi = world.window.history_start, world.window.data_as_of
    offset = 0

    size = max(1_000, int(CHUNK_ROWS / max(c, 1.0)))
    for k, a in enumerate(range(0, persons.n, size)):
        b = min(a + size, persons.n)
        rng = rng_for(world.seed, "pas-sick", k)
        s = np.arange(np.searchsorted(sp.person, a), np.searchsorted(sp.person, b))
        rows = _Rows()
        if c > 0:
            _spell_contacts(rows, rng, world, s)
        idx = np.arange(a, b)
        person = np.repeat(idx, rng.poisson(bg_mean, len(idx)))
        _background(rows, rng, world, person, persons.region[person], persons.home_pv[person], lo, hi)
        arrays = _finish(world, rows)
        yield _table(world, arrays, offset)
        offset += len(arrays["person"])

    n_other = int(round(persons.n * NONSICK_RATIO)) if c > 0 else 0
    size = max(1_000, int(CHUNK_ROWS / max(c * 0.5, 1.0)))
    first_unit_rows = True
    for k, a in enumerate(range(0, n_other, size)):
        b = min(a + size, n_other)
        rng = rng_for(world.seed, "pas-other", k)
        idx = persons.n + np.arange(a, b)
        m = len(idx)
        region = popmod.draw_regions(rng, m, popmod.POP_SHARE)
        home_pv = world.units.pick(rng, region, np.zeros(m, np.int64))
        counts = 1 + rng.poisson(max(c * 0.5 - 1.0, 0.0), m)
        rep = np.repeat(np.arange(m), counts)
        rows = _Rows()
        _background(rows, rng, world, idx[rep], region[rep], home_pv[rep], lo, hi)
        if first_unit_rows:
            # Every unit of the registry has at least one contact.
            u = np.arange(world.units.n)
            who = idx[u % m]
            rows.add(rng, person=who, date=lo + rng.integers(0, hi - lo + 1, len(u)), unit=u,
                     typ=np.where(world.units.level[u] == 1, AKUT, BESOK), yrke=np.full(len(u), LAK),
                     hdia=BG_IX[choice(rng, BG_W, len(u))], op=np.full(len(u), -1), comp=9)
            first_unit_rows = False
        arrays = _finish(world, rows)
        yield _table(world, arrays, offset)
        offset += len(arrays["person"])
