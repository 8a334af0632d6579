"""Code vocabularies with weights: ICD-10-SE diagnoses of sick-leave spells, background
diagnoses and KVÅ codes of care contacts. Codes are kept in canonical dotted form
(``F43.8A``); the writers derive the other spellings (``F438A``, lower case)."""
from __future__ import annotations

import numpy as np

from .common import choice

# Spell diagnoses per group. Group 0 = F (psychiatric), 1 = M (musculoskeletal),
# 2 = other valid codes, 3 = missing/invalid.
_F = {
    "F43.8A": 22, "F43.2": 12, "F43.9": 6, "F43.0": 3, "F43.1": 3,
    "F32.0": 5, "F32.1": 7, "F32.9": 5, "F33.0": 2, "F33.1": 4,
    "F41.0": 2, "F41.1": 4, "F41.2": 6, "F41.9": 4,
    "F31.9": 2, "F20.9": 1, "F10.2": 2, "F60.3": 1, "F90.0": 3, "F48.0": 3, "F42.9": 1, "F50.0": 1,
}
_M = {
    "M54.5": 18, "M54.2": 7, "M54.4": 5, "M54.1": 3, "M75.1": 8, "M75.4": 3, "M17.1": 6, "M16.1": 4,
    "M51.1": 7, "M79.7": 5, "M77.1": 4, "M65.4": 2, "M23.2": 3, "M53.1": 3, "M25.5": 3, "M19.9": 2,
    "M06.9": 2, "M72.2": 2,
}
_O = {
    "J06.9": 14, "J11.1": 6, "U07.1": 5, "A08.4": 4, "B34.9": 4, "J20.9": 3, "S82.6": 3, "S83.5": 3,
    "S52.5": 2, "S62.6": 2, "S93.4": 3, "C50.9": 4, "C61.9": 1, "C18.9": 1, "O26.8": 5, "O99.8": 2,
    "O21.0": 2, "R53.9": 3, "R51.9": 2, "R42.9": 2, "G43.9": 3, "G93.3": 3, "G56.0": 2, "K35.8": 2,
    "K80.2": 2, "I21.9": 2, "I63.9": 1, "I10.9": 1, "Z73.0": 3, "N39.0": 1, "N80.9": 2, "H81.1": 2,
    "E11.9": 1, "L40.0": 1, "T14.9": 1, "Z48.8": 1,
}
# Missing or invalid codes as they occur in extracts (None = null).
INVALID: list[str | None] = [None, None, None, "XXX", "-", "999", "UNK"]

SPELL_CODES: list[str] = list(_F) + list(_M) + list(_O)
SPELL_GROUP = np.array([0] * len(_F) + [1] * len(_M) + [2] * len(_O), dtype=np.int8)
_GROUP_OFFSET = np.array([0, len(_F), len(_F) + len(_M)])
_GROUP_WEIGHTS = [np.array(list(d.values()), float) for d in (_F, _M, _O)]
N_SPELL_CODES = len(SPELL_CODES)
# Invalid codes are appended after the valid ones in the spell-code index space.
INVALID_BASE = N_SPELL_CODES

# Group shares by sex (K, M): F largest, then M; ~1 % missing/invalid.
GROUP_P = np.array([[0.435, 0.190, 0.365, 0.010],
                    [0.360, 0.240, 0.390, 0.010]])

# Care level of the unit that writes the certificates, by spell group (PV, SSV, PSY).
LEVEL_P = {0: (0.68, 0.04, 0.28), 1: (0.80, 0.20, 0.0), 2: (0.78, 0.22, 0.0), 3: (0.9, 0.1, 0.0)}
# Codes (chapters) mostly treated in specialised somatic care.
SSV_CHAPTERS = ("S", "C", "O", "I")


def draw_group(rng: np.random.Generator, sex: np.ndarray) -> np.ndarray:
    out = np.empty(len(sex), np.int8)
    for s in (0, 1):
        m = sex == s
        out[m] = choice(rng, GROUP_P[s], int(m.sum()))
    return out


def draw_code(rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
    """An index into SPELL_CODES (valid groups) or INVALID_BASE + i (group 3)."""
    out = np.empty(len(group), np.int64)
    for g in (0, 1, 2):
        m = group == g
        out[m] = _GROUP_OFFSET[g] + choice(rng, _GROUP_WEIGHTS[g], int(m.sum()))
    m = group == 3
    out[m] = INVALID_BASE + choice(rng, np.ones(len(INVALID)), int(m.sum()))
    return out


def is_ssv_code(code_idx: np.ndarray) -> np.ndarray:
    flags = np.array([c[0] in SSV_CHAPTERS for c in SPELL_CODES] + [False] * len(INVALID))
    return flags[code_idx]


def spell_code_vocab(style: str) -> list[str | None]:
    """All spell codes (valid then invalid) written in one spelling:
    ``dot`` F43.8A, ``nodot`` F438A, ``lower`` f43.8a, ``lowernodot`` f438a."""
    out: list[str | None] = []
    for c in SPELL_CODES:
        v = c.replace(".", "") if "nodot" in style else c
        out.append(v.lower() if style.startswith("lower") else v)
    return out + list(INVALID)


# Background diagnoses of care contacts (not the reason for a sick-leave spell).
BACKGROUND = {
    "J06.9": 10, "I10.9": 8, "E11.9": 6, "Z00.0": 5, "Z76.0": 5, "J45.9": 4, "K21.9": 3, "L30.9": 3,
    "N39.0": 3, "R10.4": 3, "M54.5": 4, "F41.9": 3, "H10.9": 2, "Z01.4": 2, "Z30.0": 2, "E03.9": 3,
    "M25.5": 2, "R05.9": 2, "L20.9": 2, "B35.3": 1, "F32.9": 2, "G43.9": 1, "Z71.8": 2, "H66.9": 2,
}
ACUTE = {"R07.4": 5, "S52.5": 3, "S00.0": 2, "R10.4": 4, "J18.9": 3, "T78.4": 1, "I48.9": 2, "S93.4": 2,
         "R55.9": 2, "S61.0": 2, "N20.0": 2}
INPATIENT = {"I21.9": 3, "J18.9": 4, "I63.9": 2, "K35.8": 3, "S72.0": 2, "F32.2": 2, "K80.2": 2,
             "I50.9": 3, "N10.9": 1, "A41.9": 1, "C50.9": 1}
SECONDARY = {"I10.9": 5, "E11.9": 3, "Z73.0": 3, "F41.9": 3, "E66.9": 2, "J45.9": 2, "Z56.6": 3,
             "Z63.0": 1, "G47.0": 2, "R52.9": 1}

# KVÅ: the insurance-medicine codes the measures look for, and other codes.
DV077, AW026, GC001, ZV506 = "DV077", "AW026", "GC001", "ZV506"
OTHER_OP = {"AU118": 5, "XS100": 4, "AU124": 2, "DV051": 2, "AQ015": 1, "AU118 XS100": 2, "QX001": 1,
            "TJD20": 1}

KONTAKTTYP = ["BESOK", "DISTANS", "AKUT", "SLUTEN", "ADMIN"]
YRKE = ["LAK", "SSK", "FYS", "PSYK", "KUR", "AT", "REHABKOORD", "OVR"]
LEVELS = ["PV", "SSV", "PSY"]
