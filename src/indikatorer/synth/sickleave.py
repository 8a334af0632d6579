"""True sick-leave spells, written out as certificates and certificate periods.

A spell is a person's continuous sick leave. It is documented by 1-6 certificates (each a
consecutive stretch of the spell) holding 1-2 periods with a grade; MiDAS' benefit periods
are derived from these periods (midas.py), Intygsstatistik publishes the certificates
(intygsstatistik.py). Everything is flat numpy arrays, ordered person -> spell -> certificate
-> period, built without per-row Python loops.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import codes
from . import population as popmod
from .common import Window, choice, group_cumsum, group_starts, pos_in_group, rng_for
from .persons import Persons
from .units import Units

MAX_SPELLS = 4
# Spell length bins (days) and their probabilities per diagnosis group (F, M, other, invalid).
LEN_BINS = np.array([(1, 14), (15, 90), (91, 180), (181, 365), (366, 1000)])
LEN_P = np.array([[0.28, 0.34, 0.17, 0.13, 0.08],
                  [0.42, 0.33, 0.12, 0.08, 0.05],
                  [0.66, 0.22, 0.06, 0.04, 0.02],
                  [0.66, 0.22, 0.06, 0.04, 0.02]])
SHORT_W = np.array([2, 3, 4, 5, 6, 6, 12, 5, 4, 4, 3, 3, 3, 8], dtype=float)    # 1..14 days
P_RESICK = np.array([0.25, 0.20, 0.17, 0.17])       # a new spell within two years after this one
GRADES = np.array([100, 75, 50, 25])

CERT_TYPES = ["FK7804", "AG7804", "AG114"]


@dataclass
class Spells:
    person: np.ndarray
    start: np.ndarray
    length: np.ndarray          # calendar span in days (start .. end inclusive)
    group: np.ndarray           # 0 F, 1 M, 2 other, 3 invalid code
    code: np.ndarray            # index into codes.spell_code_vocab()
    ordinal: np.ndarray         # 0 for the person's first spell
    next_gap: np.ndarray        # gap (days) to the person's next true spell, observed or not
    parttime: np.ndarray
    sjl: np.ndarray             # days 1-14 delivered as SJL (sjuklöneperiod)
    fsjp: np.ndarray
    rhp: np.ndarray
    n_cert: np.ndarray
    unit: np.ndarray            # unit writing the (first) certificates
    switch_at: np.ndarray       # certificate number from which another vårdgivare writes (-1 never)
    switch_unit: np.ndarray
    change_at: np.ndarray       # certificate number from which the diagnosis changes (-1 never)
    code2: np.ndarray

    @property
    def n(self) -> int:
        return len(self.person)

    @property
    def end(self) -> np.ndarray:
        return self.start + self.length - 1


@dataclass
class Certs:
    spell: np.ndarray
    k: np.ndarray               # number within the spell
    start: np.ndarray
    end: np.ndarray
    sign: np.ndarray
    unit: np.ndarray
    code: np.ndarray
    typ: np.ndarray             # index into CERT_TYPES
    rhp: np.ndarray
    n_periods: np.ndarray

    @property
    def n(self) -> int:
        return len(self.spell)


@dataclass
class CertPeriods:
    cert: np.ndarray
    spell: np.ndarray
    start: np.ndarray
    end: np.ndarray
    grade: np.ndarray

    @property
    def n(self) -> int:
        return len(self.cert)


def draw_length(rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
    n = len(group)
    b = np.empty(n, np.int64)
    for g in range(4):
        m = group == g
        b[m] = choice(rng, LEN_P[g], int(m.sum()))
    short = 1 + choice(rng, SHORT_W, n)
    lo, hi = LEN_BINS[b, 0].astype(float), LEN_BINS[b, 1].astype(float) + 1.0
    logu = np.exp(np.log(lo) + rng.random(n) * (np.log(hi) - np.log(lo)))
    longer = np.clip(np.floor(logu).astype(np.int64), LEN_BINS[b, 0], LEN_BINS[b, 1])
    return np.where(b == 0, short, longer)


def make_spells(persons: Persons, units: Units, window: Window, seed: int) -> Spells:
    rng = rng_for(seed, "spells")
    n = persons.n
    cur = persons.first_start.copy()
    alive = np.ones(n, bool)
    parts = []
    for j in range(MAX_SPELLS):
        sel = np.flatnonzero(alive)
        m = len(sel)
        if m == 0:
            break
        group = codes.draw_group(rng, persons.sex[sel])
        code = codes.draw_code(rng, group)
        length = draw_length(rng, group)
        resick = rng.random(m) < P_RESICK[group]
        gap_short = np.where(rng.random(m) < 0.5, rng.integers(10, 181, m), rng.integers(181, 721, m))
        gap_long = 731 + rng.exponential(700.0, m).astype(np.int64)
        gap = np.where(resick, gap_short, gap_long)
        parts.append((sel, cur[sel].copy(), length, group, code, gap, np.full(m, j)))
        nxt = cur[sel] + length + gap
        alive = np.zeros(n, bool)
        alive[sel] = nxt < window.data_as_of
        cur[sel] = nxt
    person, start, length, group, code, gap, ordinal = (np.concatenate(x) for x in zip(*parts))
    order = np.argsort(person, kind="stable")
    person, start, length = person[order], start[order].astype(np.int64), length[order].astype(np.int64)
    group, code, gap, ordinal = group[order], code[order], gap[order], ordinal[order].astype(np.int8)
    s = len(person)

    p_pt = np.where(length < 15, 0.08, np.where(length <= 90, 0.42, 0.58))
    parttime = rng.random(s) < p_pt
    sjl = (persons.employment[person] == 0) & (rng.random(s) < 0.15)
    fsjp = (length <= 60) & (rng.random(s) < 0.003)
    short_n = 1 + (rng.random(s) < 0.10)
    long_n = np.clip(1 + rng.poisson(length / 45.0), 1, 6)
    n_cert = np.where(length < 15, short_n, long_n)
    n_cert = np.minimum(n_cert, np.maximum(1, length // 3)).astype(np.int64)
    rhp = (length > 180) & (n_cert >= 3) & (rng.random(s) < 0.20)

    # The unit writing the certificates: level by diagnosis, usually in the home region.
    level = np.empty(s, np.int64)
    for g in range(4):
        mm = group == g
        level[mm] = choice(rng, codes.LEVEL_P[g], int(mm.sum()))
    ssv_code = codes.is_ssv_code(code) & (rng.random(s) < 0.55)
    level = np.where(ssv_code, 1, level)
    home = persons.region_at(person, start)
    away = rng.random(s) < 0.06
    region = np.where(away, popmod.draw_regions(rng, s, popmod.POP_SHARE), home)
    picked = units.pick(rng, region, level)
    listed = (level == 0) & ~away & (rng.random(s) < 0.85) & (region == persons.region[person])
    unit = np.where(listed, persons.home_pv[person], picked)

    # Sometimes another vårdgivare takes over (a new Inera case starts there).
    switch = (n_cert >= 2) & (rng.random(s) < 0.08)
    switch_at = np.where(switch, 1 + (rng.random(s) * (n_cert - 1)).astype(np.int64), -1)
    switch_unit = units.pick(rng, units.region[unit], np.zeros(s, np.int64), ~units.private[unit])
    change = (n_cert >= 2) & (rng.random(s) < 0.05)
    change_at = np.where(change, 1 + (rng.random(s) * (n_cert - 1)).astype(np.int64), -1)
    code2 = codes.draw_code(rng, codes.draw_group(rng, persons.sex[person]))

    return Spells(person=person, start=start, length=length, group=group, code=code, ordinal=ordinal,
                  next_gap=gap.astype(np.int64), parttime=parttime, sjl=sjl, fsjp=fsjp, rhp=rhp,
                  n_cert=n_cert, unit=unit, switch_at=switch_at, switch_unit=switch_unit,
                  change_at=change_at, code2=code2)


def make_certificates(spells: Spells, seed: int) -> tuple[Certs, CertPeriods]:
    rng = rng_for(seed, "certificates")
    n_cert = spells.n_cert
    sp = np.repeat(np.arange(spells.n), n_cert)
    k = pos_in_group(n_cert)
    c = len(sp)
    length = spells.length[sp]
    extra = length - n_cert[sp]
    last = k == n_cert[sp] - 1

    # Consecutive stretches: the first certificate tends to be shorter.
    w = np.where(k == 0, rng.uniform(0.3, 1.0, c), rng.uniform(0.5, 1.5, c))
    cumw = group_cumsum(w, n_cert)
    total = np.add.reduceat(w, group_starts(n_cert))
    frac = np.where(last, 1.0, cumw / np.repeat(total, n_cert))
    alloc_end = np.where(last, extra, np.floor(extra * frac).astype(np.int64))
    alloc_start = np.concatenate(([0], alloc_end[:-1]))
    alloc_start[k == 0] = 0
    c_start = spells.start[sp] + k + alloc_start
    c_len = 1 + alloc_end - alloc_start
    c_end = c_start + c_len - 1

    unit = np.where((spells.switch_at[sp] >= 0) & (k >= spells.switch_at[sp]), spells.switch_unit[sp],
                    spells.unit[sp])
    code = np.where((spells.change_at[sp] >= 0) & (k >= spells.change_at[sp]), spells.code2[sp],
                    spells.code[sp])
    short_typ = choice(rng, [0.55, 0.30, 0.15], c)
    long_typ = np.where((k == 0) & (rng.random(c) < 0.03), 1, 0)
    typ = np.where(length < 15, short_typ, long_typ)
    rhp = spells.rhp[sp] & (k == n_cert[sp] // 2)

    # Periods: part-time spells often have two periods in a certificate (100 % then 50 %).
    parttime = spells.parttime[sp]
    two = parttime & (c_len >= 2) & (rng.random(c) < 0.45)
    n_per = 1 + two.astype(np.int64)
    pc = np.repeat(np.arange(c), n_per)
    j = pos_in_group(n_per)
    split = c_start + 1 + np.floor(rng.random(c) * (c_len - 1)).astype(np.int64)
    p_start = np.where(j == 0, c_start[pc], split[pc])
    p_end = np.where((j == 0) & two[pc], split[pc] - 1, c_end[pc])
    p_spell = sp[pc]

    # Grades along each spell: full-time spells stay at 100; part-time spells either start
    # at 100 and step down (pattern A) or are part-time from the start (pattern B).
    m_s = np.bincount(p_spell, minlength=spells.n)
    pos = pos_in_group(m_s)
    pattern_a = rng.random(spells.n) < 0.6
    start_level = np.where(spells.parttime, np.where(pattern_a, 0, 1 + choice(rng, [0.2, 0.6, 0.2], spells.n)), 0)
    q = np.where((pos == 1) & pattern_a[p_spell], 0.7, 0.35)
    step = (pos > 0) & (rng.random(len(pc)) < q) & spells.parttime[p_spell]
    level = np.minimum(start_level[p_spell] + group_cumsum(step.astype(np.int64), m_s), 3)
    max_level = np.maximum.reduceat(level, group_starts(m_s))
    need = spells.parttime & (max_level == 0)
    last_period = group_starts(m_s) + m_s - 1
    level[last_period[need]] = 2
    grade = GRADES[level]

    # Between certificates: now and then a small gap (1-5 days) or a short overlap.
    first_of_cert = np.flatnonzero((j == 0) & (k[pc] >= 1))
    prev = first_of_cert - 1
    prev_len = p_end[prev] - p_start[prev] + 1
    u = rng.random(len(first_of_cert))
    g = rng.integers(1, 6, len(first_of_cert))
    o = rng.integers(1, 4, len(first_of_cert))
    do_gap = (u < 0.04) & (prev_len > g)
    do_overlap = (u >= 0.04) & (u < 0.11) & (prev_len > o)
    p_end[prev[do_gap]] -= g[do_gap]
    p_start[first_of_cert[do_overlap]] -= o[do_overlap]

    starts = group_starts(n_per)
    c_start = np.minimum.reduceat(p_start, starts)
    c_end = np.maximum.reduceat(p_end, starts)
    back_first = choice(rng, [0.6, 0.15, 0.10, 0.07, 0.05, 0.03], c)
    back_next = rng.integers(0, 8, c)
    sign = c_start - np.where(k == 0, back_first, back_next)

    certs = Certs(spell=sp, k=k, start=c_start, end=c_end, sign=sign, unit=unit, code=code, typ=typ,
                  rhp=rhp, n_periods=n_per)
    periods = CertPeriods(cert=pc, spell=p_spell, start=p_start, end=p_end, grade=grade)
    return certs, periods
