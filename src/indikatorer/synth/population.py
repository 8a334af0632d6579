"""Truth tables: the 21 regions with their real sizes, and SCB-like population counts by
region, sex and single year of age (independent of the number of sick-listed persons)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from .common import Window, choice, date_col, day, int_col, rng_for, take
from .schema import make_table

# code, name, population 31 Dec 2020 (SCB, rounded), age tilt (+1 young/urban, -1 older/rural)
REGION_TABLE: list[tuple[str, str, int, int]] = [
    ("01", "Stockholm", 2_415_000, 1), ("03", "Uppsala", 388_000, 1), ("04", "Södermanland", 299_000, 0),
    ("05", "Östergötland", 467_000, 0), ("06", "Jönköping", 365_000, 0), ("07", "Kronoberg", 202_000, 0),
    ("08", "Kalmar", 245_000, -1), ("09", "Gotland", 60_000, -1), ("10", "Blekinge", 160_000, -1),
    ("12", "Skåne", 1_389_000, 1), ("13", "Halland", 337_000, 0), ("14", "Västra Götaland", 1_726_000, 1),
    ("17", "Värmland", 282_000, -1), ("18", "Örebro", 306_000, 0), ("19", "Västmanland", 277_000, 0),
    ("20", "Dalarna", 288_000, -1), ("21", "Gävleborg", 288_000, -1), ("22", "Västernorrland", 245_000, -1),
    ("23", "Jämtland Härjedalen", 131_000, -1), ("24", "Västerbotten", 274_000, 0),
    ("25", "Norrbotten", 250_000, -1),
]
CODES: list[str] = [r[0] for r in REGION_TABLE]
NAMES: list[str] = [r[1] for r in REGION_TABLE]
POP = np.array([r[2] for r in REGION_TABLE], dtype=np.float64)
TILT = np.array([r[3] for r in REGION_TABLE], dtype=np.float64)
POP_SHARE = POP / POP.sum()
N_REGIONS = len(CODES)

# Sick-listing intensity relative to the population (fixed, mild; keeps Stockholm the
# largest and Gotland the smallest region of the sick-listed population).
SICK_FACTOR = np.array([0.92, 1.00, 1.08, 1.02, 1.05, 1.04, 1.10, 1.05, 1.10, 0.95, 1.00, 1.03,
                        1.10, 1.08, 1.06, 1.10, 1.12, 1.12, 1.05, 1.03, 1.08])
SICK_SHARE = POP_SHARE * SICK_FACTOR / (POP_SHARE * SICK_FACTOR).sum()

# National age profile (both sexes, per single year) at knots; interpolated linearly.
_KNOTS = np.array([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 100])
_LEVEL = np.array([116, 122, 124, 115, 112, 138, 142, 131, 123, 127, 132, 128, 116, 108, 112, 96, 63,
                   38, 18, 5, 0.8]) * 1000.0
AGES = np.arange(0, 101)


def national_age_profile() -> np.ndarray:
    return np.interp(AGES, _KNOTS, _LEVEL)


def male_share(age: np.ndarray) -> np.ndarray:
    return np.interp(age, [0, 30, 60, 75, 85, 95, 100], [0.513, 0.515, 0.502, 0.48, 0.42, 0.31, 0.22])


def befolkning(window: Window, seed: int) -> pa.Table:
    """lan_kod, kon, alder 0-100, datum <year-1>-11-01 ... <last year>-11-01, antal."""
    rng = rng_for(seed, "population")
    base = national_age_profile()
    tilt = 1.0 + 0.12 * TILT[:, None] * np.clip((45.0 - AGES[None, :]) / 45.0, -1.0, 1.0)
    weights = base[None, :] * tilt
    weights = weights / weights.sum(axis=1, keepdims=True) * POP[:, None]        # (region, age)
    ms = male_share(AGES.astype(float))
    years = [window.year - 1 + k for k in range(window.years + 1)]
    lan, kon, alder, datum, antal = [], [], [], [], []
    for k, y in enumerate(years):
        growth = (1.0 + 0.007) ** (y - 2020)
        for s, share in ((0, 1.0 - ms), (1, ms)):          # 0 = K, 1 = M
            noise = rng.normal(1.0, 0.015, weights.shape)
            counts = np.maximum(np.rint(weights * share[None, :] * growth * noise), 0).astype(np.int64)
            counts[:, AGES >= 100] = np.maximum(counts[:, AGES >= 100], 1)
            r_idx, a_idx = np.meshgrid(np.arange(N_REGIONS), AGES, indexing="ij")
            lan.append(r_idx.ravel())
            alder.append(a_idx.ravel())
            kon.append(np.full(r_idx.size, s))
            datum.append(np.full(r_idx.size, day(y, 11, 1)))
            antal.append(counts.ravel())
    lan_i, kon_i = np.concatenate(lan), np.concatenate(kon)
    alder_i, datum_i, antal_i = np.concatenate(alder), np.concatenate(datum), np.concatenate(antal)
    order = np.lexsort((alder_i, kon_i, lan_i, datum_i))
    return make_table("population", "befolkning", {
        "lan_kod": take(CODES, lan_i[order]),
        "kon": take(["K", "M"], kon_i[order]),
        "alder": int_col(alder_i[order]),
        "datum": date_col(datum_i[order]),
        "antal": int_col(antal_i[order]),
    })


def draw_regions(rng: np.random.Generator, n: int, share: np.ndarray = SICK_SHARE) -> np.ndarray:
    return choice(rng, share, n)
