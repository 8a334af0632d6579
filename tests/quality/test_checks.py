"""Every check of ``expectations/``: passes on a valid fixture and fails on one made invalid
for it (the fixtures are in ``quality_fixtures.py``). Runs each check alone, through the same GX
adapter as a run, on DuckDB tables with the layout's types."""
from __future__ import annotations

import pytest

from quality_fixtures import BASELINES, COMPANIONS, DATA_AS_OF, Fixture, create_table, fixture_for, indicator_baseline
from indikatorer.quality.checks import run_suite_on_table
from indikatorer.quality.gate import stage_frame
from indikatorer.quality.suites import SuiteFile, load_suites, parameters

SUITES = load_suites()
CHECK_IDS = [(kind, table, e["meta"]["check"]) for (kind, table), s in sorted(SUITES.items())
             for e in s.data["expectations"]]


def _one(kind: str, table: str, check: str) -> SuiteFile:
    s = SUITES[(kind, table)]
    exp = next(e for e in s.data["expectations"] if e["meta"]["check"] == check)
    return SuiteFile(s.name, kind, table, s.path, {**s.data, "expectations": [exp]})


def evaluate(session, kind: str, table: str, check: str, fx: Fixture | None):
    suite = _one(kind, table, check)
    params = parameters(DATA_AS_OF)
    if kind == "indicators":
        frame = indicator_baseline()
        if fx is not None:
            frame = fx.frame(frame)
        name = stage_frame(session, frame, "qc_test")
        run = run_suite_on_table(session.conn, suite, name, target="indicators", params=params, tables={},
                                 identifiers=set(), rows=len(frame), id_suffix=False)
        return run.results[0]
    rows = BASELINES[(kind, table)]()
    if fx is not None and fx.rows is not None:
        rows = fx.rows(rows)
    tables = {}
    for other in COMPANIONS.get((kind, table), []):
        other_rows = BASELINES[(kind, other)]()
        if fx is not None and other in fx.companions:
            other_rows = fx.companions[other](other_rows)
        tables[other] = create_table(session, kind, other, other_rows)
    name = create_table(session, kind, table, rows, types=fx.types if fx else None, drop=fx.drop if fx else ())
    tables[table] = name
    run = run_suite_on_table(session.conn, suite, name, target=f"t.{table}", params=params, tables=tables,
                             identifiers=set(), rows=len(rows), source="t")
    return run.results[0]


@pytest.mark.parametrize("kind,table,check", CHECK_IDS, ids=[f"{k}.{t}/{c}" for k, t, c in CHECK_IDS])
def test_check_passes_on_valid_and_fails_on_invalid_fixture(session, kind, table, check):
    fx = fixture_for(kind, table, check)
    assert fx is not None, f"no failing fixture for {kind}.{table}/{check} in tests/quality/quality_fixtures.py"
    good = evaluate(session, kind, table, check, None)
    assert good.status == "passed", (good.error, good.unexpected_count, good.examples, good.observed)
    bad = evaluate(session, kind, table, check, fx)
    assert bad.status == "failed", (bad.error, bad.unexpected_count, bad.examples, bad.observed)


def test_every_fixture_names_an_existing_check():
    from quality_fixtures import MUTATIONS
    known = {f"{k}.{t}/{c}" if k != "indicators" else f"indicators/{c}" for k, t, c in CHECK_IDS}
    assert set(MUTATIONS) - known == set()


@pytest.mark.parametrize("kind,table", sorted(k for k in SUITES if k[0] != "indicators"))
def test_whole_suite_passes_on_the_valid_fixture(session, kind, table):
    """The baseline is valid for every check at once (so each failing fixture isolates its check)."""
    rows = BASELINES[(kind, table)]()
    tables = {o: create_table(session, kind, o, BASELINES[(kind, o)]()) for o in COMPANIONS.get((kind, table), [])}
    tables[table] = create_table(session, kind, table, rows)
    run = run_suite_on_table(session.conn, SUITES[(kind, table)], tables[table], target=f"t.{table}",
                             params=parameters(DATA_AS_OF), tables=tables, identifiers=set(), rows=len(rows))
    assert [r.id for r in run.results if r.status != "passed"] == []
    assert len(run.results) == len(SUITES[(kind, table)].data["expectations"])


def test_indicator_suite_passes_on_the_valid_table(session):
    frame = indicator_baseline()
    name = stage_frame(session, frame, "qc_test")
    run = run_suite_on_table(session.conn, SUITES[("indicators", "indicators")], name, target="indicators",
                             params=parameters(DATA_AS_OF), tables={}, identifiers=set(), rows=len(frame),
                             id_suffix=False)
    assert [(r.id, r.error) for r in run.results if r.status != "passed"] == []
