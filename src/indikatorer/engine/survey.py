"""``shape: survey`` — shares of survey respondents (Nationell patientenkät, measures 6.x),
with survey weights when the extract has them.

Like the generic evaluation (base, exclusions, denominator filter, numerator predicate, strata
cube with margins), but each respondent row carries a weight ``w`` (the ``vikt`` column when
weights are used, else 1). Per cell:

* ``numerator`` / ``denominator`` = the *unweighted* numbers of respondents (positive / all),
  so that disclosure control counts real respondents;
* ``value`` = the weighted share ``p = Σ w·y / Σ w`` (y = 1 for a positive answer);
* the interval = Wilson's with the Kish effective sample size ``n_eff = (Σ w)² / Σ w²`` and
  ``x = p · n_eff`` (``ci_method = wilson-kish``); without weights ``n_eff = n`` and this is
  the ordinary Wilson interval (``ci_method = wilson``). The design effect of clustering or
  stratified sampling beyond the weights is not known from the extract and is not modelled.

Option ``use_weights``: ``auto`` (default: weights when any row of the extract has ``vikt``),
``true`` or ``false``. With weights, respondents without a weight are excluded (counted).
Surveys are yearly: periods that are not years get no rows (a note says so)."""
from __future__ import annotations

from typing import Any

import numpy as np
import sqlalchemy as sa

from ..compile.bases import base_relation
from ..compile.cube import Aggregation, compile_cube
from ..compile.predicates import compile_predicate
from ..stats import wilson_interval
from .evaluate import Cells, _count_exclusions, plan_sources, read_frame, shape, source_for


def _use_weights(ctx, source, options: dict[str, Any]) -> bool:
    flag = options.get("use_weights", "auto")
    if isinstance(flag, bool):
        return flag
    if str(flag).lower() in ("true", "yes", "ja"):
        return True
    if str(flag).lower() in ("false", "no", "nej"):
        return False
    s = source.table("svar")
    return bool(ctx.session.scalar(sa.select(sa.func.count(s.c.vikt))))


@shape("survey")
def survey_shape(ctx, spec, plan, options, strata) -> Cells:
    from .finish import complete_cube

    var = plan.override
    window = (var.window if var and var.window else None) or spec.window
    num = (var.numerator if var and var.numerator else None) or spec.numerator
    den = (var.denominator if var and var.denominator else None) or spec.denominator
    where = f"measure `{spec.id}` ({spec.spec_file})"
    source = source_for(spec.base, plan)
    rel = base_relation(spec.base, ctx, source, window, options, sources=plan_sources(plan)).subquery("base")
    weighted = _use_weights(ctx, source, options)
    excl = [(e.reason, compile_predicate(e.where, rel, options, where)) for e in spec.exclude]
    excl = [(r, p) for r, p in excl if p is not None]
    if weighted:
        excl.append(("survey weight missing", rel.c.weight.is_(None)))
        excl.append(("survey weight not positive", rel.c.weight <= 0))
    exclusions = _count_exclusions(ctx, rel, excl)
    conds = [sa.not_(sa.func.coalesce(p, False)) for _, p in excl]
    den_pred = compile_predicate(den.where, rel, options, where)
    if den_pred is not None:
        conds.append(den_pred)
    filtered = sa.select(rel).where(*conds).subquery("filtered")
    pos = compile_predicate(num.where, filtered, options, where)
    pos = sa.true() if pos is None else sa.func.coalesce(pos, False)
    w = sa.cast(filtered.c.weight, sa.Double) if weighted else sa.cast(sa.literal(1.0), sa.Double)
    aug = sa.select(filtered, w.label("w"), (w * w).label("w2"),
                    sa.case((pos, w), else_=sa.cast(sa.literal(0.0), sa.Double)).label("wy"),
                    pos.label("positive")).subquery("weighted")
    agg = Aggregation(unit="respondent", numerator_where=aug.c.positive, numerator_sum=None,
                      extra_sums=("w", "w2", "wy"))
    frame = read_frame(ctx, compile_cube(aug, strata, agg))

    years = [p.label for p in ctx.periods_list if p.grain == "year"]
    notes = list(plan.notes)
    others = [p.label for p in ctx.periods_list if p.grain != "year"]
    if others:
        notes.append(f"survey measures are yearly: period(s) {', '.join(others)} left out")
    frame = frame[frame["period"].isin(years)]
    frame = complete_cube(frame, strata, years, ctx.age_bands)
    sw, sw2, swy = (frame[c].to_numpy(dtype=float) for c in ("sum_w", "sum_w2", "sum_wy"))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(sw > 0, swy / np.where(sw > 0, sw, 1.0), np.nan)
        n_eff = np.where(sw2 > 0, sw * sw / np.where(sw2 > 0, sw2, 1.0), 0.0)
    x = np.where(np.isnan(p), 0.0, np.clip(p * n_eff, 0.0, n_eff))
    lo, hi = wilson_interval(x, n_eff)
    lo = np.where(swy == 0, np.where(sw > 0, 0.0, np.nan), lo)
    hi = np.where((swy == sw) & (sw > 0), 1.0, hi)
    frame = frame.drop(columns=["sum_w", "sum_w2", "sum_wy"])
    frame["value"], frame["ci_lower"], frame["ci_upper"] = p, lo, hi
    frame["ci_method"] = np.where(np.isnan(p), None, "wilson-kish" if weighted else "wilson")
    if weighted:
        notes.append("weighted by `vikt`: value = Σw·y/Σw; interval: Wilson with Kish's effective sample size")
    approximate = var.approximate if var and var.approximate is not None else spec.approximate
    return Cells(plan, frame.reset_index(drop=True), strata, exclusions, approximate=approximate, notes=notes,
                 complete=True)
