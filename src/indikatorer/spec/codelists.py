"""Code lists and standard populations from ``config/``: KVÅ code lists (``kva_codes.yaml``)
and standard populations for age standardisation (``standard_populations.yaml``)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import SpecError
from ..paths import data_dir
from .config import RANGE_CONFIG, age_bands
from .yamlfile import read_yaml

_KVA_FILE = "kva_codes.yaml"


@lru_cache(maxsize=None)
def kva_code_lists() -> dict[str, tuple[str, ...]]:
    path = data_dir("config") / _KVA_FILE
    raw = read_yaml(path) or {}
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: expected a mapping of list name -> codes")
    out = {}
    for name, codes in raw.items():
        if isinstance(codes, str):
            codes = codes.split()
        if not isinstance(codes, list) or not codes:
            raise SpecError(f"{path}: list `{name}` must be a non-empty list of codes")
        out[str(name)] = tuple(str(c).strip().upper() for c in codes)
    return out


def kva_codes(value: Any, option: str = "kva_codes") -> tuple[str, ...] | None:
    """Codes of an option value: the name of a list in config/kva_codes.yaml, a list of codes
    (or list names), or None / empty (no code condition)."""
    if value is None or value == [] or value == "":
        return None
    items = [value] if isinstance(value, str) else list(value)
    lists = kva_code_lists()
    codes: list[str] = []
    for item in items:
        text = str(item).strip()
        if text in lists:
            codes += lists[text]
        elif text.upper() == text and text.replace("_", "").isalnum():
            codes.append(text.upper())
        else:
            raise SpecError(f"option `{option}`: `{text}` is neither a code list of config/{_KVA_FILE} "
                            f"(have: {', '.join(sorted(lists))}) nor a KVÅ code")
    return tuple(dict.fromkeys(codes))


class StdBand(BaseModel):
    model_config = RANGE_CONFIG
    from_: int = Field(alias="from")
    to: int
    weight: float


class StandardPopulation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    source: str
    bands: list[StdBand]


@lru_cache(maxsize=None)
def standard_population(name: str) -> StandardPopulation:
    path = data_dir("config") / "standard_populations.yaml"
    raw = read_yaml(path) or {}
    if name not in raw:
        raise SpecError(f"standard population `{name}` not in {path} (have: {', '.join(raw)})")
    try:
        return StandardPopulation.model_validate(raw[name])
    except Exception as exc:  # pydantic ValidationError: one line
        raise SpecError(f"{path}: `{name}`: {str(exc).splitlines()[0]}") from None


@dataclass(frozen=True)
class StdPiece:
    """A standardisation stratum: one standard band inside one age group."""
    code: str            # e.g. "30-39|30-34"
    age_group: str
    from_: int
    to: int
    weight: float        # the standard population of these ages


def standard_pieces(name: str, bands: str = "default") -> list[StdPiece]:
    """The standard's bands cut by the run's age groups (inside their range); each band's weight
    is spread evenly over its single years."""
    std = standard_population(name)
    groups = age_bands(bands)
    pieces = []
    for g in groups.bands:
        lo_g, hi_g = max(g.from_, groups.min), min(g.to, groups.max)
        for b in std.bands:
            lo, hi = max(lo_g, b.from_), min(hi_g, b.to)
            if lo > hi:
                continue
            width = b.to - b.from_ + 1
            pieces.append(StdPiece(f"{g.code}|{b.from_}-{b.to}", g.code, lo, hi, b.weight * (hi - lo + 1) / width))
    covered = {a for p in pieces for a in range(p.from_, p.to + 1)}
    wanted = {a for g in groups.bands for a in range(max(g.from_, groups.min), min(g.to, groups.max) + 1)}
    if wanted - covered:
        raise SpecError(f"standard population `{name}` does not cover ages {min(wanted - covered)}–"
                        f"{max(wanted - covered)} of the age bands `{bands}`")
    return pieces
