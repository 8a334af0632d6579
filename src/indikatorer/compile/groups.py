"""Configuration tables as SQL: diagnosis groups, age bands, region codes."""
from __future__ import annotations

import sqlalchemy as sa

from ..codes import REGION_NAMES, UNKNOWN_REGION
from ..spec.config import age_bands, diagnosis_groups


def normalised_icd(expr):
    """ICD-10-SE code with dots and spaces removed, upper case; NULL for empty."""
    return sa.func.nullif(sa.func.upper(sa.func.replace(sa.func.replace(expr, ".", ""), " ", "")), "")


def diagnosis_main(code):
    """Main group (F, M, …, OVR, OGILTIG) of a normalised code."""
    cfg = diagnosis_groups()
    head = sa.func.substr(code, 1, 3)
    whens = [(sa.or_(code.is_(None), sa.not_(code.regexp_match(cfg.valid_pattern))), sa.literal(cfg.invalid.code))]
    whens += [(head.between(g.from_, g.to), sa.literal(g.code)) for g in cfg.groups if g.level == "main"]
    return sa.case(*whens, else_=sa.literal(cfg.other.code))


def diagnosis_sub(code):
    """Sub-group (F43, F32-F33, …) of a normalised valid code, else NULL."""
    cfg = diagnosis_groups()
    head = sa.func.substr(code, 1, 3)
    subs = [g for g in cfg.groups if g.level == "sub"]
    if not subs:
        return sa.cast(sa.null(), sa.String)
    valid = code.regexp_match(cfg.valid_pattern)
    return sa.case(*[(sa.and_(valid, head.between(g.from_, g.to)), sa.literal(g.code)) for g in subs],
                   else_=sa.cast(sa.null(), sa.String))


def age_group(age, bands: str = "default"):
    """Age band code, NULL outside the configured range (those units are excluded)."""
    cfg = age_bands(bands)
    return sa.case(*[(age.between(max(b.from_, cfg.min), min(b.to, cfg.max)), sa.literal(b.code))
                     for b in cfg.bands], else_=sa.cast(sa.null(), sa.String))


def known_region(code):
    """Region codes outside conventions.md's list count as 99 (okänt län)."""
    known = [c for c in REGION_NAMES if c != "00"]
    return sa.case((code.in_(known), code), else_=sa.literal(UNKNOWN_REGION))


def known_sex(code):
    return sa.case((code.in_(["K", "M"]), code), else_=sa.literal("U"))
