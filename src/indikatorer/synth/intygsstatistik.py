"""Inera's Intygsstatistik: certificates (de-identified, not person-linked), their periods
and Försäkringskassan's messages about them."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import codes
from . import population as popmod
from .common import choice, date_col, dec_ids, hex_ids, int_col, mix64, rng_for, salt_for, take, uuid_ids
from .persons import ages_at
from .schema import make_table
from .sickleave import CERT_TYPES
from .world import World

MESSAGE_TYPES = ["KOMPLT", "PAMINN", "AVSTMN", "KONTKT", "OVRIGT"]
# Probability of a completion request by spell diagnosis group (F, M, other, invalid).
P_KOMPLT = np.array([0.19, 0.14, 0.115, 0.25])
STYLES = ("dot", "nodot", "lower", "lowernodot")
STYLE_P = (0.70, 0.25, 0.03, 0.02)


@dataclass
class Messages:
    cert: np.ndarray
    typ: np.ndarray              # index into MESSAGE_TYPES
    date: np.ndarray


def kept_certs(world: World) -> np.ndarray:
    """Certificates signed by the cut-off (later ones do not exist yet)."""
    if "kept_certs" not in world.cache:
        world.cache["kept_certs"] = np.flatnonzero(world.certs.sign <= world.window.data_as_of)
    return world.cache["kept_certs"]


def intyg_ids(world: World) -> pa.Array:
    if "intyg_ids" not in world.cache:
        world.cache["intyg_ids"] = uuid_ids(np.arange(world.certs.n), world.seed, "intyg")
    return world.cache["intyg_ids"]


def messages(world: World) -> Messages:
    if "messages" in world.cache:
        return world.cache["messages"]
    rng = rng_for(world.seed, "meddelanden")
    certs, spells = world.certs, world.spells
    n = certs.n
    fk = certs.typ == 0
    group = spells.group[certs.spell]
    komplt = fk & (rng.random(n) < P_KOMPLT[group])
    d_komplt = certs.sign + rng.integers(3, 61, n)
    again = komplt & (rng.random(n) < 0.05)
    d_again = d_komplt + rng.integers(10, 41, n)
    paminn = komplt & (rng.random(n) < 0.25)
    d_paminn = np.maximum(d_komplt, np.where(again, d_again, d_komplt)) + rng.integers(7, 31, n)
    long_spell = spells.length[certs.spell] >= 60
    avstmn = fk & long_spell & (rng.random(n) < 0.05)
    kontkt = fk & (rng.random(n) < 0.04)
    ovrigt = fk & (rng.random(n) < 0.02)
    d_other = certs.sign + rng.integers(5, 90, (3, n))
    parts = [(komplt, 0, d_komplt), (again, 0, d_again), (paminn, 1, d_paminn),
             (avstmn, 2, d_other[0]), (kontkt, 3, d_other[1]), (ovrigt, 4, d_other[2])]
    cert = np.concatenate([np.flatnonzero(m) for m, _, _ in parts])
    typ = np.concatenate([np.full(int(m.sum()), t) for m, t, _ in parts])
    date = np.concatenate([d[m] for m, _, d in parts])
    keep = date <= world.window.data_as_of
    cert, typ, date = cert[keep], typ[keep], date[keep]
    order = np.lexsort((typ, date, cert))
    out = Messages(cert=cert[order], typ=typ[order], date=date[order])
    world.cache["messages"] = out
    return out


def patient_ids(person: np.ndarray, seed: int) -> pa.Array:
    """Inera's de-identified patient id: not the MiDAS/PAS pseudonym (no linkage)."""
    return hex_ids(mix64(np.asarray(person, np.uint64), salt_for(seed, "inera-patient")), 16, prefix="P")


def tables(world: World) -> dict[str, pa.Table]:
    rng = rng_for(world.seed, "intyg-format")
    certs, spells, persons, units = world.certs, world.spells, world.persons, world.units
    idx = kept_certs(world)
    n = len(idx)
    ids = intyg_ids(world)
    person = spells.person[certs.spell[idx]]
    unit = certs.unit[idx]
    region = units.region[unit]
    lan = take(popmod.CODES + ["00"], np.where(rng.random(n) < 0.002, popmod.N_REGIONS, region))
    vocab = sum((codes.spell_code_vocab(s) for s in STYLES), [])
    style = choice(rng, STYLE_P, n)
    nvoc = len(codes.spell_code_vocab("dot"))
    intyg = make_table("intygsstatistik", "intyg", {
        "intyg_id": ids.take(pa.array(idx)),
        "patient_id": patient_ids(person, world.seed),
        "intygstyp": take(CERT_TYPES, certs.typ[idx]),
        "signeringsdatum": date_col(certs.sign[idx]),
        "vardgivare_id": units.provider_ids.take(pa.array(unit)),
        "vardenhet_id": units.ids.take(pa.array(unit)),
        "lan_kod": lan,
        "vardniva": take(codes.LEVELS, units.level[unit]),
        "kon": take(["K", "M"], persons.sex[person]),
        "alder": int_col(ages_at(persons.birth_year[person], persons.birth_doy[person], certs.sign[idx])),
        "diagnoskod": pa.array(vocab, pa.string()).take(pa.array(style * nvoc + certs.code[idx])),
    })

    periods = world.periods
    keep_cert = np.zeros(certs.n, bool)
    keep_cert[idx] = True
    pk = np.flatnonzero(keep_cert[periods.cert])
    intyg_perioder = make_table("intygsstatistik", "intyg_perioder", {
        "intyg_id": ids.take(pa.array(periods.cert[pk])),
        "grad": int_col(periods.grade[pk]),
        "startdatum": date_col(periods.start[pk]),
        "slutdatum": date_col(periods.end[pk]),
    })

    msg = messages(world)
    meddelanden = make_table("intygsstatistik", "meddelanden", {
        "meddelande_id": dec_ids(np.arange(len(msg.cert)) + 1, 9, prefix="FKM"),
        "intyg_id": ids.take(pa.array(msg.cert)),
        "typ": take(MESSAGE_TYPES, msg.typ),
        "skickat_datum": date_col(msg.date),
    })
    return {"intyg": intyg, "intyg_perioder": intyg_perioder, "meddelanden": meddelanden}
