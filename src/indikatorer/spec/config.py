"""Configuration tables (``config/*.yaml``): diagnosis groups and age bands."""
from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import SpecError
from ..paths import data_dir
from .yamlfile import load_model, read_yaml


# YAML says `from:`, a Python keyword: the models read it through this alias.
RANGE_CONFIG = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DiagnosisGroup(BaseModel):
    model_config = RANGE_CONFIG
    code: str
    label: str
    level: Literal["main", "sub"]
    parent: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


class NamedCode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    label: str


class DiagnosisGroups(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    valid_pattern: str
    groups: list[DiagnosisGroup]
    other: NamedCode
    invalid: NamedCode

    @property
    def main_codes(self) -> list[str]:
        return [g.code for g in self.groups if g.level == "main"] + [self.other.code, self.invalid.code]

    @property
    def sub_codes(self) -> list[str]:
        return [g.code for g in self.groups if g.level == "sub"]

    @property
    def labels(self) -> dict[str, str]:
        return {**{g.code: g.label for g in self.groups}, self.other.code: self.other.label,
                self.invalid.code: self.invalid.label, "T": "Alla diagnoser"}


class AgeBand(BaseModel):
    model_config = RANGE_CONFIG
    code: str
    from_: int = Field(alias="from")
    to: int


class AgeBands(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min: int
    max: int
    bands: list[AgeBand]

    @property
    def codes(self) -> list[str]:
        return [b.code for b in self.bands]


@lru_cache(maxsize=None)
def diagnosis_groups() -> DiagnosisGroups:
    return load_model(data_dir("config") / "diagnosis_groups.yaml", DiagnosisGroups)


@lru_cache(maxsize=None)
def age_bands(name: str = "default") -> AgeBands:
    raw = read_yaml(data_dir("config") / "age_bands.yaml") or {}
    if name not in raw:
        raise SpecError(f"age bands `{name}` not in config/age_bands.yaml (have: {', '.join(raw)})")
    return AgeBands.model_validate(raw[name])
