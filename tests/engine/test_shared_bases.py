"""Shared bases and per-run PAS tables (RunContext.share) give the same cells as evaluating
every base where it is read: every variant of the measures on the cases, linked-cases,
covered-cases and PAS-contacts bases, on synthetic data of two seeds, and with options that
take the other code paths of the PAS cache (codes outside config/kva_codes.yaml, contact
types with codes, no code condition)."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from indikatorer.engine.context import SHARED_BASES, RunContext
from indikatorer.engine.evaluate import evaluate, plan_variants
from indikatorer.engine.options import resolve_options
from indikatorer.engine.session import open_session
from indikatorer.job import load_job
from indikatorer.sources import load_source
from indikatorer.spec.measures import load_catalogue, resolve_strata, select_measures
from indikatorer.synth import write_synthetic

MEASURES = ["4.1", "4.1v", "4.2", "5.1", "N.1", "2.2", "7.1", "7.2a", "7.2b", "7.3", "1.1"]
KINDS = ("midas", "pas", "enheter", "intygsstatistik")
# (measure, options changed): the PAS cache's other paths
OPTION_CASES = [
    ("4.1", {"kva_codes": ["DV077", "QQ123"]}),                    # a code outside every list: scan kontakter
    ("4.1", {"kva_codes": "rehab_plan", "contact_types": ["BESOK", "ADMIN"]}),
    ("N.1", {"contact_types": None}),                              # no condition: every contact
    ("4.2", {"followup_codes": ["AW026"], "lookback_days": 10}),
    ("4.1v", {"kva_codes": ["DV077", "QQ123"]}),                   # pas_contacts without the coded-contacts table
    ("2.2", {"kva_codes": "rehab_plan"}),
]


def _frame(cells) -> pd.DataFrame:
    f = cells.frame
    return f.sort_values(list(f.columns)).reset_index(drop=True)


def _tables(session) -> set[str]:
    return {r[0] for r in session.execute(sa.text(
        "SELECT table_name FROM information_schema.tables WHERE table_type LIKE '%TEMPORARY%' "
        "OR table_schema LIKE 'temp%'")).fetchall()}


@pytest.fixture(scope="module", params=[3, 11])
def data(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"shared{request.param}")
    return load_job(write_synthetic(root, persons=1500, seed=request.param, pas_contacts_per_person=6))


def _evaluate_all(ctx, job, items):
    out = {}
    for spec, options in items:
        strata = resolve_strata(spec, job.strata)
        for plan in plan_variants(ctx, spec):
            cells = evaluate(ctx, spec, plan, options, strata)
            out[(spec.id, plan.variant, repr(options))] = (_frame(cells), cells.exclusions, cells.flags)
    return out


def test_shared_bases_give_the_cells_of_unshared_evaluation(data):
    job = data
    catalogue = load_catalogue(None)
    specs = select_measures(MEASURES, catalogue)
    items = [(s, resolve_options(s, job)) for s in specs]
    items += [(catalogue[m], {**resolve_options(catalogue[m], job), **change}) for m, change in OPTION_CASES]
    with open_session(None) as session:
        sources = {n: load_source(session, job, n) for n, s in job.sources.items() if s.kind in KINDS}
        shared = RunContext(job, session, sources, job.period_list)
        plain = RunContext(job, session, sources, job.period_list, share=False, _cases=shared._cases)
        before = _tables(session)
        got = _evaluate_all(shared, job, items)
        assert shared._cache, "the PAS tables were not cached"
        assert 0 < len(shared._bases) <= SHARED_BASES
        # the same again: every base comes from the shared tables
        again = _evaluate_all(shared, job, items)
        shared.release_bases()
        left = _tables(session) - before
        assert not shared._cache and not shared._bases
        assert not any(t.startswith(("base_", "units_", "pas_", "regions_")) for t in left), left
        want = _evaluate_all(plain, job, items)
    assert not plain._cache and not plain._bases
    assert got.keys() == want.keys()
    assert any(len(f) and f["numerator"].sum() > 0 for f, _, _ in got.values())
    for key, (frame, excl, flags) in want.items():
        for res in (got, again):
            pd.testing.assert_frame_equal(res[key][0], frame, check_dtype=False, obj=str(key))
            assert res[key][1] == excl, key
            assert res[key][2] == flags, key


def test_periods_without_pas_contacts_are_flagged_as_without_sharing(data):
    """The periods present in pas_contacts come from the per-run table of contact dates when
    shared; a period after the data (2022Q1) has none either way."""
    from indikatorer.periods import parse_period
    job = data
    catalogue = load_catalogue(None)
    items = [(catalogue[m], resolve_options(catalogue[m], job)) for m in ("2.2", "4.1v", "5.1")]
    periods = [*job.period_list, parse_period("2022Q1")]
    with open_session(None) as session:
        sources = {n: load_source(session, job, n) for n, s in job.sources.items() if s.kind in KINDS}
        shared = RunContext(job, session, sources, periods)
        plain = RunContext(job, session, sources, periods, share=False, _cases=shared._cases)
        got, want = _evaluate_all(shared, job, items), _evaluate_all(plain, job, items)
    assert any("missing-pas-data" in flags.get("2022Q1", []) for _, _, flags in want.values())
    assert got.keys() == want.keys()
    for key, (frame, excl, flags) in want.items():
        pd.testing.assert_frame_equal(got[key][0], frame, check_dtype=False, obj=str(key))
        assert (got[key][1], got[key][2]) == (excl, flags), key


def test_grouped_variant_order_gives_the_table_and_manifest_of_the_plans_order(data, monkeypatch):
    """``compute`` runs the variants grouped by base (``base_order``): the same rows in the
    plans' order and the same manifest entries as running them in the plans' order, with
    fewer shared bases built."""
    from pathlib import Path

    from indikatorer.engine import runner
    job = data
    specs = select_measures(["2.1a", "3.1b", "2.2", "4.1v", "5.1", "5.2", "7.1", "7.3", "7.4"], load_catalogue(None))
    plans = runner.plan_measures(job, specs, job.period_list, runner.input_fingerprints(job), None, True)

    def run(order):
        monkeypatch.setattr(runner, "base_order", order)
        built = []
        with open_session(None) as session:
            sources = {n: load_source(session, job, n) for n in job.sources}
            ctx = RunContext(job, session, sources, job.period_list)
            real = ctx.shared_base
            ctx.shared_base = lambda key, build: real(key, lambda: built.append(key) or build())
            result = runner.RunResult("r", Path("."), 0)
            table = runner.compute(ctx, plans, False, "r", job.disclosure.min_count, result)
        for info in result.measures.values():
            for v in info["variants"].values():
                v.pop("seconds"), v.pop("cpu_seconds")
        return table, result, built

    grouped = runner.base_order
    got, got_result, got_built = run(grouped)
    want, want_result, want_built = run(lambda items: list(items))
    assert len(got) and got["numerator"].sum() > 0
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)
    assert list(got_result.measures) == list(want_result.measures) == [s.id for s in specs]
    assert got_result.measures == want_result.measures
    assert len(got_built) < len(want_built)
    assert set(got_built) == set(want_built)


def test_a_base_is_shared_by_plans_whose_other_sources_give_it_the_same_input(data, monkeypatch):
    """The shared-base key holds what a base reads of the plan's other sources: nothing for a
    base without a ``sources`` parameter (the units survey of ``enheter+midas`` and of
    ``enheter+intygsstatistik``), the covered regions for ``covered_cases`` (a units survey and
    a PAS extract that cover the same regions): one table each, and the cells of unshared
    evaluation."""
    from indikatorer.compile import bases_pas
    from indikatorer.engine import context
    monkeypatch.setattr(context, "SHARED_BASES", 100)                # only the keys decide here
    job = data
    catalogue = load_catalogue(None)
    items = [(catalogue[m], resolve_options(catalogue[m], job)) for m in ("2.1a", "3.1b", "2.2")]
    with open_session(None) as session:
        sources = {n: load_source(session, job, n) for n, s in job.sources.items() if s.kind in KINDS}
        shared = RunContext(job, session, sources, job.period_list)
        built = []
        real = shared.shared_base
        shared.shared_base = lambda key, build: real(key, lambda: built.append(key[:3]) or build())
        plain = RunContext(job, session, sources, job.period_list, share=False, _cases=shared._cases)
        pas = next(s for s in sources.values() if s.kind == "pas")
        units = next(s for s in sources.values() if s.kind == "enheter")
        midas = next(s for s in sources.values() if s.kind == "midas")
        same = (bases_pas._coverage_key(shared, midas, {"pas": pas}),
                bases_pas._coverage_key(shared, midas, {"enheter": units}))
        got, want = _evaluate_all(shared, job, items), _evaluate_all(plain, job, items)
    assert same[0] == same[1] and len(same[0]) > 1             # both cover the same regions here
    assert built.count(("units", "report_in_period", units.name)) == 1, built
    for src in ("midas", "intygsstatistik"):                      # 2.2 on PAS, then 2.2:nyckeltal on units
        assert built.count(("covered_cases", "overlaps_period", src)) == 1, built
    assert got.keys() == want.keys()
    for key, (frame, excl, flags) in want.items():
        pd.testing.assert_frame_equal(got[key][0], frame, check_dtype=False, obj=str(key))
        assert (got[key][1], got[key][2]) == (excl, flags), key


def test_covered_cases_of_different_coverage_are_not_shared(data, monkeypatch):
    """Two region-level sources that cover different regions give ``covered_cases`` different keys."""
    from indikatorer.compile import bases_pas
    job = data
    covered = {"pas": ["01"], "enheter": ["01", "03"]}
    monkeypatch.setattr(bases_pas, "_regions", lambda ctx, source, table: sa.union_all(
        *[sa.select(sa.literal(r).label("r")) for r in covered[source.kind]]).subquery("regions"))
    with open_session(None) as session:
        sources = {n: load_source(session, job, n) for n, s in job.sources.items() if s.kind in KINDS}
        ctx = RunContext(job, session, sources, job.period_list)
        midas = next(s for s in sources.values() if s.kind == "midas")
        by_kind = {s.kind: s for s in sources.values()}
        keys = {kind: bases_pas._coverage_key(ctx, midas, {kind: by_kind[kind]}) for kind in covered}
    assert keys == {"pas": ("01",), "enheter": ("01", "03")}
