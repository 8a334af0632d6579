"""Code maps as SQL CASE expressions: input codes and names -> the codes of conventions.md.

A value that no map knows is kept (upper-cased) so that the data-quality checks can name it;
nothing is silently dropped."""
from __future__ import annotations

import sqlalchemy as sa

from ..codes import REGION_ALIASES, REGION_NAMES, REGIONS, UNKNOWN_REGION
from ..errors import SpecError
from ..spec.layouts import load_code_maps


def _region_pairs(inera: bool) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for code in REGION_NAMES:
        target = UNKNOWN_REGION if (inera and code == "00") else code
        pairs.append((code, target))
        if code.startswith("0") and code != "00":
            pairs.append((code[1:], target))
    for code, name in REGIONS.items():
        pairs.append((name.lower(), code))
        pairs.append(("region " + name.lower(), code))
    for alias, code in REGION_ALIASES.items():
        pairs.append((alias.lower(), code))
    return pairs


def map_expression(expr, map_name: str):
    """``expr`` is already trimmed text (NULL for empty)."""
    if map_name in ("region", "region_inera"):
        return _lookup(expr, sa.func.lower(expr), str.lower, _region_pairs(map_name == "region_inera"), expr)
    maps = load_code_maps()
    if map_name not in maps:
        raise SpecError(f"unknown code map `{map_name}` (sources/_maps.yaml)")
    up = sa.func.upper(expr)
    return _lookup(expr, up, str.upper, list(maps[map_name].items()), up)


def _lookup(expr, folded, fold, pairs: list[tuple[str, str]], otherwise):
    """``CASE WHEN folded = key THEN value … ELSE otherwise`` over ``pairs`` (the first match
    counts), where ``folded`` is ``expr`` case-folded in SQL as ``fold`` does in Python. Most
    values are already a code the map keeps: those keys (``fold(k) = k`` and the first pair of
    ``k`` maps it to itself) are tested first, with one IN list on ``expr`` itself, before the
    comparisons — the same result, since for ``expr = k`` the folded value is ``k`` as well."""
    first: dict[str, str] = {}
    for key, val in pairs:
        first.setdefault(key, val)
    kept = sorted(k for k, v in first.items() if k == v and fold(k) == k)
    whens = [(folded == key, sa.literal(val)) for key, val in pairs]
    return sa.case((expr.in_(kept), expr), *whens, else_=otherwise) if kept else sa.case(*whens, else_=otherwise)
