"""Split specs: numerator and denominator from different relations — other bases, other
windows, other sources (``numerator: {base: pas_contacts, …}`` over ``denominator: {base:
covered_cases, …}``).

Each side is its own base relation with its exclusions and filter, aggregated to its own
strata cube (``compile_cube``: margins from the units themselves); the two cubes are merged on
period and the strata they share. A stratum a side has no column for is *broadcast*
(``broadcast: [diagnosis_group]`` on a population denominator): every category of it gets
the side's total. The merged frame is the complete cube (zeros where nothing was observed).

``standardise: <standard population>`` (a variant of N.2) makes both sides also group by the
standardisation pieces (standard bands × age groups, ``spec/codelists.standard_pieces``) and
computes directly standardised rates with Dobson intervals (``stats.dsr``, as
PHEindicatormethods ``phe_dsr``): value, interval and ``ci_method = dobson`` come with the
frame; numerator = Σ counts, denominator = Σ population of the pieces used."""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..compile.bases import present_periods, shared_base_relation
from ..compile.cube import STRATA_COLUMNS, Aggregation, compile_cube, unit_total
from ..compile.predicates import compile_predicate
from ..errors import SpecError
from ..spec.codelists import standard_pieces
from ..spec.measures import Count, MeasureSpec
from ..stats import dsr
from .evaluate import (Cells, VariantPlan, _is_table, _scan_base, plan_sources, read_frame, release_units,
                       source_for, units_for_cube)

SIDES = ("numerator", "denominator")


def evaluate_split(ctx, spec: MeasureSpec, plan: VariantPlan, options: dict[str, Any], strata: list[str], *,
                   window: str | None, unit: str, num: Count, den: Count) -> Cells:
    from .finish import categories

    var = plan.override
    where = f"measure `{spec.id}` ({spec.spec_file})"
    std = _option_value(var.standardise if var else None, options)
    pieces = standard_pieces(std, ctx.age_bands) if std else []
    periods = [p.label for p in ctx.periods_list]
    exclusions: dict[str, dict[str, int]] = {}
    flags: dict[str, list[str]] = {}
    frames: dict[str, pd.DataFrame] = {}
    dims_of: dict[str, list[str]] = {}
    for side, count in zip(SIDES, (num, den)):
        base_name = count.base or spec.base
        source = source_for(base_name, plan)
        rel = shared_base_relation(base_name, ctx, source, count.window or window, options,
                                   sources=plan_sources(plan), alias=f"{side}_base")
        excl = [(e.reason, compile_predicate(e.where, rel, options, where)) for e in spec.exclude
                if e.applies_to is None or side in e.applies_to]
        excl = [(r, p) for r, p in excl if p is not None]
        present = (present_periods(base_name, ctx, source, count.window or window, options)
                   if not excl and getattr(ctx, "share", False) else None)
        if present is None:
            counted, present = _scan_base(ctx, rel, excl)
        else:
            counted = {}
        for period, by_reason in counted.items():
            for reason, n in by_reason.items():
                label = reason if side == "denominator" else f"numerator: {reason}"
                exclusions.setdefault(period, {})[label] = n
        conds = [sa.not_(sa.func.coalesce(p, False)) for _, p in excl]
        pred = compile_predicate(count.where, rel, options, where)
        if pred is not None:
            conds.append(pred)
        filtered = sa.select(rel).where(*conds).subquery(f"{side}_filtered")
        side_strata = [s for s in strata if s not in count.broadcast]
        for s in side_strata:
            for col in STRATA_COLUMNS[s][1]:
                if col is not None and col not in filtered.c:
                    raise SpecError(f"{where}: the {side} (base `{base_name}`) has no column `{col}` for "
                                    f"stratum `{s}`; name it under `broadcast` or drop the stratum")
        keys: tuple[str, ...] = ()
        if pieces:
            if "age" not in filtered.c:
                raise SpecError(f"{where}: standardisation needs an `age` column in base `{base_name}`")
            piece = sa.case(*[(filtered.c.age.between(p.from_, p.to), sa.literal(p.code)) for p in pieces],
                            else_=sa.null())
            filtered = sa.select(filtered, piece.label("std_piece")).subquery(f"{side}_pieces")
            keys = ("std_piece",)
        agg = Aggregation(unit=count.unit or unit, numerator_where=None, numerator_sum=count.sum, keys=keys)
        if agg.unit == "person":
            filtered = units_for_cube(ctx, sa.select(filtered), "person", materialised=_is_table(rel))
        frame = read_frame(ctx, compile_cube(filtered, side_strata, agg))
        release_units(ctx, filtered)
        if pieces:
            frame = frame[frame["std_piece"].notna()]
        frames[side] = frame.drop(columns=["denominator"]).rename(columns={"numerator": side})
        dims_of[side] = ["period", *[STRATA_COLUMNS[s][0] for s in side_strata], *keys]
        kind = source.kind if source is not None else base_name
        for p in periods:
            if p not in present:
                flags.setdefault(p, []).append(f"missing-{kind}-data")

    grid = _grid(strata, periods, ctx.age_bands, frames, categories)
    if pieces:
        grid = grid.merge(pd.DataFrame({"std_piece": [p.code for p in pieces]}), how="cross")
    for side in SIDES:
        grid = grid.merge(frames[side], on=dims_of[side], how="left")
        grid[side] = grid[side].astype(float).fillna(0.0)
    if pieces:
        grid = _standardise(grid, strata, pieces, options, spec.multiplier)
    approximate = var.approximate if var and var.approximate is not None else spec.approximate
    return Cells(plan, grid, strata, exclusions, approximate=approximate, notes=list(plan.notes), complete=True,
                 flags=flags)


def _option_value(value, options):
    if isinstance(value, dict) and "option" in value:
        return options[value["option"]]
    return value


def _grid(strata, periods, bands, frames, categories) -> pd.DataFrame:
    fixed = [s for s in strata if s != "unit"]
    axes = [periods] + [categories(s, bands)[0] for s in fixed]
    names = ["period"] + [STRATA_COLUMNS[s][0] for s in fixed]
    grid = pd.DataFrame(list(itertools.product(*axes)), columns=names)
    if "unit" in strata:
        seen = [f["unit_id"] for f in frames.values() if "unit_id" in f]
        units = pd.unique(pd.concat(seen)) if seen else []
        units = [u for u in units if u is not None] or [unit_total()]
        grid = grid.merge(pd.DataFrame({"unit_id": units}), how="cross")
    return grid


def _standardise(grid: pd.DataFrame, strata: list[str], pieces, options, multiplier: float) -> pd.DataFrame:
    """Directly standardised rate per cell over the cell's pieces (those of its age group; all
    pieces in the age total)."""
    weight = {p.code: p.weight for p in pieces}
    group_of = {p.code: p.age_group for p in pieces}
    g = grid.copy()
    if "age_group" in g:
        from ..codes import TOTAL
        keep = (g["age_group"] == TOTAL) | (g["std_piece"].map(group_of) == g["age_group"])
        g = g[keep]
    g["std_weight"] = g["std_piece"].map(weight)
    cells = [c for c in g.columns if c not in ("std_piece", "std_weight", "numerator", "denominator")]
    bad = (g["numerator"] > 0) & ~(g["denominator"] > 0)       # counts without population (region 99 …)
    bad_cells = g.loc[bad, cells].drop_duplicates()
    ok = g.merge(bad_cells.assign(_bad=True), on=cells, how="left")
    ok = ok[ok["_bad"].isna()].drop(columns="_bad")
    min_count = int(options.get("dsr_min_count", 10))
    res = dsr(ok, cells, "numerator", "denominator", "std_weight", multiplier=multiplier, min_total_count=min_count) \
        if len(ok) else pd.DataFrame(columns=[*cells, "value", "lower", "upper", "count", "population"])
    sums = g.groupby(cells, dropna=False, sort=False)[["numerator", "denominator"]].sum().reset_index()
    out = sums.merge(res[[*cells, "value", "lower", "upper"]], on=cells, how="left")
    out = out.rename(columns={"lower": "ci_lower", "upper": "ci_upper"})
    out["ci_method"] = np.where(out["ci_lower"].notna(), "dobson", None)
    for c in ("value", "ci_lower", "ci_upper"):
        out[c] = out[c].astype(float)
    return out
