"""The job file of job.md: pydantic models, loaded from YAML with one-line errors."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import JobError
from .periods import Period, expand_periods

SOURCE_KINDS = ("midas", "intygsstatistik", "pas", "enheter", "npe", "population", "villkor3")
STRATA = ("region", "sex", "age_group", "diagnosis_group", "care_level", "unit")


class CsvDialect(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sep: str | None = None            # None: sniff `,` or `;`
    decimal: str | None = None        # None: `.` for `,`-separated, `,` for `;`-separated
    encoding: str | None = None       # None: utf-8 (BOM allowed), falling back to cp1252


class SourceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["midas", "intygsstatistik", "pas", "enheter", "npe", "population", "villkor3"]
    path: str | None = None
    url: str | None = None
    tables: dict[str, str] = Field(default_factory=dict)
    columns: dict[str, dict[str, str]] = Field(default_factory=dict)
    csv: CsvDialect = Field(default_factory=CsvDialect)
    password_env: str | None = None
    pseudonym_key_env: str | None = None

    @model_validator(mode="after")
    def _one_location(self):
        if (self.path is None) == (self.url is None):
            raise ValueError("give exactly one of `path` or `url`")
        return self


class Disclosure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min_count: int = Field(default=5, ge=0)


class Job(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = "indikatorer"
    data_as_of: dt.date
    periods: Any
    sources: dict[str, SourceConfig]
    measures: Literal["all"] | list[str] = "all"
    strata: list[Literal["region", "sex", "age_group", "diagnosis_group", "care_level", "unit"]] | None = None
    disclosure: Disclosure = Field(default_factory=Disclosure)
    output: str = "output/"
    options: dict[str, Any] = Field(default_factory=dict)
    base_dir: Path = Path(".")

    @field_validator("measures", mode="before")
    @classmethod
    def _measure_ids_as_text(cls, v):
        if isinstance(v, list):
            return [str(x) for x in v]
        return v

    @property
    def period_list(self) -> list[Period]:
        return expand_periods(self.periods)

    @property
    def output_dir(self) -> Path:
        return (self.base_dir / self.output).resolve()

    def source_path(self, name: str) -> Path:
        return (self.base_dir / (self.sources[name].path or "")).resolve()


def load_job(path: str | os.PathLike) -> Job:
    path = Path(path)
    if not path.is_file():
        raise JobError(f"job file {path} not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark else ""
        raise JobError(f"job file {path}{at}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise JobError(f"job file {path}: expected a mapping at the top level")
    raw = dict(raw)
    raw["base_dir"] = path.resolve().parent
    try:
        job = Job.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-after"))
        raise JobError(f"job file {path}: `{loc}`: {err['msg']}") from None
    try:
        periods = job.period_list
    except JobError as exc:
        raise JobError(f"job file {path}: {exc}") from None
    if not periods:
        raise JobError(f"job file {path}: no periods")
    for name, src in job.sources.items():
        if src.path is not None and not job.source_path(name).exists():
            raise JobError(f"job file {path}: source `{name}`: path {src.path} does not exist")
    return job
