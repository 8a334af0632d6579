"""Build sick-leave cases in the database.

1. ``case_periods``: every period (narrow: keys, dates, grade, ord, the columns the picks order
   by and ``attr_row``, the period's row in the rule's ``attributes``) with ``prev_max_end`` =
   the running maximum end date of the entity's earlier periods (ordered by start, end, ord; the
   entity is person_key and group_key, or person_key alone for a rule with ``one_group``); a
   period starts a new case when ``start - prev_max_end - 1 > max_gap`` — comparing with the
   running maximum means a nested period never splits a case. ``case_seq`` numbers the cases
   of an entity, ``starts_case`` marks the first period of each case (in that order);
   ``new_days`` is the number of calendar days the period adds to the union of earlier periods
   (fewer than its own days exactly when it overlaps an earlier period of the case).
2. ``cases``: ``case_id`` (the smallest ord of the case's periods: unique, not a number in
   some order), start, end, gross days (sum of ``new_days`` = days covered by at least one
   period; gap days are not sick-leave days), net days (per elementary segment the highest
   grade / 100), whether the case has ended by ``data_as_of`` (end + max_gap < data_as_of),
   and the attributes the rule picks: a pick is the ``attr_row`` of the case's first row in its
   order; the attributes are joined back by that row once per case, at the end (not carried
   through the windows and aggregates of every period).

Fast paths (same numbers as the general ones; tests/engine/test_cases_property.py compares
them): a case whose periods do not overlap has net days = sum(days × grade) / 100, so the
elementary segments are built only for cases with overlapping periods (their periods selected
once, in a CTE); a pick in the case order (start, end, ord) is the case's first period, taken
in the case aggregate with ``max(attr_row) FILTER (WHERE starts_case)`` (exactly one row per
case) instead of a window and a join; on DuckDB another pick in one direction is
``arg_min``/``arg_max`` of ``attr_row``.
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


# The order of the case builder's window: a pick in this order takes the case's first period.
CASE_ORDER = (("start_date", False), ("end_date", False), ("ord", False))


def build_cases(session: Session, rule: CaseRule, data_as_of: dt.date, age_bands: str = "default",
                prefix: str = "", *, fast: bool = True) -> CaseTables:
    """``fast=False`` uses the general paths only (segments for every case, a window per pick):
    the reference the fast paths are tested against."""
    gap = rule.max_gap
    inp = rule.input.subquery("inp")
    # the entity: person_key alone when group_key is the same for every period (MiDAS)
    ent = [inp.c.person_key] if rule.one_group else [inp.c.person_key, inp.c.group_key]
    order = [inp.c.start_date, inp.c.end_date, inp.c.ord]
    prev_max = sa.func.max(inp.c.end_date).over(partition_by=ent, order_by=order, rows=(None, -1))
    s1 = sa.select(*inp.c, prev_max.label("prev_max_end")).subquery("s1")
    starts = sa.or_(s1.c.prev_max_end.is_(None), s1.c.start_date - s1.c.prev_max_end - 1 > gap)
    is_new = sa.case((starts, 1), else_=0)
    new_days = sa.case(
        (s1.c.prev_max_end.is_(None), s1.c.end_date - s1.c.start_date + 1),
        else_=sa.func.greatest(0, s1.c.end_date - sa.func.greatest(s1.c.start_date, s1.c.prev_max_end + 1) + 1))
    seq = sa.func.sum(is_new).over(partition_by=[s1.c[c.key] for c in ent],
                                   order_by=[s1.c.start_date, s1.c.end_date, s1.c.ord], rows=(None, 0))
    cp_sel = sa.select(*[c for c in s1.c if c.key != "prev_max_end"],
                       sa.cast(seq, sa.BigInteger).label("case_seq"), sa.cast(new_days, sa.BigInteger).label("new_days"),
                       starts.label("starts_case"))
    cp = session.materialize(f"{prefix}case_periods", cp_sel)

    # Case extent, gross days, the inputs of the net-days fast path and the picks: each pick is
    # the ``attr_row`` of the case's first row in its order; the attributes are joined at the end.
    first_picks = [p for p in rule.picks if fast and tuple(p.order) == CASE_ORDER]
    agg_picks = [p for p in rule.picks if fast and session.is_duckdb and p not in first_picks
                 and len({desc for _, desc in p.order}) == 1]
    other_picks = [p for p in rule.picks if p not in first_picks and p not in agg_picks]
    pick_of = {id(p): f"pick{k}" for k, p in enumerate(rule.picks)}
    days = cp.c.end_date - cp.c.start_date + 1
    core_sel = sa.select(
        # the case's smallest ord: unique (a period is in one case) without numbering the cases
        sa.func.min(cp.c.ord).label("case_id"),
        cp.c.person_key, cp.c.group_key, cp.c.case_seq,
        sa.func.min(cp.c.start_date).label("start_date"), sa.func.max(cp.c.end_date).label("end_date"),
        sa.cast(sa.func.sum(cp.c.new_days), sa.BigInteger).label("length_gross"),
        sa.func.count().label("n_periods"),
        # a period overlaps an earlier one of its case exactly when it adds fewer days than it has
        sa.func.max(sa.case((cp.c.new_days < days, 1), else_=0)).label("overlapping"),
        sa.func.sum(days * cp.c.grade).label("grade_days"),
        *[sa.func.max(cp.c.attr_row).filter(cp.c.starts_case).label(pick_of[id(p)]) for p in first_picks],
        *[_arg_pick(cp, p).label(pick_of[id(p)]) for p in agg_picks],
    ).group_by(cp.c.person_key, cp.c.group_key, cp.c.case_seq)
    core = session.materialize(f"{prefix}case_core", core_sel)

    if fast:
        # elementary segments only for the cases with overlapping periods
        # a CTE: read by the segment bounds (twice) and the covering join, computed once
        sub = sa.select(*[cp.c[c] for c in (*KEYS, "start_date", "end_date", "grade")]).select_from(
            cp.join(core, _on(cp, core))).where(core.c.overlapping == 1).cte("ocp")
        net = _net_days(sub).subquery("net")
        net_col = sa.case((core.c.overlapping == 1, sa.func.coalesce(net.c.length_net, 0.0)),
                          else_=core.c.grade_days / 100.0)
    else:
        net = _net_days(cp).subquery("net")
        net_col = sa.func.coalesce(net.c.length_net, 0.0)
    joined = core.join(net, _on(core, net), isouter=True)
    cols = [*[core.c[c] for c in ("case_id", "person_key", "group_key", "case_seq", "start_date", "end_date",
                                  "length_gross", "n_periods")],
            net_col.label("length_net"), *[core.c[pick_of[id(p)]] for p in first_picks + agg_picks]]
    for pick in other_picks:
        ps = _pick(cp, pick, pick_of[id(pick)]).subquery(pick_of[id(pick)])
        joined = joined.join(ps, _on(core, ps), isouter=True)
        cols.append(ps.c[pick_of[id(pick)]])
    picked = sa.select(*cols).select_from(joined).subquery("picked")
    # the picked attributes, joined back by their row
    joined, attr_cols = picked, {}
    for pick in rule.picks:
        name = pick_of[id(pick)]
        a = rule.attributes.subquery(f"a_{name}")
        joined = joined.join(a, a.c.attr_row == picked.c[name], isouter=True)
        attr_cols.update({c: a.c[c] for c in pick.columns})
    attrs = sa.select(*[picked.c[c] for c in ("case_id", "person_key", "group_key", "case_seq", "start_date", "end_date",
                                               "length_gross", "length_net", "n_periods")],
                      *[col.label(c) for c, col in attr_cols.items()]).select_from(joined).subquery("attrs")

    if rule.age_from_birth_year:
        age = sa.cast(sa.extract("year", attrs.c.start_date), sa.Integer) - attrs.c.birth_year
    else:
        age = attrs.c.age_raw
    ended = (attrs.c.end_date + gap) < sa.cast(sa.literal(data_as_of, sa.Date), sa.Date)
    final = sa.select(
        attrs.c.case_id,
        attrs.c.person_key, attrs.c.group_key, attrs.c.case_seq, attrs.c.start_date, attrs.c.end_date,
        attrs.c.length_gross, attrs.c.length_net, attrs.c.n_periods, ended.label("ended"),
        known_region(attrs.c.region_raw).label("region_code"), known_sex(attrs.c.sex_raw).label("sex"),
        age.label("age"), age_group(age, age_bands).label("age_group"),
        attrs.c.diagnosis, diagnosis_main(attrs.c.diagnosis).label("diag_main"),
        diagnosis_sub(attrs.c.diagnosis).label("diag_sub"),
        attrs.c.care_level, attrs.c.unit_id, attrs.c.vardgivare_id, attrs.c.employment,
    )
    cases = session.materialize(f"{prefix}cases", final)
    session.conn.exec_driver_sql(f'DROP TABLE "{core.name}"')
    return CaseTables(rule.kind, cp, cases, gap)


def _on(a, b):
    return sa.and_(*[a.c[k] == b.c[k] for k in KEYS])


def _arg_pick(cp, pick):
    """DuckDB: the ``attr_row`` of the case's first row in the pick's order (all columns in one
    direction, then ord ascending) — arg_min/arg_max over a row key in the case aggregate, the
    same row as ``_pick``'s window (key columns are not null)."""
    desc = pick.order[0][1]
    key = sa.func.row(*[cp.c[c] for c, _ in pick.order], -cp.c.ord if desc else cp.c.ord)
    return (sa.func.arg_max if desc else sa.func.arg_min)(cp.c.attr_row, key)


def _pick(cp, pick, name: str) -> sa.Select:
    """The ``attr_row`` (as ``name``) of each case's first row in the pick's order, then ord."""
    order = [cp.c[c].desc() if desc else cp.c[c].asc() for c, desc in pick.order] + [cp.c.ord]
    rn = sa.func.row_number().over(partition_by=[cp.c[k] for k in KEYS], order_by=order).label("rn")
    ranked = sa.select(*[cp.c[k] for k in KEYS], cp.c.attr_row.label(name), rn).subquery("ranked")
    return sa.select(*[ranked.c[k] for k in KEYS], ranked.c[name]).where(ranked.c.rn == 1)


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
