"""Evaluate one measure spec on one source: base relation -> exclusions -> denominator filter
-> strata cube; returns the aggregated cells (small).

The base is evaluated once per run and shared (``compile.bases.shared_base_relation``: a
temporary table per base, sources, window, periods and options the base reads); the
exclusion counts, the filter and the cube read that table."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd
import sqlalchemy as sa

from ..compile.bases import BASE_KINDS, shared_base_relation
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
    entry: tuple[str, ...] = ()           # the kinds of the source entry (`midas+pas` -> midas, pas)
    notes: list[str] = field(default_factory=list)


@dataclass
class Cells:
    plan: VariantPlan
    frame: pd.DataFrame                   # period, dims…, numerator, denominator[, sum_squares]
    strata: list[str]
    exclusions: dict[str, dict[str, int]] = field(default_factory=dict)   # period -> reason -> n
    approximate: bool = False
    notes: list[str] = field(default_factory=list)
    complete: bool = False                # the frame is already the complete cube (split specs, shapes)
    flags: dict[str, list[str]] = field(default_factory=dict)             # period -> quality flags


def plan_variants(ctx: RunContext, spec: MeasureSpec) -> list[VariantPlan]:
    """One plan per usable source entry (in the spec's order) and named variant; a measure with
    no usable entry raises CapabilityError naming what is missing.

    An entry is a kind (``midas``) or kinds joined by ``+`` (``midas+pas``: every kind is
    needed; the first is the plan's ``source``). Its rows have ``variant`` = the entry, a named
    variant ``entry:name``. A variant whose ``sources`` names entries that are not the spec's
    runs on those entries only (``pas+midas:aggregate``). ``by_source`` adapts the default
    definition to an entry (or to every entry containing a kind); ``requires`` lists tables
    (``midas.arenden``) an entry's sources must deliver; ``linkage: person`` refuses to link
    sources pseudonymised with different keys."""
    have = {s.kind: s for s in reversed(list(ctx.sources.values()))}
    extra = [e for v in spec.variants.values() for e in (v.sources or []) if e not in spec.sources]
    entries = list(dict.fromkeys([*spec.sources, *extra]))
    reasons: list[str] = []
    plans = []
    for entry in entries:
        kinds = tuple(entry.split("+"))
        why = _unusable(spec, kinds, have)
        if why:
            reasons.append(why)
            continue
        chosen = [(None, None)] if entry in spec.sources else []
        chosen += [(n, v) for n, v in spec.variants.items()
                   if (v.sources is None and entry in spec.sources) or (v.sources and entry in v.sources)]
        for name, var in chosen:
            override = _merged(spec, entry, kinds, var)
            linkage = (override.linkage if override and override.linkage else None) or spec.linkage
            if linkage == "person" and len(kinds) > 1:
                why = _link_problem(spec, [have[k] for k in kinds])
                if why and why.startswith("!"):
                    reasons.append(why[1:])
                    continue
            plan = VariantPlan(entry if name is None else f"{entry}:{name}", have[kinds[0]], dict(have), override,
                               kinds)
            if linkage == "person" and len(kinds) > 1 and why:
                plan.notes.append(why)
            plans.append(plan)
    if not plans:
        raise CapabilityError(refusal_message(spec, set(have), reasons))
    return plans


def refusal_message(spec: MeasureSpec, kinds: set[str], reasons: list[str] | None = None) -> str:
    """Why ``spec`` cannot run on sources of these kinds: the spec's own ``refuse`` message for
    a kind the job has, else the entries it needs and what is missing. ``reasons`` (from the
    loaded sources: a missing table, different pseudonym keys) replace the missing kinds."""
    entries = list(dict.fromkeys([*spec.sources, *[e for v in spec.variants.values() for e in (v.sources or [])]]))
    refusals = [msg for kind, msg in spec.refuse.items() if kind in kinds]
    if refusals:
        return f"`{spec.id}` cannot run: {refusals[0]}"
    have = ", ".join(sorted(kinds)) or "none"
    if reasons is None:
        reasons = [f"missing {' and '.join(k for k in e.split('+') if k not in kinds)}" for e in entries
                   if not set(e.split("+")) <= kinds]
    if all("+" not in e for e in entries) and not spec.requires:
        return f"`{spec.id}` needs a source of kind {' or '.join(entries)}; the job has {have}"
    return f"`{spec.id}` needs sources {' or '.join(entries)}; the job has {have} ({'; '.join(dict.fromkeys(reasons))})"


def _unusable(spec: MeasureSpec, kinds: tuple[str, ...], have: dict[str, LoadedSource]) -> str | None:
    missing = [k for k in kinds if k not in have]
    if missing:
        return f"missing {' and '.join(missing)}"
    for req in spec.requires:
        kind, _, table = req.partition(".")
        if kind in kinds and not have[kind].has(table):
            return f"source `{have[kind].name}` ({kind}) has no table `{table}`"
    return None


def _link_problem(spec: MeasureSpec, sources: list[LoadedSource]) -> str | None:
    """``!reason`` when the sources cannot be linked person by person; a note when linkage rests
    on an assumption; None when they share the pseudonymisation key."""
    keys = {s.name: getattr(s, "pseudonym_key_id", None) for s in sources}
    hashed = {k for k in keys.values() if k}
    if len(hashed) > 1:
        return (f"!sources {', '.join(f'`{n}`' for n in keys)} are pseudonymised with different keys; "
                f"persons cannot be linked")
    if hashed and None in keys.values():
        plain = [n for n, k in keys.items() if not k]
        return (f"person linkage assumes that the person_id of {', '.join(f'`{n}`' for n in plain)} is the "
                f"HMAC pseudonym made with the same key as the sources pseudonymised in this run")
    return None


_MERGED = ("unit", "window", "numerator", "denominator", "approximate", "linkage", "standardise")


def _merged(spec: MeasureSpec, entry: str, kinds: tuple[str, ...], var: Variant | None) -> Variant | None:
    """The entry's ``by_source`` adaptations (kind keys first, then the entry's own), with the
    named variant on top; None when nothing overrides the spec."""
    layers = [spec.by_source[k] for k in kinds if k in spec.by_source and k != entry]
    layers += [spec.by_source[entry]] if entry in spec.by_source else []
    layers += [var] if var is not None else []
    if not layers:
        return None
    if len(layers) == 1:
        return layers[0]
    merged: dict[str, Any] = {"description": layers[-1].description, "sources": layers[-1].sources}
    for f in _MERGED:
        for layer in layers:
            if getattr(layer, f) is not None:
                merged[f] = getattr(layer, f)
    return Variant(**merged)


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
    if num.base or den.base:              # numerator and denominator from different relations
        from .split import evaluate_split
        return evaluate_split(ctx, spec, plan, options, strata, window=window, unit=unit, num=num, den=den)

    rel = shared_base_relation(spec.base, ctx, source_for(spec.base, plan), window, options,
                               sources=plan_sources(plan), alias="base")
    excl = [(e.reason, compile_predicate(e.where, rel, options, where)) for e in spec.exclude]
    excl = [(r, p) for r, p in excl if p is not None]
    exclusions = _count_exclusions(ctx, rel, excl)
    conds = [sa.not_(sa.func.coalesce(p, False)) for _, p in excl]
    den_pred = compile_predicate(den.where, rel, options, where)
    if den_pred is not None:
        conds.append(den_pred)
    filtered = units_for_cube(ctx, sa.select(rel).where(*conds), unit, materialised=_is_table(rel))
    num_pred = compile_predicate(num.where, filtered, options, where)
    agg = Aggregation(unit=unit, numerator_where=num_pred, numerator_sum=num.sum,
                      sum_squares=spec.statistic == "mean")
    query = compile_cube(filtered, strata, agg)
    frame = read_frame(ctx, query)
    release_units(ctx, filtered)
    approximate = var.approximate if var and var.approximate is not None else spec.approximate
    return Cells(plan, frame, strata, exclusions, approximate=approximate, notes=list(plan.notes))


def plan_sources(plan: VariantPlan) -> dict[str, LoadedSource]:
    """The sources of the plan's entry by kind (every source of the job for single-kind plans)."""
    if len(plan.entry) > 1:
        return {k: plan.sources[k] for k in plan.entry if k in plan.sources}
    return dict(plan.sources)


def source_for(base_name: str, plan: VariantPlan) -> LoadedSource | None:
    """The source a base reads: the plan's first entry source of a kind the base declares."""
    kinds = BASE_KINDS.get(base_name)
    if not kinds or plan.source is None or plan.source.kind in kinds:
        return plan.source
    for kind in plan.entry:
        if kind in kinds and kind in plan.sources:
            return plan.sources[kind]
    raise CapabilityError(f"base `{base_name}` reads a source of kind {' or '.join(kinds)}; variant "
                          f"`{plan.variant}` has none")


def units_for_cube(ctx: RunContext, select: sa.Select, unit: str, materialised: bool = False):
    """The filtered units as the cube's input. Persons are expanded unit by unit (counted
    distinct), so their input is materialised once: otherwise the planner may repeat the base's
    joins for every level of every stratifier (PostgreSQL did, for minutes) — unless the base
    already is a table (``materialised``: a filter over it has no joins to repeat). Drop a
    materialised input with ``release_units`` once the cube is read."""
    if unit == "person" and not materialised:
        return ctx.session.materialize(ctx.session.new_name("units"), select)
    return select.subquery("filtered")


def release_units(ctx: RunContext, units) -> None:
    """Drop the table ``units_for_cube`` made (nothing for a subquery)."""
    if isinstance(units, sa.TableClause):
        ctx.drop(units)


def _is_table(rel) -> bool:
    """``rel`` reads a table (a materialised base), not a subquery."""
    return isinstance(getattr(rel, "element", rel), sa.TableClause)


def read_frame(ctx: RunContext, query) -> pd.DataFrame:
    """The (small) result of ``query`` as a DataFrame. DuckDB hands its result over column by
    column (``fetchdf``); integer and decimal columns come as int64/float64 there, while the
    rows of other databases bring Python ints and Decimals (``from_records``): the cells read
    both the same way (counts as floats)."""
    result = ctx.session.execute(query)
    columns = list(result.keys())
    if ctx.session.is_duckdb:
        frame = result.cursor.fetchdf()
        result.close()
        frame.columns = columns
        return _as_records_frame(frame)
    return pd.DataFrame.from_records([tuple(r) for r in result.fetchall()], columns=columns)


def _as_records_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """DuckDB's column types as ``from_records`` makes them from rows: integers int64 (float64
    with NaN when a value is NULL), booleans bool (object with None when NULL), dates
    ``datetime.date`` objects, a column of NULLs only None; decimals stay float64 (not Decimal
    objects)."""
    for col in frame.columns:
        s = frame[col]
        kind = getattr(s.dtype, "kind", "O")
        if len(s) and s.isna().all():
            frame[col] = pd.Series([None] * len(s), index=s.index, dtype=object)
        elif kind in "iu":
            frame[col] = s.astype("float64") if s.isna().any() else s.astype("int64")
        elif kind == "b":
            frame[col] = s.astype(object).where(s.notna(), None) if s.isna().any() else s.astype(bool)
        elif kind == "M":
            frame[col] = pd.Series([None if pd.isna(v) else v.date() for v in s], index=s.index, dtype=object)
    return frame


def _count_exclusions(ctx: RunContext, rel, excl) -> dict[str, dict[str, int]]:
    if not excl:
        return {}
    return _scan_base(ctx, rel, excl)[0]


def _scan_base(ctx: RunContext, rel, excl) -> tuple[dict[str, dict[str, int]], set[str]]:
    """One pass over the base: the exclusion counts by period and reason (as
    ``_count_exclusions``) and the periods that have rows at all."""
    aggs = [sa.func.count().filter(sa.func.coalesce(p, False)).label(f"e{i}") for i, (_, p) in enumerate(excl)]
    stmt = sa.select(rel.c.period, *aggs).group_by(rel.c.period)
    def scan():
        return [tuple(r) for r in ctx.session.execute(stmt).fetchall()]
    if getattr(ctx, "share", False):
        # variants of a measure scan the same shared base with the same exclusions: once per run
        # (``ctx.cached``; the SQL names the base's table, whose name is never reused within the run)
        compiled = stmt.compile(dialect=ctx.session.conn.dialect)
        rows = ctx.cached(("scan", str(compiled), repr(sorted(compiled.params.items()))), scan)
    else:
        rows = scan()
    counts = {r[0]: {reason: int(r[i + 1]) for i, (reason, _) in enumerate(excl) if r[i + 1]} for r in rows}
    return (counts if excl else {}), {r[0] for r in rows}


# Custom shapes register themselves on import (villkor 3: V3.1–V3.6).
from .. import villkor3 as _villkor3  # noqa: E402,F401
from . import survey as _survey  # noqa: E402,F401  (shape `survey`: NPE measures 6.x)
