"""Source layouts (``sources/*.yaml``): tables, columns, types and code maps of each adapter."""
from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import SpecError
from ..paths import data_dir
from .yamlfile import load_model, read_yaml

ColumnType = Literal["string", "date", "int", "float", "bool"]


class ColumnSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    type: ColumnType
    required: bool = False
    nullable: bool = True
    map: str | None = None
    identifier: Literal["person"] | None = None   # never printed, never written to output
    description: str | None = None


class TableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str | None = None
    optional: bool = False
    key: list[str] = Field(default_factory=list)
    columns: dict[str, ColumnSpec]


class Layout(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: str
    description: str | None = None
    capabilities: list[str] = Field(default_factory=list)
    tables: dict[str, TableSpec]


@lru_cache(maxsize=None)
def load_layout(kind: str) -> Layout:
    path = data_dir("sources") / f"{kind}.yaml"
    if not path.is_file():
        raise SpecError(f"no source layout for kind `{kind}` ({path} missing)")
    layout = load_model(path, Layout)
    if layout.kind != kind:
        raise SpecError(f"{path}: `kind` is `{layout.kind}`, expected `{kind}`")
    return layout


@lru_cache(maxsize=None)
def load_code_maps() -> dict[str, dict[str, str]]:
    path = data_dir("sources") / "_maps.yaml"
    raw = read_yaml(path) or {}
    return {name: {str(k).strip().upper(): str(v) for k, v in m.items()} for name, m in raw.items()}
