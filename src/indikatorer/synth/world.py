"""The synthetic world every source is a view of: regions, units, the sick-listed persons,
their true spells and the certificates documenting them."""
from __future__ import annotations

from dataclasses import dataclass, field

from .common import Window
from .persons import Persons, make_persons
from .sickleave import CertPeriods, Certs, Spells, make_certificates, make_spells
from .units import Units, make_units


@dataclass
class World:
    seed: int
    window: Window
    units: Units
    persons: Persons
    spells: Spells
    certs: Certs
    periods: CertPeriods
    cache: dict = field(default_factory=dict)


def build_world(persons: int = 20_000, *, seed: int = 1, year: int = 2020, years: int = 1) -> World:
    if persons < 1:
        raise ValueError("persons must be at least 1")
    if years < 1:
        raise ValueError("years must be at least 1")
    window = Window.of(year, years)
    units = make_units(persons, seed)
    people = make_persons(persons, window, units, seed)
    spells = make_spells(people, units, window, seed)
    certs, periods = make_certificates(spells, seed)
    return World(seed=seed, window=window, units=units, persons=people, spells=spells, certs=certs,
                 periods=periods)
