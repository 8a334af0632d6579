"""Build sick-leave cases in the database.

1. ``case_periods``: every period with ``prev_max_end`` = the running maximum end date of the
   entity's earlier periods (ordered by start, end); a period starts a new case when
   ``start - prev_max_end - 1 > max_gap`` — comparing with the running maximum means a nested
   period never splits a case. ``case_seq`` numbers the cases of an entity; ``new_days`` is
   the number of calendar days the period adds to the union of earlier periods.
2. ``cases``: start, end, gross days (sum of ``new_days`` = days covered by at least one
   period; gap days are not sick-leave days), net days (per elementary segment the highest
   grade / 100), whether the case has ended by ``data_as_of`` (end + max_gap < data_as_of),
   and the attributes the rule picks.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from ..compile.groups import age_group, diagnosis_main, diagnosis_sub, known_region, known_sex
from ..engine.session import Session
from .rules import CaseRule

KEYS = ("person_key", "group_key", "case_seq")


@dataclass
class CaseTables:
    kind: str
    periods: sa.TableClause     # case_periods
    cases: sa.TableClause
    max_gap: int


def build_cases(session: Session, rule: CaseRule, data_as_of: dt.date, age_bands: str = "default",
                prefix: str = "") -> CaseTables:
    gap = rule.max_gap
    inp = rule.input.subquery("inp")
    ent = [inp.c.person_key, inp.c.group_key]
    order = [inp.c.start_date, inp.c.end_date, inp.c.ord]
    prev_max = sa.func.max(inp.c.end_date).over(partition_by=ent, order_by=order, rows=(None, -1))
    s1 = sa.select(*inp.c, prev_max.label("prev_max_end")).subquery("s1")
    is_new = sa.case((s1.c.prev_max_end.is_(None), 1),
                     (s1.c.start_date - s1.c.prev_max_end - 1 > gap, 1), else_=0)
    new_days = sa.case(
        (s1.c.prev_max_end.is_(None), s1.c.end_date - s1.c.start_date + 1),
        else_=sa.func.greatest(0, s1.c.end_date - sa.func.greatest(s1.c.start_date, s1.c.prev_max_end + 1) + 1))
    seq = sa.func.sum(is_new).over(partition_by=[s1.c.person_key, s1.c.group_key],
                                   order_by=[s1.c.start_date, s1.c.end_date, s1.c.ord], rows=(None, 0))
    cp_sel = sa.select(*[c for c in s1.c if c.key != "prev_max_end"],
                       sa.cast(seq, sa.BigInteger).label("case_seq"), sa.cast(new_days, sa.BigInteger).label("new_days"))
    cp = session.materialize(f"{prefix}case_periods", cp_sel)

    # Case extent and gross days.
    core = sa.select(
        cp.c.person_key, cp.c.group_key, cp.c.case_seq,
        sa.func.min(cp.c.start_date).label("start_date"), sa.func.max(cp.c.end_date).label("end_date"),
        sa.cast(sa.func.sum(cp.c.new_days), sa.BigInteger).label("length_gross"),
        sa.func.count().label("n_periods"),
    ).group_by(cp.c.person_key, cp.c.group_key, cp.c.case_seq).subquery("core")

    net = _net_days(cp).subquery("net")
    joined = core.join(net, _on(core, net), isouter=True)
    cols = [*core.c, sa.func.coalesce(net.c.length_net, 0.0).label("length_net")]
    for i, pick in enumerate(rule.picks):
        ps = _pick(cp, pick).subquery(f"pick{i}")
        joined = joined.join(ps, _on(core, ps), isouter=True)
        cols += [ps.c[c] for c in pick.columns]
    attrs = sa.select(*cols).select_from(joined).subquery("attrs")

    if rule.age_from_birth_year:
        age = sa.cast(sa.extract("year", attrs.c.start_date), sa.Integer) - attrs.c.birth_year
    else:
        age = attrs.c.age_raw
    ended = (attrs.c.end_date + gap) < sa.cast(sa.literal(data_as_of, sa.Date), sa.Date)
    final = sa.select(
        sa.func.row_number().over(order_by=[attrs.c.person_key, attrs.c.group_key, attrs.c.case_seq]).label("case_id"),
        attrs.c.person_key, attrs.c.group_key, attrs.c.case_seq, attrs.c.start_date, attrs.c.end_date,
        attrs.c.length_gross, attrs.c.length_net, attrs.c.n_periods, ended.label("ended"),
        known_region(attrs.c.region_raw).label("region_code"), known_sex(attrs.c.sex_raw).label("sex"),
        age.label("age"), age_group(age, age_bands).label("age_group"),
        attrs.c.diagnosis, diagnosis_main(attrs.c.diagnosis).label("diag_main"),
        diagnosis_sub(attrs.c.diagnosis).label("diag_sub"),
        attrs.c.care_level, attrs.c.unit_id, attrs.c.vardgivare_id, attrs.c.employment,
    )
    cases = session.materialize(f"{prefix}cases", final)
    return CaseTables(rule.kind, cp, cases, gap)


def _on(a, b):
    return sa.and_(*[a.c[k] == b.c[k] for k in KEYS])


def _pick(cp, pick) -> sa.Select:
    order = [cp.c[c].desc() if desc else cp.c[c].asc() for c, desc in pick.order] + [cp.c.ord]
    rn = sa.func.row_number().over(partition_by=[cp.c[k] for k in KEYS], order_by=order).label("rn")
    ranked = sa.select(*[cp.c[k] for k in KEYS], *[cp.c[c] for c in pick.columns], rn).subquery("ranked")
    return sa.select(*[ranked.c[k] for k in KEYS], *[ranked.c[c] for c in pick.columns]).where(ranked.c.rn == 1)


def _net_days(cp) -> sa.Select:
    """Net days: split each case at every period boundary into elementary segments; a segment
    covered by periods counts its length × the highest covering grade / 100."""
    keys = [cp.c[k] for k in KEYS]
    bounds = sa.union(
        sa.select(*keys, cp.c.start_date.label("b")),
        sa.select(*keys, (cp.c.end_date + 1).label("b")),
    ).subquery("bounds")
    seg = sa.select(*[bounds.c[k] for k in KEYS], bounds.c.b.label("seg_start"),
                    sa.func.lead(bounds.c.b).over(partition_by=[bounds.c[k] for k in KEYS],
                                                  order_by=bounds.c.b).label("seg_next")).subquery("seg")
    covered = sa.select(
        *[seg.c[k] for k in KEYS], seg.c.seg_start,
        ((seg.c.seg_next - seg.c.seg_start) * sa.func.max(cp.c.grade)).label("grade_days"),
    ).select_from(seg.join(cp, sa.and_(
        _on(seg, cp), cp.c.start_date <= seg.c.seg_start, cp.c.end_date >= seg.c.seg_next - 1,
    ))).where(seg.c.seg_next.is_not(None)).group_by(*[seg.c[k] for k in KEYS], seg.c.seg_start, seg.c.seg_next).subquery("cov")
    return sa.select(*[covered.c[k] for k in KEYS],
                     (sa.func.sum(covered.c.grade_days) / 100.0).label("length_net")).group_by(
        *[covered.c[k] for k in KEYS])
