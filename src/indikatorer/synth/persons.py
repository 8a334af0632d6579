"""The sick-listed population: one row per person with at least one sick-leave spell, and
the pseudonyms shared by MiDAS and PAS (other PAS patients get pseudonyms from the same
bijection, beyond the sick-listed range, so they never collide)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import population as popmod
from .common import Window, choice, hex_ids, mix64, rng_for, salt_for, year_of
from .units import Units

EMPLOYMENT = ["ANST", "ARBL", "EGEN", "STUD", "OVR"]
EMPLOYMENT_P = [0.75, 0.10, 0.05, 0.04, 0.06]
WOMEN_SHARE = 0.645
OUT_OF_RANGE_SHARE = 0.0012         # ages outside 16-67 at the first spell (age exclusion)
NO_MOVE = np.iinfo(np.int32).max


@dataclass
class Persons:
    n: int
    sex: np.ndarray              # 0 = K, 1 = M
    region: np.ndarray           # home region index (before any move)
    move_day: np.ndarray         # day of moving (NO_MOVE when never)
    move_region: np.ndarray      # region after the move
    employment: np.ndarray       # index into EMPLOYMENT
    birth_year: np.ndarray
    birth_doy: np.ndarray        # day of year of birth (0-364), for exact ages at a date
    first_start: np.ndarray      # start day of the person's first spell
    home_pv: np.ndarray          # listed primary-care unit (index into Units)

    def region_at(self, idx: np.ndarray, days: np.ndarray) -> np.ndarray:
        return np.where(days >= self.move_day[idx], self.move_region[idx], self.region[idx])


def pseudonyms(index: np.ndarray, seed: int) -> pa.Array:
    """The person pseudonym used by MiDAS and PAS: 16 hex digits, a bijection of the index."""
    return hex_ids(mix64(np.asarray(index, np.uint64), salt_for(seed, "person")), 16)


def age_weights() -> tuple[np.ndarray, np.ndarray]:
    """Ages 16-67 weighted by population times a sick-listing rate rising with age."""
    ages = np.arange(16, 68)
    pop = popmod.national_age_profile()[ages]
    rate = np.interp(ages, [16, 20, 25, 35, 45, 55, 60, 64, 67], [0.15, 0.45, 0.7, 0.9, 1.0, 1.1, 1.05, 0.8, 0.45])
    return ages, pop * rate


def ages_at(birth_year: np.ndarray, birth_doy: np.ndarray, days: np.ndarray) -> np.ndarray:
    d = np.asarray(days, dtype=np.int64)
    y = year_of(d)
    jan1 = (y - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    return y - birth_year - ((d - jan1) < birth_doy)


def make_persons(n: int, window: Window, units: Units, seed: int) -> Persons:
    rng = rng_for(seed, "persons")
    sex = (rng.random(n) >= WOMEN_SHARE).astype(np.int8)
    region = popmod.draw_regions(rng, n)
    employment = choice(rng, EMPLOYMENT_P, n).astype(np.int8)
    first_start = window.history_start + rng.integers(0, window.data_as_of - window.history_start, n)
    ages, w = age_weights()
    age = ages[choice(rng, w, n)]
    outside = rng.random(n) < OUT_OF_RANGE_SHARE
    age = np.where(outside, np.where(rng.random(n) < 0.4, rng.integers(13, 16, n), rng.integers(68, 73, n)), age)
    birth_year = year_of(first_start) - age
    birth_doy = rng.integers(0, 365, n)
    moves = rng.random(n) < 0.02
    move_day = np.where(moves, window.history_start + rng.integers(0, window.data_as_of - window.history_start, n),
                        NO_MOVE)
    move_region = np.where(moves, (region + 1 + rng.integers(0, popmod.N_REGIONS - 1, n)) % popmod.N_REGIONS, region)
    home_pv = units.pick(rng, region, np.zeros(n, np.int64))
    return Persons(n=n, sex=sex, region=region, move_day=move_day.astype(np.int64), move_region=move_region,
                   employment=employment, birth_year=birth_year.astype(np.int64), birth_doy=birth_doy,
                   first_start=first_start.astype(np.int64), home_pv=home_pv)
