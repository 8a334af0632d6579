"""Measure specs (``measures/*.yaml``): numerator/denominator over a base relation, as data.

A spec names its base (``cases``, ``certificates``, ``index_cases``…), the window that ties a
unit to a period, what is counted (``unit``), filters as structured predicates, strata, the
statistic and the named decisions (``options``) with their defaults. ``variants`` override
parts of the default definition and are reported as ``kind:name``."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import JobError, SpecError
from ..paths import data_dir
from .yamlfile import load_model

Stratum = Literal["region", "sex", "age_group", "diagnosis_group", "care_level", "unit"]


class Count(BaseModel):
    """What is counted on one side of the ratio. ``base``/``window``/``unit`` make the side its
    own relation (a *split* spec: numerator and denominator from different bases or sources,
    see ``engine/split.py``); ``broadcast`` names strata the side's base has no column for and
    whose every category gets the side's total (a population denominator per diagnosis group)."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    where: Any = None          # predicate (see compile/predicates.py)
    sum: str | None = None     # sum this column instead of counting units
    base: str | None = None    # split specs: this side's base relation
    window: str | None = None  # split specs: this side's window (default: the spec's)
    unit: str | None = None    # split specs: this side's unit (default: the spec's)
    broadcast: list[Stratum] = Field(default_factory=list)
    description: str | None = None


class Exclusion(BaseModel):
    """Units removed from a measure before counting; counted per reason in the manifest."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    reason: str
    where: Any
    applies_to: list[Literal["numerator", "denominator"]] | None = None   # split specs; None: both sides


class Flag(BaseModel):
    """A quality flag on every row of a period whose follow-up is not complete by data_as_of:
    set unless ``data_as_of - period_end > days`` (``strict``) or ``>= days``."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    flag: str
    days: Any
    strict: bool = True


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    default: Any
    description: str


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str
    unit: str | None = None
    window: str | None = None
    numerator: Count | None = None
    denominator: Count | None = None
    sources: list[str] | None = None          # source entries (``kind`` or ``kind+kind``) it runs on
    approximate: bool | None = None
    linkage: Literal["none", "person"] | None = None
    standardise: Any = None                   # standard population name (or {option: name}): DSR


class MeasureSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: str
    area: str
    description: str
    shape: str = "generic"                   # generic | a registered custom shape (e.g. villkor3)
    base: str = "cases"
    window: str | None = None
    unit: str = "case"
    statistic: Literal["proportion", "mean", "rate", "ratio", "value"] = "proportion"
    value_unit: Literal["andel", "per_1000", "per_10000", "per_100000", "dagar", "antal", "kvot", "kronor"] = "andel"
    multiplier: float = 1.0
    numerator: Count = Field(default_factory=Count)
    denominator: Count = Field(default_factory=Count)
    strata: list[Stratum] = Field(default_factory=lambda: ["region", "sex", "age_group", "diagnosis_group"])
    extra_strata: list[Stratum] = Field(default_factory=list)   # used only when the job names them
    sources: list[str]                       # entries: a kind, or kinds joined by `+` (all needed)
    by_source: dict[str, Variant] = Field(default_factory=dict)   # default definition per entry/kind
    requires: list[str] = Field(default_factory=list)             # `kind.table` that must be delivered
    linkage: Literal["none", "person"] = "none"                  # person: links sources by pseudonym
    refuse: dict[str, str] = Field(default_factory=dict)
    options: dict[str, Option] = Field(default_factory=dict)
    disclosure_counts: list[Literal["numerator", "denominator"]] = Field(
        default_factory=lambda: ["numerator", "denominator"])
    exclude: list[Exclusion] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    approximate: bool = False
    variants: dict[str, Variant] = Field(default_factory=dict)
    notes: str | None = None
    spec_file: str | None = None


@lru_cache(maxsize=None)
def load_catalogue(folder: str | None = None) -> dict[str, MeasureSpec]:
    root = Path(folder) if folder else data_dir("measures")
    out: dict[str, MeasureSpec] = {}
    for path in sorted(root.glob("*.yaml")):
        spec = load_model(path, MeasureSpec, spec_file=path.name)
        if spec.id in out:
            raise SpecError(f"{path}: measure id `{spec.id}` is also defined in {out[spec.id].spec_file}")
        out[spec.id] = spec
    return out


def _sort_key(mid: str):
    """1.1 < 1.2 < 2.1a < 2.1b < 7.2a < 7.10 < N.1 < V3.1: numbers numerically, letters after."""
    import re
    return [(0, int(num), rest) if num else (1, 0, rest)
            for num, rest in re.findall(r"(\d*)([^\d.]*)", mid) if num or rest]


def select_measures(requested, catalogue: dict[str, MeasureSpec]) -> list[MeasureSpec]:
    """``all`` or ids; a family id (``7.2``) selects its lettered members (7.2a, 7.2b, 7.2c)."""
    if requested == "all":
        return [catalogue[k] for k in sorted(catalogue, key=_sort_key)]
    chosen: list[str] = []
    for raw in requested:
        mid = str(raw).strip()
        if mid in catalogue:
            hits = [mid]
        else:
            hits = [k for k in catalogue if k.startswith(mid) and k[len(mid):].isalpha() and k[len(mid):].islower()]
        if not hits:
            raise JobError(f"unknown measure id `{mid}` (see `indikatorer measures`)")
        chosen += [h for h in sorted(hits, key=_sort_key) if h not in chosen]
    return [catalogue[k] for k in chosen]


def resolve_strata(spec: MeasureSpec, job_strata: list[str] | None) -> list[str]:
    """The spec's default strata, or — when the job lists strata — those of the job the measure
    supports (default and extra), in the spec's order."""
    if job_strata is None:
        return list(spec.strata)
    return [s for s in [*spec.strata, *spec.extra_strata] if s in job_strata]
