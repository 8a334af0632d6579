"""Evaluate one measure spec on one source: base relation -> exclusions -> denominator filter
-> strata cube, all in one SQL query per variant; returns the aggregated cells (small)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd
import sqlalchemy as sa

from ..compile.bases import base_relation
from ..compile.cube import Aggregation, compile_cube
from ..compile.predicates import compile_predicate
from ..errors import CapabilityError
from ..sources import LoadedSource
from ..spec.measures import MeasureSpec, Variant
from .context import RunContext

# Custom shapes (measures whose computation is not a numerator/denominator over one base):
# name -> function(ctx, spec, plan, options) -> cells DataFrame.
SHAPES: dict[str, Callable] = {}


def shape(name: str):
    def register(fn):
        SHAPES[name] = fn
        return fn
    return register


@dataclass
class VariantPlan:
    variant: str                          # the `variant` column: kind or kind:name
    source: LoadedSource | None
    sources: dict[str, LoadedSource] = field(default_factory=dict)   # every source the measure uses, by kind
    override: Variant | None = None


@dataclass
class Cells:
    plan: VariantPlan
    frame: pd.DataFrame                   # period, dims…, numerator, denominator[, sum_squares]
    strata: list[str]
    exclusions: dict[str, dict[str, int]] = field(default_factory=dict)   # period -> reason -> n
    approximate: bool = False
    notes: list[str] = field(default_factory=list)


def plan_variants(ctx: RunContext, spec: MeasureSpec) -> list[VariantPlan]:
    """One plan per usable source kind (in the spec's order) and named variant; a measure with
    no usable source raises CapabilityError naming what is missing."""
    have = {s.kind: s for s in reversed(list(ctx.sources.values()))}
    usable = [k for k in spec.sources if k in have]
    if not usable:
        refusals = [msg for kind, msg in spec.refuse.items() if kind in have]
        if refusals:
            raise CapabilityError(f"`{spec.id}` cannot run: {refusals[0]}")
        raise CapabilityError(f"`{spec.id}` needs a source of kind {' or '.join(spec.sources)}; the job has "
                              f"{', '.join(sorted(have)) or 'none'}")
    plans = []
    for kind in usable:
        plans.append(VariantPlan(kind, have[kind], dict(have)))
        for name, var in spec.variants.items():
            if var.sources is None or kind in var.sources:
                plans.append(VariantPlan(f"{kind}:{name}", have[kind], dict(have), var))
    return plans


def evaluate(ctx: RunContext, spec: MeasureSpec, plan: VariantPlan, options: dict[str, Any],
             strata: list[str]) -> Cells:
    if spec.shape != "generic":
        if spec.shape not in SHAPES:
            raise CapabilityError(f"`{spec.id}`: unknown shape `{spec.shape}`")
        return SHAPES[spec.shape](ctx, spec, plan, options, strata)
    var = plan.override
    window = (var.window if var and var.window else None) or spec.window
    unit = (var.unit if var and var.unit else None) or spec.unit
    num = (var.numerator if var and var.numerator else None) or spec.numerator
    den = (var.denominator if var and var.denominator else None) or spec.denominator
    where = f"measure `{spec.id}` ({spec.spec_file})"

    rel = base_relation(spec.base, ctx, plan.source, window, options).subquery("base")
    excl = [(e.reason, compile_predicate(e.where, rel, options, where)) for e in spec.exclude]
    excl = [(r, p) for r, p in excl if p is not None]
    exclusions = _count_exclusions(ctx, rel, excl)
    conds = [sa.not_(sa.func.coalesce(p, False)) for _, p in excl]
    den_pred = compile_predicate(den.where, rel, options, where)
    if den_pred is not None:
        conds.append(den_pred)
    filtered = sa.select(rel).where(*conds).subquery("filtered")
    num_pred = compile_predicate(num.where, filtered, options, where)
    agg = Aggregation(unit=unit, numerator_where=num_pred, numerator_sum=num.sum,
                      sum_squares=spec.statistic == "mean")
    query = compile_cube(filtered, strata, agg)
    frame = read_frame(ctx, query)
    return Cells(plan, frame, strata, exclusions, approximate=spec.approximate)


def read_frame(ctx: RunContext, query) -> pd.DataFrame:
    result = ctx.session.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _count_exclusions(ctx: RunContext, rel, excl) -> dict[str, dict[str, int]]:
    if not excl:
        return {}
    aggs = [sa.func.count().filter(sa.func.coalesce(p, False)).label(f"e{i}") for i, (_, p) in enumerate(excl)]
    rows = ctx.session.execute(sa.select(rel.c.period, *aggs).group_by(rel.c.period)).fetchall()
    return {r[0]: {reason: int(r[i + 1]) for i, (reason, _) in enumerate(excl) if r[i + 1]} for r in rows}
