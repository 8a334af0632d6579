"""Structured predicates of measure specs -> SQLAlchemy expressions.

Forms: ``{column: c, <op>: value}`` with op in eq, ne, lt, le, gt, ge, between, in,
not_in, is_null, contains_code; ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``; a value
may be ``{option: name}`` (a named decision) or ``{column: other}``. Column names are checked
against the base relation, so a typo is a spec error, never SQL."""
from __future__ import annotations

from typing import Any, Mapping

import sqlalchemy as sa

from ..errors import SpecError

_OPS = {"eq", "ne", "lt", "le", "gt", "ge", "between", "in", "not_in", "is_null", "contains_code"}


def compile_predicate(pred: Any, rel, options: Mapping[str, Any], where: str = "predicate"):
    if pred is None or pred is True:
        return None
    if not isinstance(pred, dict):
        raise SpecError(f"{where}: a predicate is a mapping, got {pred!r}")
    if "all" in pred or "any" in pred:
        key = "all" if "all" in pred else "any"
        parts = [compile_predicate(p, rel, options, where) for p in pred[key]]
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        return sa.and_(*parts) if key == "all" else sa.or_(*parts)
    if "not" in pred:
        inner = compile_predicate(pred["not"], rel, options, where)
        return None if inner is None else sa.not_(inner)
    col = _column(rel, pred.get("column"), where)
    ops = [k for k in pred if k != "column"]
    if len(ops) != 1 or ops[0] not in _OPS:
        raise SpecError(f"{where}: use one of {sorted(_OPS)} with `column` (got {ops})")
    op = ops[0]
    val = _value(pred[op], rel, options, where)
    if op == "eq":
        return col == val
    if op == "ne":
        return col != val
    if op == "lt":
        return col < val
    if op == "le":
        return col <= val
    if op == "gt":
        return col > val
    if op == "ge":
        return col >= val
    if op == "between":
        lo, hi = val
        return col.between(lo, hi)
    if op == "in":
        return col.in_(list(val))
    if op == "not_in":
        return col.not_in(list(val))
    if op == "is_null":
        return col.is_(None) if val else col.is_not(None)
    # contains_code: a space-separated code list contains one of the codes
    codes = [val] if isinstance(val, str) else list(val)
    padded = sa.literal(" ") + sa.func.coalesce(col, "") + sa.literal(" ")
    return sa.or_(*[padded.contains(f" {c} ") for c in codes])


def _column(rel, name, where):
    if not isinstance(name, str) or name not in rel.c:
        raise SpecError(f"{where}: unknown column `{name}` (have: {', '.join(sorted(rel.c.keys()))})")
    return rel.c[name]


def _value(val, rel, options, where):
    if isinstance(val, dict) and "option" in val:
        name = val["option"]
        if name not in options:
            raise SpecError(f"{where}: unknown option `{name}`")
        return _value(options[name], rel, options, where)
    if isinstance(val, dict) and "column" in val:
        return _column(rel, val["column"], where)
    if isinstance(val, list):
        return [_value(v, rel, options, where) for v in val]
    return val
