"""Build the run's sick-leave cases while Great Expectations is still being imported.

The data-quality gate needs Great Expectations, whose import (~3 CPU s, ``runner._warm_imports``)
runs in a background thread while the sources are read; reading MiDAS alone is shorter, so the
gate used to wait for the import. The cases the planned measures will read (``RunContext.cases``:
one per source and gap, the first and largest work of every case-based measure) are built in
that wait instead — work in the database, which releases the GIL. Same tables, same numbers:

* the gate still runs before any measure and its outcome is the same (it reads only the sources);
* a gate that excludes rows changes the sources under the cases: they are discarded
  (``RunContext.discard_cases``) and built again from the remaining rows by the measures;
* a build that fails is rolled back to the state before it (the sources, committed first) and
  forgotten: the measures build the cases again after the gate, and fail there as before;
* only cases some planned measure reads are built (bases ``CASE_BASES`` on a source entry whose
  kinds are all loaded), with the measure's ``max_gap_days``."""
from __future__ import annotations

from ..cases.rules import _RULES

CASE_BASES = frozenset({"cases", "index_cases", "linked_cases"})


def wanted_cases(ctx, plans) -> list[tuple]:
    """(source, max_gap) of the cases the planned measures will read, in the plans' order."""
    loaded = {s.kind for s in ctx.sources.values()}
    out, seen = [], set()
    for mp in plans:
        spec = mp.spec
        if not mp.todo or spec.shape != "generic":
            continue
        others = [*spec.by_source.values(), *spec.variants.values()]
        bases = {spec.base, spec.numerator.base, spec.denominator.base,
                 *[c.base for v in others for c in (v.numerator, v.denominator) if c is not None]}
        if not bases & CASE_BASES:
            continue
        entries = [*spec.sources, *[e for v in others for e in (v.sources or [])]]
        kinds = {k for e in entries if set(e.split("+")) <= loaded for k in e.split("+")}
        gap = int(mp.options.get("max_gap_days", 5))
        for src in ctx.sources.values():
            if src.kind in kinds and src.kind in _RULES and (src.name, gap) not in seen:
                seen.add((src.name, gap))
                out.append((src, gap))
    return out


def prebuild_cases(ctx, plans) -> bool:
    """Build ``wanted_cases`` now; False when there was nothing to build or a build failed
    (rolled back and forgotten)."""
    wanted = wanted_cases(ctx, plans)
    if not wanted:
        return False
    conn = ctx.session.conn
    conn.commit()                          # the sources survive a rollback of a failed build
    try:
        for src, gap in wanted:
            ctx.cases(src, gap)
    except Exception:  # noqa: BLE001 - built (and raised) again by the measures, after the gate
        conn.rollback()
        ctx._cases.clear()
        ctx._generation[0] += 1
        return False
    return True
