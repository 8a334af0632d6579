"""The strata cube with margins, in one aggregate query.

Every unit row is expanded to each value it takes in every stratifier *and* to the
stratifier's total (region ``00``, ``T`` elsewhere), by a cross join with a tiny table of
level numbers; then one GROUP BY computes every cell, margins included, from the units
themselves — a person in two groups is one person in ``T``. Diagnosis expands to main group,
sub-group (when there is one) and ``T``."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..codes import RIKET, TOTAL

# stratifier -> (output column, level expressions by base column name (None = total literal), total)
STRATA_COLUMNS = {
    "region": ("region_code", ["region_code", None], RIKET),
    "sex": ("sex", ["sex", None], TOTAL),
    "age_group": ("age_group", ["age_group", None], TOTAL),
    "diagnosis_group": ("diagnosis_group", ["diag_main", "diag_sub", None], TOTAL),
    "care_level": ("care_level", ["care_level", None], TOTAL),
    "unit": ("unit_id", ["unit_id", None], None),
}
_UNIT_TOTAL = "\x1fall"        # internal sentinel (not NUL: PostgreSQL text refuses it) for "all units"; becomes NULL in the output


@dataclass(frozen=True)
class Aggregation:
    unit: str                    # "person" counts distinct persons; anything else counts rows
    numerator_where: object      # SQL expression or None
    numerator_sum: str | None    # column to sum for the numerator
    sum_squares: bool = False
    keys: tuple[str, ...] = ()   # further grouping columns without margins (e.g. a standardisation band)
    extra_sums: tuple[str, ...] = ()   # columns summed over every unit of the cell, as `sum_<col>`


_KNOWN = {"sex": ("K", "M"), "care_level": ("PV", "SSV", "PSY")}


def _category(rel, column: str):
    """A unit's category in ``column``; values outside the known codes (unknown sex, …) are
    in no category, only in the total."""
    if column in _KNOWN:
        return sa.case((rel.c[column].in_(list(_KNOWN[column])), rel.c[column]), else_=sa.null())
    return rel.c[column]


def _levels(stratum: str, rel):
    col, levels, total = STRATA_COLUMNS[stratum]
    exprs = [sa.literal(total if total is not None else _UNIT_TOTAL) if lv is None else _category(rel, lv)
             for lv in levels]
    return col, exprs


def _expand(rel, strata: list[str]):
    """Cross join ``rel`` with one tiny table of level numbers per stratifier; the dimension
    columns pick the unit's value or the total by level."""
    from_, dims = rel, {}
    for stratum in strata:
        col, exprs = _levels(stratum, rel)
        ks = sa.union_all(*[sa.select(sa.literal(i).label("k")) for i in range(len(exprs))]).subquery(f"k_{col}")
        from_ = from_.join(ks, sa.true())
        dims[col] = sa.case(*[(ks.c.k == i, e) for i, e in enumerate(exprs)])
    return from_, dims


def compile_cube(rel, strata: list[str], agg: Aggregation) -> sa.Select:
    """``rel``: the filtered base relation (already restricted to the denominator).

    Rows that are themselves the counted units (cases, certificates) lie in exactly one
    finest cell, so they are first aggregated to the finest cells in one pass and the margins
    are then summed from those cells — the same numbers as expanding every unit, at a
    fraction of the cost. Persons (counted distinct) are expanded unit by unit."""
    if agg.unit != "person":
        return _additive_cube(rel, strata, agg)
    return _person_cube(rel, strata, agg)


def _person_cube(rel, strata: list[str], agg: Aggregation) -> sa.Select:
    """Distinct persons without expanding every unit. Most persons have a single unit in the
    period: found by one small aggregate (the persons with more than one unit), they are
    counted by the additive cube row by row. The units of the other persons are reduced to one
    row per (period, person, finest cell) — ``bool_or`` of the numerator flag, the person's
    sums in that cell; a person with one such row lies in exactly one finest cell (and one
    key) and is counted additively as well. Only persons spread over several finest cells
    (and units without a person) are expanded and counted distinct. The parts are disjoint by
    person, so the cells add up."""
    in_num = agg.numerator_where if agg.numerator_where is not None else sa.true()
    units = sa.select(*rel.c, in_num.label("in_num_")).subquery("person_units")
    squares = bool(agg.sum_squares and agg.numerator_sum)
    # the per-person mean path has never carried the extra sums
    extra_sums = () if agg.numerator_sum else agg.extra_sums
    extra = [f"x_{i}" for i in range(len(extra_sums))]

    def cell_key(src) -> list:
        return [src.c.period, *[_category(src, c).label(c) for c in _fine_columns(strata)],
                *[src.c[k] for k in agg.keys]]

    def cell_rows(src, key: list, grouped: bool) -> list:
        """The columns of a person's row in one finest cell (``key``): its numerator flag and
        sums (over the units in the cell when ``grouped``, else of the one unit)."""
        total = sa.func.sum if grouped else (lambda e: e)
        flag = sa.func.bool_or(src.c.in_num_) if grouped else src.c.in_num_
        cols = [*key, flag.label("in_num")]
        if agg.numerator_sum:
            x = total(sa.case((src.c.in_num_, sa.cast(src.c[agg.numerator_sum], sa.Double))))
            cols.append(x.label("num_sum"))
            if squares:      # a person without a value in the numerator counts 0 in the sum of squares
                cols.append((sa.func.coalesce(x, 0.0) * sa.func.coalesce(x, 0.0)).label("sq"))
        cols += [sa.cast(total(src.c[c]), sa.Double).label(x) for c, x in zip(extra_sums, extra)]
        return cols

    several = (sa.select(units.c.period, units.c.person_key).where(units.c.person_key.is_not(None))
               .group_by(units.c.period, units.c.person_key).having(sa.func.count() > 1).cte("several_units"))
    # (a left join, not EXISTS: DuckDB would first collect every distinct person of the units)
    joined = units.outerjoin(several, sa.and_(several.c.period == units.c.period,
                                              several.c.person_key == units.c.person_key))
    lone = sa.select(*cell_rows(units, cell_key(units), grouped=False)).select_from(joined).where(
        units.c.person_key.is_not(None), several.c.person_key.is_(None))
    rest = sa.select(units).select_from(joined).where(
        sa.or_(units.c.person_key.is_(None), several.c.person_key.is_not(None))).subquery("rest")
    key = cell_key(rest)
    per = sa.select(*cell_rows(rest, key, grouped=True), rest.c.person_key,
                    sa.func.count().over(partition_by=[rest.c.period, rest.c.person_key]).label("n_cells")
                    ).group_by(*key, rest.c.person_key).cte("per_person_cell")
    single_only = sa.and_(per.c.n_cells == 1, per.c.person_key.is_not(None))
    single = sa.union_all(lone, sa.select(*[c for c in per.c if c.key not in ("person_key", "n_cells")])
                          .where(single_only)).subquery("single")
    multi = sa.select(per, per.c.person_key.label("unit_key")).where(sa.not_(single_only)).subquery("multi")
    num_sum = "num_sum" if agg.numerator_sum else None
    additive = _additive_cube(single, strata, Aggregation(
        unit="row", numerator_where=single.c.in_num, numerator_sum=num_sum, keys=agg.keys,
        extra_sums=(*extra, *(["sq"] if squares else [])))).subquery("additive")
    additive = sa.select(*[c.label("sum_squares" if c.key == "sum_sq" else c.key) for c in additive.c])
    distinct = _distinct_cube(multi, strata, Aggregation(
        unit="person", numerator_where=multi.c.in_num, numerator_sum=num_sum, sum_squares=agg.sum_squares,
        keys=agg.keys, extra_sums=tuple(extra)))
    both = sa.union_all(additive, distinct).subquery("both")
    dims = [both.c.period, *[both.c[STRATA_COLUMNS[s][0]] for s in strata], *[both.c[k] for k in agg.keys]]
    out = [*dims, sa.func.sum(both.c.numerator).label("numerator"),
           sa.func.sum(both.c.denominator).label("denominator")]
    if squares:
        out.append(sa.func.sum(both.c.sum_squares).label("sum_squares"))
    out += [sa.func.sum(both.c[f"sum_{x}"]).label(f"sum_{c}") for c, x in zip(extra_sums, extra)]
    return sa.select(*out).group_by(*dims)


def _fine_columns(strata: list[str]) -> list[str]:
    return list(dict.fromkeys(lv for s in strata for lv in STRATA_COLUMNS[s][1] if lv is not None))


def _distinct_cube(rel, strata: list[str], agg: Aggregation) -> sa.Select:
    """Every unit expanded to each of its cells, persons counted distinct per cell."""
    from_, dims = _expand(rel, strata)
    sums = [c for c in dict.fromkeys([*([agg.numerator_sum] if agg.numerator_sum else []), *agg.extra_sums])]
    expanded = sa.select(rel.c.period, *[v.label(k) for k, v in dims.items()], *[rel.c[k] for k in agg.keys],
                         rel.c.unit_key, rel.c.person_key, *[rel.c[c] for c in sums],
                         (agg.numerator_where if agg.numerator_where is not None else sa.true()).label("in_num"),
                         ).select_from(from_).subquery("expanded")
    e = expanded
    where = [e.c[k].is_not(None) for k in dims]
    cols = [e.c.period, *[e.c[k] for k in dims], *[e.c[k] for k in agg.keys]]
    if agg.unit == "person" and agg.numerator_sum:
        # a mean per person: first each person's total in the cell, then over persons
        per = sa.select(*cols, e.c.person_key,
                        sa.func.sum(sa.case((e.c.in_num, sa.cast(e.c[agg.numerator_sum], sa.Double)))).label("x")
                        ).where(*where).group_by(*cols, e.c.person_key).subquery("per_person")
        pcols = [per.c.period, *[per.c[k] for k in dims], *[per.c[k] for k in agg.keys]]
        x = sa.func.coalesce(per.c.x, 0.0)
        out = [*pcols, sa.cast(sa.func.sum(per.c.x), sa.Double).label("numerator"),
               sa.cast(sa.func.count(), sa.Double).label("denominator")]
        if agg.sum_squares:
            out.append(sa.func.sum(x * x).label("sum_squares"))
        return sa.select(*out).group_by(*pcols)
    if agg.unit == "person" and not agg.extra_sums:
        # distinct persons per cell in two plain aggregates (cheaper than COUNT(DISTINCT)):
        # one row per (cell, person), then the persons (not NULL) and those in the numerator
        # (a cell whose units have no person stays in the cube, with zero persons)
        per = sa.select(*cols, e.c.person_key, sa.func.bool_or(e.c.in_num).label("in_num")
                        ).where(*where).group_by(*cols, e.c.person_key).subquery("per_person")
        pcols = [per.c.period, *[per.c[k] for k in dims], *[per.c[k] for k in agg.keys]]
        counted = sa.and_(per.c.in_num, per.c.person_key.is_not(None))
        out = [*pcols, sa.cast(sa.func.sum(sa.case((counted, 1), else_=0)), sa.Double).label("numerator"),
               sa.cast(sa.func.count(per.c.person_key), sa.Double).label("denominator")]
        return sa.select(*out).group_by(*pcols)
    if agg.unit == "person":
        den = sa.func.count(sa.distinct(e.c.person_key))
        num_count = sa.func.count(sa.distinct(sa.case((e.c.in_num, e.c.person_key))))
    else:
        den = sa.func.count()
        num_count = sa.func.sum(sa.case((e.c.in_num, 1), else_=0))
    if agg.numerator_sum:
        num = sa.func.sum(sa.case((e.c.in_num, e.c[agg.numerator_sum])))
    else:
        num = num_count
    out = [*cols, sa.cast(num, sa.Double).label("numerator"), sa.cast(den, sa.Double).label("denominator")]
    if agg.sum_squares and agg.numerator_sum:
        v = sa.cast(e.c[agg.numerator_sum], sa.Double)
        out.append(sa.func.sum(sa.case((e.c.in_num, v * v))).label("sum_squares"))
    for c in agg.extra_sums:
        out.append(sa.cast(sa.func.sum(e.c[c]), sa.Double).label(f"sum_{c}"))
    return sa.select(*out).where(*where).group_by(*cols)


def _additive_cube(rel, strata: list[str], agg: Aggregation) -> sa.Select:
    base_cols = _fine_columns(strata)
    fine_dims = [_category(rel, c).label(c) for c in base_cols]
    in_num = agg.numerator_where if agg.numerator_where is not None else sa.true()
    group = [rel.c.period, *fine_dims, *[rel.c[k] for k in agg.keys]]
    num = (sa.func.sum(sa.case((in_num, sa.cast(rel.c[agg.numerator_sum], sa.Double))))
           if agg.numerator_sum else sa.func.sum(sa.case((in_num, 1.0), else_=0.0)))
    aggs = [sa.cast(num, sa.Double).label("f_num"), sa.cast(sa.func.count(), sa.Double).label("f_den")]
    if agg.sum_squares and agg.numerator_sum:
        v = sa.cast(rel.c[agg.numerator_sum], sa.Double)
        aggs.append(sa.func.sum(sa.case((in_num, v * v))).label("f_sq"))
    for c in agg.extra_sums:
        aggs.append(sa.cast(sa.func.sum(rel.c[c]), sa.Double).label(f"f_sum_{c}"))
    fine = sa.select(*group, *aggs).group_by(*group).subquery("fine")

    from_, dims = _expand(fine, strata)
    carried = [c for c in fine.c if c.key.startswith("f_")]
    expanded = sa.select(fine.c.period, *[v.label(k) for k, v in dims.items()], *[fine.c[k] for k in agg.keys],
                         *carried).select_from(from_).subquery("expanded")
    e = expanded
    cols = [e.c.period, *[e.c[k] for k in dims], *[e.c[k] for k in agg.keys]]
    out = [*cols, sa.cast(sa.func.sum(e.c.f_num), sa.Double).label("numerator"),
           sa.cast(sa.func.sum(e.c.f_den), sa.Double).label("denominator")]
    if "f_sq" in e.c:
        out.append(sa.func.sum(e.c.f_sq).label("sum_squares"))
    for c in agg.extra_sums:
        out.append(sa.cast(sa.func.sum(e.c[f"f_sum_{c}"]), sa.Double).label(f"sum_{c}"))
    return sa.select(*out).where(*[e.c[k].is_not(None) for k in dims]).group_by(*cols)


def unit_total() -> str:
    return _UNIT_TOTAL
