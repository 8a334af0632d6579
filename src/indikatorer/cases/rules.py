"""The two case rules of measures.md as data: which periods, which entity, which attributes.

* MiDAS: all benefit periods of one person; diagnosis, sex, region and employment of the
  case's first period (by start date); age = year of case start - fodelsear.
* Intygsstatistik: FK7804 certificates of one patient *and vårdgivare*; diagnosis, region,
  care level and unit of the latest certificate (by signing date, then intyg_id); sex and
  age of the first certificate.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..compile.groups import normalised_icd
from ..errors import CapabilityError
from ..sources import LoadedSource


@dataclass(frozen=True)
class Pick:
    """Take ``columns`` from the first row of each case in ``order``."""
    order: tuple[tuple[str, bool], ...]          # (column, descending)
    columns: tuple[str, ...]


@dataclass
class CaseRule:
    """``input``: one row per period — person_key, group_key, start_date, end_date, grade, ord
    (unique), the columns the picks order by and ``attr_row``, the key of the period's row in
    ``attributes``; ``attributes``: ``attr_row`` (unique) and the columns the picks take. The
    case builder carries only ``attr_row`` through its windows and aggregates and joins the
    picked attributes back at the end."""
    kind: str
    input: sa.Select
    attributes: sa.Select
    picks: list[Pick]
    age_from_birth_year: bool
    max_gap: int = 5
    notes: list[str] = field(default_factory=list)
    one_group: bool = False     # group_key is the same for every period: cases per person_key alone


def _midas(src: LoadedSource, max_gap: int) -> CaseRule:
    p = src.table("perioder")
    sel = sa.select(
        p.c.person_id.label("person_key"), sa.literal("").label("group_key"),
        p.c.startdatum.label("start_date"), p.c.slutdatum.label("end_date"),
        p.c.omfattning.label("grade"), p.c._row.label("ord"), p.c._row.label("attr_row"))
    attrs = sa.select(
        p.c._row.label("attr_row"), normalised_icd(p.c.diagnoskod).label("diagnosis"), p.c.kon.label("sex_raw"),
        p.c.fodelsear.label("birth_year"), p.c.hemlan_kod.label("region_raw"),
        p.c.sysselsattning.label("employment"),
        sa.cast(sa.null(), sa.String).label("care_level"), sa.cast(sa.null(), sa.String).label("unit_id"),
        sa.cast(sa.null(), sa.String).label("vardgivare_id"),
    )
    first = Pick((("start_date", False), ("end_date", False), ("ord", False)),
                 ("diagnosis", "sex_raw", "birth_year", "region_raw", "employment", "care_level", "unit_id",
                  "vardgivare_id"))
    return CaseRule("midas", sel, attrs, [first], age_from_birth_year=True, max_gap=max_gap, one_group=True)


def _intygsstatistik(src: LoadedSource, max_gap: int) -> CaseRule:
    i, p = src.table("intyg"), src.table("intyg_perioder")
    sel = (sa.select(
        i.c.patient_id.label("person_key"), i.c.vardgivare_id.label("group_key"),
        p.c.startdatum.label("start_date"), p.c.slutdatum.label("end_date"),
        p.c.grad.label("grade"), p.c._row.label("ord"),
        i.c.intyg_id, i.c.signeringsdatum.label("signed_date"), i.c._row.label("attr_row"),
    ).select_from(i.join(p, i.c.intyg_id == p.c.intyg_id)).where(i.c.intygstyp == "FK7804"))
    attrs = sa.select(
        i.c._row.label("attr_row"), normalised_icd(i.c.diagnoskod).label("diagnosis"), i.c.kon.label("sex_raw"),
        i.c.alder.label("age_raw"), i.c.lan_kod.label("region_raw"),
        i.c.vardniva.label("care_level"), i.c.vardenhet_id.label("unit_id"),
        i.c.vardgivare_id.label("vardgivare_id"), sa.cast(sa.null(), sa.String).label("employment"))
    latest = Pick((("signed_date", True), ("intyg_id", True)),
                  ("diagnosis", "region_raw", "care_level", "unit_id", "vardgivare_id", "employment"))
    first = Pick((("signed_date", False), ("intyg_id", False)), ("sex_raw", "age_raw"))
    return CaseRule("intygsstatistik", sel, attrs, [latest, first], age_from_birth_year=False, max_gap=max_gap)


_RULES = {"midas": _midas, "intygsstatistik": _intygsstatistik}


def rule_for(src: LoadedSource, max_gap: int = 5) -> CaseRule:
    if src.kind not in _RULES:
        raise CapabilityError(f"source `{src.name}` ({src.kind}) has no sick-leave periods to build cases from")
    return _RULES[src.kind](src, max_gap)
