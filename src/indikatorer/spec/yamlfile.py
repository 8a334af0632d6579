"""Load a YAML file into a pydantic model with one-line errors naming the file and field."""
from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import SpecError

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark else ""
        raise SpecError(f"{path}{at}: not valid YAML") from None


def load_model(path: Path, model: type[M], **extra) -> M:
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: expected a mapping")
    try:
        return model.model_validate({**raw, **extra})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise SpecError(f"{path}: `{loc}`: {err['msg']}") from None
