"""The registry of care units (vårdenheter) and their care providers (vårdgivare), with
HSA-like ids. Every source draws its units from here, so the same vardenhet_id values
appear in Intygsstatistik, PAS, enheter and NPE."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import population as popmod
from .common import b36, rng_for

# Share of private primary-care units per region (Stockholm most; the national PV share ~30 %).
_PRIV_PV = {"01": 0.50, "14": 0.35, "12": 0.35, "13": 0.35, "03": 0.30}
_PRIV_PV_DEFAULT = 0.15
_PRIV_SSV, _PRIV_PSY = 0.10, 0.05


@dataclass
class Units:
    ids: pa.Array                # vardenhet_id, string
    provider_ids: pa.Array       # vardgivare_id of each unit, string
    region: np.ndarray           # index into population.CODES
    level: np.ndarray            # 0 PV, 1 SSV, 2 PSY
    private: np.ndarray          # bool
    # lookup: units of (region, level) are ids[first[r, l] : first[r, l] + count[r, l]], the
    # private ones first.
    first: np.ndarray
    count: np.ndarray
    n_private: np.ndarray

    @property
    def n(self) -> int:
        return len(self.region)

    def pick(self, rng: np.random.Generator, region: np.ndarray, level: np.ndarray,
             private: np.ndarray | None = None) -> np.ndarray:
        """A random unit of the given (region, level); ``private`` True/False restricts to
        private/public units (falls back to any unit of the cell when there is none)."""
        region = np.asarray(region, np.int64)
        level = np.asarray(level, np.int64)
        first = self.first[region, level]
        count = self.count[region, level]
        npriv = self.n_private[region, level]
        u = rng.random(len(region))
        if private is None:
            lo, span = first, count
        else:
            private = np.asarray(private, bool)
            lo = np.where(private, first, first + npriv)
            span = np.where(private, npriv, count - npriv)
            empty = span == 0
            lo = np.where(empty, first, lo)
            span = np.where(empty, count, span)
        return lo + np.minimum((u * span).astype(np.int64), span - 1)


def _allocate(total: int, share: np.ndarray, minimum: int) -> np.ndarray:
    """Largest-remainder allocation of ``total`` units over regions, at least ``minimum`` each."""
    base = np.full(len(share), minimum, np.int64)
    rest = max(total - base.sum(), 0)
    raw = share * rest
    alloc = np.floor(raw).astype(np.int64)
    left = rest - alloc.sum()
    order = np.argsort(-(raw - alloc), kind="stable")
    alloc[order[:left]] += 1
    return base + alloc


def unit_counts(persons: int) -> tuple[int, int, int]:
    """Numbers of PV, SSV and PSY units: about 1 150 vårdcentraler at national scale, fewer
    for small synthetic populations so that units keep a useful number of patients."""
    pv = int(np.clip(round(persons / 35), 21 * 3, 1150))
    ssv = int(np.clip(round(persons / 120), 21 * 2, 420))
    psy = int(np.clip(round(persons / 200), 21 * 2, 260))
    return pv, ssv, psy


def make_units(persons: int, seed: int) -> Units:
    rng = rng_for(seed, "units")
    totals = unit_counts(persons)
    minimums = (3, 2, 2)
    nreg = popmod.N_REGIONS
    per = np.stack([_allocate(t, popmod.POP_SHARE, m) for t, m in zip(totals, minimums)], axis=1)
    first = np.zeros((nreg, 3), np.int64)
    count = per.astype(np.int64)
    n_private = np.zeros((nreg, 3), np.int64)

    unit_ids: list[str] = []
    provider_ids: list[str] = []
    region, level, private = [], [], []
    next_private_provider = 0
    unit_no = 0
    for r, code in enumerate(popmod.CODES):
        public_org = f"23210000{code}"                 # the region as vårdgivare
        for lvl in range(3):
            n = int(per[r, lvl])
            share = (_PRIV_PV.get(code, _PRIV_PV_DEFAULT), _PRIV_SSV, _PRIV_PSY)[lvl]
            npriv = int(round(share * n))
            if lvl == 0:
                npriv = min(max(npriv, 1), n - 1)       # every region has both kinds of PV
            first[r, lvl] = len(unit_ids)
            n_private[r, lvl] = npriv
            chain_size = int(rng.integers(1, 4))
            for j in range(n):
                if j < npriv:
                    if j % chain_size == 0:             # small chains of private units
                        p = next_private_provider
                        next_private_provider += 1
                        org = f"556{(1_000_003 + 7_919 * p) % 10**7:07d}"
                    priv = True
                else:
                    org = public_org
                    priv = False
                unit_ids.append(f"SE{org}-{b36(36**3 + unit_no, 4)}")
                provider_ids.append(f"SE{org}-0000")
                unit_no += 1
                region.append(r)
                level.append(lvl)
                private.append(priv)
    return Units(
        ids=pa.array(unit_ids, pa.string()),
        provider_ids=pa.array(provider_ids, pa.string()),
        region=np.array(region, np.int64),
        level=np.array(level, np.int64),
        private=np.array(private, bool),
        first=first, count=count, n_private=n_private,
    )
