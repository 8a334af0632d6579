"""Property tests: the SQL case builder and the 7.x totals against a tiny pure-Python
reference (day sets), on random periods (nested, overlapping, touching, gaps around 5)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st

from helpers import midas_row, write_job, write_midas

BASE = dt.date(2020, 1, 1)
AS_OF = dt.date(2020, 12, 31)


def reference_cases(periods, gap=5):
    """periods: (person, start, end, grade). Returns {(person, start, end): (gross, net)}."""
    out = {}
    by_person = defaultdict(list)
    for p, s, e, g in periods:
        by_person[p].append((s, e, g))
    for p, ps in by_person.items():
        ps.sort(key=lambda t: (t[0], t[1]))
        cases, cur, max_end = [], None, None
        for s, e, g in ps:
            if cur is None or (s - max_end).days - 1 > gap:
                cur = []
                cases.append(cur)
                max_end = e
            cur.append((s, e, g))
            max_end = max(max_end, e)
        for c in cases:
            grade_by_day = {}
            for s, e, g in c:
                for k in range((e - s).days + 1):
                    d = s + dt.timedelta(days=k)
                    grade_by_day[d] = max(grade_by_day.get(d, 0), g)
            start, end = min(s for s, _, _ in c), max(e for _, e, _ in c)
            out[(p, start, end)] = (len(grade_by_day), sum(grade_by_day.values()) / 100, grade_by_day)
    return out


period_st = st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 200), st.integers(0, 60),
                      st.sampled_from([25, 50, 75, 100]))


def _periods(raw):
    return [(p, BASE + dt.timedelta(days=s), BASE + dt.timedelta(days=s + n), g) for p, s, n, g in raw]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(period_st, min_size=1, max_size=12))
def test_case_builder_matches_reference(tmp_path_factory, raw):
    from indikatorer.cases import build_cases, rule_for
    from indikatorer.engine.session import open_session
    from indikatorer.job import load_job
    from indikatorer.sources import load_source

    root = tmp_path_factory.mktemp("prop")
    periods = _periods(raw)
    write_midas(root, [midas_row(p, s.isoformat(), e.isoformat(), g) for p, s, e, g in periods])
    job = load_job(write_job(root, {"fk": {"kind": "midas", "path": "midas/"}}, data_as_of=AS_OF.isoformat()))
    with open_session() as session:
        cases = build_cases(session, rule_for(load_source(session, job, "fk")), job.data_as_of).cases
        rows = session.execute(sa.select(cases.c.person_key, cases.c.start_date, cases.c.end_date,
                                         cases.c.length_gross, cases.c.length_net, cases.c.ended)).fetchall()
    got = {(p, s, e): (g, round(n, 6)) for p, s, e, g, n, _ in rows}
    ref = reference_cases(periods)
    assert got == {k: (v[0], round(v[1], 6)) for k, v in ref.items()}
    for p, s, e, g, n, ended in rows:
        assert ended == ((e + dt.timedelta(days=5)) < AS_OF)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(period_st, min_size=1, max_size=15))
def test_measure_totals_match_reference(tmp_path_factory, raw):
    from helpers import cell, run

    root = tmp_path_factory.mktemp("propm")
    periods = _periods(raw)
    write_midas(root, [midas_row(p, s.isoformat(), e.isoformat(), g) for p, s, e, g in periods])
    df = run(write_job(root, {"fk": {"kind": "midas", "path": "midas/"}}, data_as_of=AS_OF.isoformat(),
                       periods=["2020Q2"], measures=["7.1", "7.2", "7.4"]))
    q_start, q_end = dt.date(2020, 4, 1), dt.date(2020, 6, 30)
    ref = reference_cases(periods)
    ended = [(k, v) for k, v in ref.items() if q_start <= k[2] <= q_end and k[2] + dt.timedelta(days=5) < AS_OF]
    long = [v[0] for _, v in ended if v[0] >= 15]
    c71 = cell(df, "7.1", "midas", period="2020Q2")
    assert (c71.denominator, c71.numerator) == (len(long), sum(long))
    c72b = cell(df, "7.2b", "midas", period="2020Q2")
    assert c72b.numerator == sum(1 for d in long if 181 <= d <= 365)
    ongoing = [v[2][q_end] for k, v in ref.items() if q_end in v[2]]
    c74 = cell(df, "7.4", "midas", period="2020Q2")
    assert (c74.numerator, c74.denominator) == (sum(1 for g in ongoing if g < 100), len(ongoing))


def _all_rows(session, table):
    cols = [c for c in table.c]
    return sorted(tuple(r) for r in session.execute(sa.select(*cols)).fetchall())


# MiDAS periods with varying attributes, so a wrong pick shows (several periods start on one day)
midas_st = st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 120), st.integers(0, 40),
                     st.sampled_from([25, 50, 75, 100]), st.sampled_from(["F43.2", "M54", "", "X1"]),
                     st.sampled_from(["K", "M", ""]), st.sampled_from([1960, 1990]), st.sampled_from(["05", "01", ""]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(midas_st, min_size=1, max_size=14))
def test_fast_paths_equal_general_midas(tmp_path_factory, raw):
    """The fast paths (net days without segments, first-period picks in the aggregate) give
    the general paths' case_periods and cases, column for column."""
    root = tmp_path_factory.mktemp("fastm")
    rows = [midas_row(p, (BASE + dt.timedelta(days=s)).isoformat(), (BASE + dt.timedelta(days=s + n)).isoformat(), g,
                      diag=d, sex=sx, born=b, region=reg) for p, s, n, g, d, sx, b, reg in raw]
    write_midas(root, rows)
    _assert_fast_equals_general(root, "midas", "midas/", periods_too=True)


intyg_st = st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(["VG1", "VG2"]), st.integers(0, 120),
                     st.integers(0, 40), st.sampled_from([25, 50, 100]), st.integers(0, 30), st.sampled_from(["F43", "M54"]))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(intyg_st, min_size=1, max_size=12))
def test_fast_paths_equal_general_intygsstatistik(tmp_path_factory, raw):
    from helpers import intyg_row, write_intygsstatistik

    root = tmp_path_factory.mktemp("fasti")
    intyg = [intyg_row(f"i{k}", p, (BASE + dt.timedelta(days=sig)).isoformat(), vg=vg, diag=d, age=20 + sig)
             for k, (p, vg, s, n, g, sig, d) in enumerate(raw)]
    perioder = [[f"i{k}", g, (BASE + dt.timedelta(days=s)).isoformat(), (BASE + dt.timedelta(days=s + n)).isoformat()]
                for k, (p, vg, s, n, g, sig, d) in enumerate(raw)]
    # every third certificate has a second period (ties in signing date and intyg_id: ord decides)
    perioder += [[f"i{k}", 100, (BASE + dt.timedelta(days=s + n + 3)).isoformat(),
                  (BASE + dt.timedelta(days=s + n + 10)).isoformat()] for k, (p, vg, s, n, g, sig, d) in enumerate(raw)
                 if k % 3 == 0]
    write_intygsstatistik(root, intyg, perioder)
    _assert_fast_equals_general(root, "intygsstatistik", "intyg/")


def _assert_fast_equals_general(root, kind, path, periods_too=False):
    """The case builder's fast and general paths give the same cases (and case_periods)."""
    from indikatorer.cases import build_cases, rule_for
    from indikatorer.engine.session import open_session
    from indikatorer.job import load_job
    from indikatorer.sources import load_source

    job = load_job(write_job(root, {"src": {"kind": kind, "path": path}}, data_as_of=AS_OF.isoformat()))
    with open_session() as session:
        rule = rule_for(load_source(session, job, "src"))
        fast = build_cases(session, rule, job.data_as_of, prefix="f_")
        slow = build_cases(session, rule, job.data_as_of, prefix="s_", fast=False)
        assert _all_rows(session, fast.cases) == _all_rows(session, slow.cases)
        ids = [r[0] for r in session.execute(sa.select(fast.cases.c.case_id)).fetchall()]
        assert None not in ids and len(set(ids)) == len(ids)
        if periods_too:
            assert _all_rows(session, fast.periods) == _all_rows(session, slow.periods)


# Certificates with their own attributes, so a pick joined back from the wrong row shows
intyg_attr_st = st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(["VG1", "VG2"]), st.integers(0, 80),
                          st.integers(0, 30), st.integers(0, 30), st.sampled_from(["F43", "M54", "J06"]),
                          st.sampled_from(["K", "M"]), st.integers(20, 60), st.sampled_from(["01", "05", "14"]),
                          st.sampled_from(["VE1", "VE2", "VE3"]))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(intyg_attr_st, min_size=1, max_size=10))
def test_intygsstatistik_picks_match_reference(tmp_path_factory, raw):
    """The attributes of an Intygsstatistik case (joined back by row after the case builder's
    narrow steps) are those of the latest certificate (diagnosis, region, unit) and of the first
    one (sex, age), by signing date then intyg_id, against a pure-Python reference."""
    from helpers import intyg_row, write_intygsstatistik
    from indikatorer.cases import build_cases, rule_for
    from indikatorer.engine.session import open_session
    from indikatorer.job import load_job
    from indikatorer.sources import load_source

    root = tmp_path_factory.mktemp("picks")
    intyg = [intyg_row(f"i{k:02d}", p, (BASE + dt.timedelta(days=sig)).isoformat(), vg=vg, ve=ve, lan=lan, sex=sx,
                       age=age, diag=d) for k, (p, vg, s, n, sig, d, sx, age, lan, ve) in enumerate(raw)]
    perioder = [[f"i{k:02d}", 100, (BASE + dt.timedelta(days=s)).isoformat(), (BASE + dt.timedelta(days=s + n)).isoformat()]
                for k, (p, vg, s, n, sig, d, sx, age, lan, ve) in enumerate(raw)]
    write_intygsstatistik(root, intyg, perioder)
    # reference: cases per (patient, vårdgivare) by the gap rule, in the order (start, end, ord)
    by_entity = defaultdict(list)
    for k, (p, vg, s, n, sig, d, sx, age, lan, ve) in enumerate(raw):
        by_entity[(p, vg)].append((s, s + n, k + 1, (sig, f"i{k:02d}"), (d, lan, ve, sx, age)))
    ref = {}
    for (p, vg), rows in by_entity.items():
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        cases, max_end = [], None
        for r in rows:
            if max_end is None or r[0] - max_end - 1 > 5:
                cases.append([])
                max_end = r[1]
            cases[-1].append(r)
            max_end = max(max_end, r[1])
        for c in cases:
            latest = max(c, key=lambda r: (r[3], -r[2]))[4]
            first = min(c, key=lambda r: (r[3], r[2]))[4]
            ref[(p, vg, BASE + dt.timedelta(days=min(r[0] for r in c)))] = (latest[0], latest[1], latest[2], first[3],
                                                                             first[4])
    job = load_job(write_job(root, {"src": {"kind": "intygsstatistik", "path": "intyg/"}}, data_as_of=AS_OF.isoformat()))
    with open_session() as session:
        rule = rule_for(load_source(session, job, "src"))
        for fast in (True, False):
            c = build_cases(session, rule, job.data_as_of, prefix=f"p{int(fast)}_", fast=fast).cases
            rows = session.execute(sa.select(c.c.person_key, c.c.group_key, c.c.start_date, c.c.diagnosis,
                                             c.c.region_code, c.c.unit_id, c.c.sex, c.c.age)).fetchall()
            assert {(p, vg, s): tuple(rest) for p, vg, s, *rest in rows} == ref


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(intyg_st, min_size=1, max_size=14))
def test_index_cases_narrow_equals_window(tmp_path_factory, raw):
    """The index-case base picked over narrow rows (DuckDB ``arg_min``) equals the window over
    wide rows: one case per person and period, the first by end date, start date, case_id
    (several vårdgivare give one patient cases with equal dates: the case_id tie-break shows)."""
    from helpers import intyg_row, write_intygsstatistik
    from indikatorer.compile import bases
    from indikatorer.compile.bases import base_relation
    from indikatorer.engine.context import RunContext
    from indikatorer.engine.session import open_session
    from indikatorer.job import load_job
    from indikatorer.sources import load_source

    root = tmp_path_factory.mktemp("index")
    intyg = [intyg_row(f"i{k}", p, (BASE + dt.timedelta(days=sig)).isoformat(), vg=vg, diag=d, age=20 + sig)
             for k, (p, vg, s, n, g, sig, d) in enumerate(raw)]
    # every certificate's period at both vårdgivare: equal case dates for one patient
    perioder = [[f"i{k}", g, (BASE + dt.timedelta(days=s)).isoformat(), (BASE + dt.timedelta(days=s + n)).isoformat()]
                for k, (p, vg, s, n, g, sig, d) in enumerate(raw)]
    intyg += [intyg_row(f"j{k}", p, (BASE + dt.timedelta(days=sig)).isoformat(), vg="VG2" if vg == "VG1" else "VG1",
                        diag="J06", age=70) for k, (p, vg, s, n, g, sig, d) in enumerate(raw) if k % 2 == 0]
    perioder += [[f"j{k}", g, (BASE + dt.timedelta(days=s)).isoformat(), (BASE + dt.timedelta(days=s + n)).isoformat()]
                 for k, (p, vg, s, n, g, sig, d) in enumerate(raw) if k % 2 == 0]
    write_intygsstatistik(root, intyg, perioder)
    job = load_job(write_job(root, {"src": {"kind": "intygsstatistik", "path": "intyg/"}}, data_as_of=AS_OF.isoformat(),
                             periods=["2020", "2020Q1", "2020Q2"]))
    with open_session() as session:
        src = load_source(session, job, "src")
        ctx = RunContext(job, session, {"src": src}, job.period_list)
        got = {}
        for narrow in (True, False):
            bases.NARROW_INDEX = narrow
            try:
                got[narrow] = _all_rows(session, session.materialize(
                    f"ic{int(narrow)}", base_relation("index_cases", ctx, src, "ended_in_period", {})))
            finally:
                bases.NARROW_INDEX = True
        assert got[True] == got[False]
        assert len({(r[0], r[5]) for r in got[True]}) == len(got[True])     # one row per period and person
