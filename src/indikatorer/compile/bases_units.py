"""Bases over the units survey (``enheter``), SCB population (``population``) and the
Nationell patientenkät (``npe``).

* ``units`` — one row per unit (vårdenhet) and period: the unit's latest report whose survey
  period (``enheter.period``, e.g. ``2020Q2``) ends inside the measure period, on or before
  its reference date (window ``report_in_period``). A measure period without any report has
  no rows (split specs flag it ``missing-enheter-data``).
* ``population`` — SCB population by region, sex and single year of age at the latest
  ``datum`` on or before the period's end (``population_date``); ``antal`` is summed. Rows
  without an age (region totals, e.g. the villkor 3 allocation key) are not used.
* ``survey_answers`` — NPE answers (one row per respondent and question) of the surveys of
  the period: a survey belongs to the *year* in its ``undersokning`` label (``PV2021`` →
  2021) and counts in a year period of that year only (quarters and months get none); the
  option ``question`` keeps the answers to one question (``fraga_id``).
"""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from ..errors import SourceError, where
from ..periods import parse_period
from .bases import _period_cols, base
from .groups import age_group, known_region, known_sex

_NULL = lambda: sa.cast(sa.null(), sa.String)  # noqa: E731


def label_table(ctx, prefix: str, rows: list[tuple[str, dt.date, dt.date]]) -> sa.TableClause:
    """A small materialised table (label, label_start, label_end)."""
    def one(label, start, end):
        return sa.select(sa.literal(label, sa.String).label("label"),
                         sa.cast(sa.literal(start, sa.Date), sa.Date).label("label_start"),
                         sa.cast(sa.literal(end, sa.Date), sa.Date).label("label_end"))
    if rows:
        sel = sa.union_all(*[one(*r) for r in rows]) if len(rows) > 1 else one(*rows[0])
    else:
        sel = one("", dt.date(1900, 1, 1), dt.date(1900, 1, 1)).where(sa.false())
    return ctx.session.materialize(ctx.session.new_name(prefix), sel)


@base("units", kinds=("enheter",))
def units_base(ctx, source, window, options):
    if window not in (None, "report_in_period"):
        from ..errors import SpecError
        raise SpecError(f"base `units`: unknown window `{window}`")
    e, p = source.table("enheter"), ctx.periods
    labels = [r[0] for r in ctx.session.execute(sa.select(e.c.period).distinct()).fetchall() if r[0] is not None]
    rows = []
    for label in labels:
        try:
            per = parse_period(label)
        except Exception:
            raise SourceError(f"{where(table='enheter', column='period')}: `{label}` is not a period (2020, 2020Q2 "
                              f"or 2020M06)") from None
        rows.append((label, per.start, per.end))
    lt = label_table(ctx, "unit_survey_periods", rows)
    survey_cols = [e.c[c] for c in _UNIT_COLUMNS]
    ranked = sa.select(
        *_period_cols(p), *survey_cols, e.c.period.label("survey_period"), lt.c.label_end.label("survey_end"),
        sa.func.row_number().over(partition_by=[p.c.period, e.c.enhet_id],
                                  order_by=[lt.c.label_end.desc(), e.c._row.desc()]).label("rn"),
    ).select_from(e.join(lt, lt.c.label == e.c.period).join(
        p, sa.and_(lt.c.label_end >= p.c.period_start, lt.c.label_end <= p.c.period_end,
                   lt.c.label_end <= p.c.reference_date))).subquery("ranked_units")
    u = ranked
    return sa.select(
        u.c.period, u.c.period_start, u.c.period_end, u.c.reference_date,
        u.c.enhet_id.label("unit_key"), u.c.enhet_id.label("person_key"),
        known_region(u.c.lan_kod).label("region_code"), _NULL().label("sex"), _NULL().label("age_group"),
        _NULL().label("diag_main"), _NULL().label("diag_sub"), u.c.vardniva.label("care_level"),
        u.c.enhet_id.label("unit_id"), *[u.c[c] for c in _UNIT_COLUMNS if c not in ("enhet_id", "lan_kod", "vardniva")],
        u.c.survey_period, u.c.survey_end,
    ).where(u.c.rn == 1)


_UNIT_COLUMNS = ("enhet_id", "lan_kod", "vardniva", "agarform", "rehabkoordinator_antal", "rehabkoordinator_fte",
                 "koordinering_patienter", "sakkunnig_lakare_tillgang", "sakkunnig_lakare_fte", "fm_utbildning")


@base("population", kinds=("population",))
def population_base(ctx, source, window, options):
    t, p = source.table("befolkning"), ctx.periods
    b = sa.select(t).where(t.c.alder.is_not(None)).subquery("by_age")    # rows without age are region totals
    chosen = sa.select(p.c.period, sa.func.max(b.c.datum).label("datum")).select_from(
        p.join(b, b.c.datum <= p.c.period_end)).group_by(p.c.period).subquery("pop_date")
    return sa.select(
        *_period_cols(p), _NULL().label("unit_key"), _NULL().label("person_key"),
        known_region(b.c.lan_kod).label("region_code"), known_sex(b.c.kon).label("sex"), b.c.alder.label("age"),
        age_group(b.c.alder, ctx.age_bands).label("age_group"), _NULL().label("diag_main"),
        _NULL().label("diag_sub"), _NULL().label("care_level"), _NULL().label("unit_id"),
        sa.cast(b.c.antal, sa.Float).label("antal"), b.c.datum.label("population_date"),
    ).select_from(b.join(chosen, chosen.c.datum == b.c.datum).join(p, p.c.period == chosen.c.period))


_YEAR = re.compile(r"(19|20)\d{2}")


def survey_year(label: str | None) -> int | None:
    m = _YEAR.search(label or "")
    return int(m.group(0)) if m else None


@base("survey_answers", kinds=("npe",))
def survey_answers_base(ctx, source, window, options):
    s, p = source.table("svar"), ctx.periods
    labels = [r[0] for r in ctx.session.execute(sa.select(s.c.undersokning).distinct()).fetchall()]
    rows = [(lab, dt.date(y, 1, 1), dt.date(y, 12, 31)) for lab in labels if lab is not None
            for y in [survey_year(lab)] if y is not None]
    lt = label_table(ctx, "npe_surveys", rows)
    question = options.get("question")
    cond = sa.func.upper(s.c.fraga_id) == str(question).upper() if question else sa.true()
    return sa.select(
        *_period_cols(p), s.c.respondent_id.label("unit_key"), s.c.respondent_id.label("person_key"),
        known_region(s.c.lan_kod).label("region_code"), known_sex(s.c.kon).label("sex"), s.c.alder.label("age"),
        age_group(s.c.alder, ctx.age_bands).label("age_group"), _NULL().label("diag_main"),
        _NULL().label("diag_sub"), _NULL().label("care_level"), s.c.enhet_id.label("unit_id"),
        s.c.undersokning.label("survey"), sa.func.upper(s.c.fraga_id).label("question"), s.c.svar.label("answer"),
        s.c.vikt.label("weight"), s.c.sjukskriven_senaste_aret.label("sick_listed"),
    ).select_from(s.join(lt, lt.c.label == s.c.undersokning).join(
        p, sa.and_(p.c.period_start == lt.c.label_start, p.c.period_end == lt.c.label_end))).where(cond)
