"""Load a YAML file into a pydantic model with one-line errors naming the file and field.
Parsed with libyaml (``yaml.CSafeLoader``) when available; an invalid file is parsed again
by the pure-Python loader so that its error names the same line."""
from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import SpecError

M = TypeVar("M", bound=BaseModel)


# libyaml's parser when PyYAML was built with it (about 10x faster: a run reads ~40 spec files);
# it builds the same objects as yaml.SafeLoader (tests/spec/test_yamlfile.py)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    if _LOADER is not yaml.SafeLoader and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:                              # (libyaml accepts some characters the pure loader refuses)
            return yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError:
            pass
    try:                                  # the error (and its line) as the pure-Python parser reports it
        return yaml.safe_load(text)
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
