"""The shortcuts of ``RunConnectionEngine.resolve_metrics`` (quality/gxengine.py) change the
cost of a check, never its result: example rows are fetched only when the count found
unexpected rows, and a single-column uniqueness check with no duplicates is answered by
``count(k) - count(DISTINCT k)`` (on DuckDB first ``count(DISTINCT hash(k))``), the NULL
count of a column the reader proved never NULL is 0 without a query, and a regex check counts
over the column's distinct values (DuckDB). Checked against GX's own
resolution (the shortcuts switched off) on random tables, on DuckDB and PostgreSQL; and that the
shortcuts really skip the queries of checks that pass."""
from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from indikatorer.engine.session import open_session

UNIQUE = "SELECT COUNT(*) AS rows_with_the_same_value FROM {batch} WHERE k IS NOT NULL GROUP BY k HAVING COUNT(*) > 1"
REGEX = r"^[A-Za-z][0-9]{2}(\.?[0-9A-Za-z]{1,4})?$"


def _suite():
    import great_expectations as gx
    import great_expectations.expectations as gxe
    return gx.ExpectationSuite(name="t", expectations=[
        gxe.ExpectColumnValuesToNotBeNull(column="k", meta={"check": "nn_k"}),
        gxe.ExpectColumnValuesToNotBeNull(column="code", meta={"check": "nn_code"}),
        gxe.ExpectColumnValuesToBeInSet(column="sex", value_set=["K", "M"], meta={"check": "sex"}),
        gxe.ExpectColumnValuesToBeInSet(column="sex", value_set=["K", "M"], mostly=0.9, meta={"check": "sex_mostly"}),
        gxe.ExpectColumnValuesToMatchRegex(column="code", regex=REGEX, meta={"check": "regex"}),
        gxe.ExpectColumnValuesToMatchRegex(column="code", regex=REGEX, mostly=0.95, meta={"check": "regex_mostly"}),
        gxe.ExpectColumnValuesToBeBetween(column="n", min_value=0, max_value=90, meta={"check": "between"}),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="b", column_B="a", or_equal=True,
                                                    ignore_row_if="either_value_is_missing", meta={"check": "pair"}),
    ])


def _sql_suite(other_query: str):
    import great_expectations as gx
    import great_expectations.expectations as gxe
    return gx.ExpectationSuite(name="t", expectations=[
        gxe.UnexpectedRowsExpectation(unexpected_rows_query=UNIQUE, meta={"check": "unique_k"}),
        gxe.UnexpectedRowsExpectation(unexpected_rows_query=other_query, meta={"check": "other"}),
    ])


def _fill(s, rng: random.Random, rows: int, *, nulls: bool, bad: bool, dups: bool) -> None:
    s.execute(sa.text("CREATE TEMPORARY TABLE src_t_r (k VARCHAR, code VARCHAR, sex VARCHAR, n INTEGER, "
                      "a INTEGER, b INTEGER, _row INTEGER)"))
    data = []
    for i in range(rows):
        k = f"k{rng.randrange(rows // 2)}" if dups and rng.random() < 0.3 else f"u{i}"
        if nulls and rng.random() < 0.05:
            k = None
        code = rng.choice(["F43.2", "M545", "F32", "Z73"]) if not (bad and rng.random() < 0.08) else \
            rng.choice(["xx", "F4", "43.2", "F43.23456"])
        if nulls and rng.random() < 0.05:
            code = None
        sex = rng.choice("KM") if not (bad and rng.random() < 0.05) else rng.choice(["X", "k", None])
        n = rng.randrange(0, 91) if not (bad and rng.random() < 0.05) else rng.choice([-1, 120])
        a = rng.randrange(100)
        b = a + rng.randrange(10) if not (bad and rng.random() < 0.05) else a - 1
        data.append({"k": k, "code": code, "sex": sex, "n": n, "a": a, "b": b, "_row": i})
    s.execute(sa.text("INSERT INTO src_t_r VALUES (:k, :code, :sex, :n, :a, :b, :_row)"), data)


def _plain(r) -> dict:
    res = dict(r.result or {})
    for key in ("partial_unexpected_list", "partial_unexpected_counts"):
        if isinstance(res.get(key), list):       # GX's order of equal values is the database's
            res[key] = sorted(map(repr, res[key]))
    details = res.get("details")
    if isinstance(details, dict) and isinstance(details.get("unexpected_rows"), list):
        res["details"] = {**details, "unexpected_rows": sorted(map(repr, details["unexpected_rows"]))}
    return {"success": r.success, "result": res, "error": bool((r.exception_info or {}).get("raised_exception"))}


def _run_both(s, monkeypatch, not_null=frozenset()):
    """(optimised, GX's own) results per check, and the statements the optimised run sent."""
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine
    from indikatorer.quality import gxengine
    gxengine.checkpoint(s.conn)
    sent: list[str] = []
    listener = lambda conn, cur, statement, *a: sent.append(" ".join(statement.split()))  # noqa: E731
    sa.event.listen(s.conn, "before_cursor_execute", listener)
    fmt = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
    other = "SELECT _row, a, b FROM {batch} WHERE b < a"
    fast = {}
    for suite, f in ((_suite(), fmt), (_sql_suite(other), {"result_format": "COMPLETE"})):
        for r in gxengine.run_suite(s.conn, "src_t_r", suite, f, not_null=not_null).results:
            fast[r.expectation_config.meta["check"]] = _plain(r)
    sa.event.remove(s.conn, "before_cursor_execute", listener)
    with monkeypatch.context() as m:
        m.setattr(gxengine.RunConnectionEngine, "resolve_metrics", SqlAlchemyExecutionEngine.resolve_metrics)
        slow = {}
        for suite, f in ((_suite(), fmt), (_sql_suite(other), {"result_format": "COMPLETE"})):
            for r in gxengine.run_suite(s.conn, "src_t_r", suite, f).results:
                slow[r.expectation_config.meta["check"]] = _plain(r)
    return fast, slow, sent


def _same_results(url, monkeypatch, seed: int, not_null=frozenset(), **kind):
    rng = random.Random(seed)
    with open_session(url) as s:
        _fill(s, rng, rng.randrange(50, 400), **kind)
        fast, slow, sent = _run_both(s, monkeypatch, not_null)
    assert fast == slow
    assert all(not v["error"] for v in fast.values())
    return fast, sent


@pytest.mark.parametrize("seed", range(6))
def test_shortcuts_give_gx_s_own_results_on_random_tables_duckdb(seed, monkeypatch):
    kinds = [dict(nulls=a, bad=b, dups=c) for a in (False, True) for b in (False, True) for c in (False, True)]
    for kind in kinds[seed % 2::2]:
        _same_results(None, monkeypatch, seed * 100 + len(str(kind)), **kind)


@pytest.mark.postgres
def test_shortcuts_give_gx_s_own_results_on_random_tables_postgres(pg_url, monkeypatch):
    for seed, kind in enumerate([dict(nulls=False, bad=False, dups=False), dict(nulls=True, bad=True, dups=True)]):
        fast, _ = _same_results(pg_url, monkeypatch, seed, **kind)
        assert fast["unique_k"]["success"] is not kind["dups"]


def test_checks_that_pass_send_no_example_or_duplicate_query(monkeypatch):
    fast, sent = _same_results(None, monkeypatch, 7, nulls=False, bad=False, dups=False)
    assert all(v["success"] for v in fast.values())
    assert not [q for q in sent if "LIMIT" in q.upper()], "example rows fetched for a check that passed"
    assert not [q for q in sent if "GROUP BY k" in q], "uniqueness grouped although no value repeats"
    assert [q for q in sent if "count(DISTINCT hash(k))" in q]
    assert not [q for q in sent if "count(DISTINCT k)" in q], "distinct hashes already prove distinct values"
    assert not [q for q in sent if q.startswith("SELECT _row, a, b FROM")], "rows of a passing SQL check fetched"


def test_failing_checks_still_report_counts_and_examples(monkeypatch):
    fast, sent = _same_results(None, monkeypatch, 11, nulls=True, bad=True, dups=True)
    for check in ("nn_k", "nn_code", "sex", "regex", "between", "pair"):
        assert fast[check]["success"] is False and fast[check]["result"]["unexpected_count"] > 0, check
        assert fast[check]["result"]["partial_unexpected_list"], check
    assert fast["unique_k"]["success"] is False
    unique = fast["unique_k"]["result"]
    assert unique["observed_value"] == len(unique["details"]["unexpected_rows"]) > 0
    assert fast["other"]["result"]["observed_value"] > 0 and fast["other"]["result"]["details"]["unexpected_rows"]
    assert [q for q in sent if "GROUP BY k" in q]
    assert [q for q in sent if "count(DISTINCT k)" in q], "repeated hashes: the exact count decides"
    regex_counts = [q for q in sent if "code ~" in q and "LIMIT" not in q.upper()]
    assert regex_counts and all("GROUP BY code" in q for q in regex_counts), "regex counted row by row"


@pytest.mark.parametrize("seed", range(3))
def test_known_not_null_gives_gx_s_own_results_and_skips_the_null_count(seed, monkeypatch):
    """Columns proved never NULL (here: k and code of a table without NULLs) are not counted
    again; every result is GX's own, failing checks of other kinds included."""
    fast, sent = _same_results(None, monkeypatch, 300 + seed, not_null=frozenset({"k", "code"}),
                               nulls=False, bad=bool(seed % 2), dups=bool(seed))
    assert fast["nn_k"]["success"] and fast["nn_k"]["result"]["unexpected_count"] == 0
    assert not [q for q in sent if "k IS NULL" in q or "code IS NULL" in q], "NULL count of a proved column sent"
    assert [q for q in sent if "sex IS NOT NULL" in q]          # the other checks still run


def test_known_not_null_only_answers_its_own_columns(monkeypatch):
    """A column not in ``not_null`` is counted (and fails when it holds NULLs)."""
    fast, sent = _same_results(None, monkeypatch, 5, not_null=frozenset({"sex"}), nulls=True, bad=False, dups=False)
    assert fast["nn_k"]["success"] is False and fast["nn_code"]["success"] is False
    assert [q for q in sent if "k IS NULL" in q]


def test_uniqueness_shortcut_only_for_the_exact_single_column_form():
    from indikatorer.quality.gxengine import _DUPLICATES
    assert _DUPLICATES.fullmatch(UNIQUE).group(1) == "k"
    assert _DUPLICATES.fullmatch("select count(*) from {batch} where intyg_id is not null group by intyg_id "
                                 "having count(*) > 1")
    for q in ("SELECT COUNT(*) FROM {batch} WHERE a IS NOT NULL GROUP BY b HAVING COUNT(*) > 1",
              "SELECT COUNT(*) FROM {batch} WHERE a IS NOT NULL GROUP BY a HAVING COUNT(*) > 2",
              "SELECT COUNT(*) FROM {batch} GROUP BY a, b HAVING COUNT(*) > 1",
              "SELECT COUNT(*) FROM {batch} WHERE a IS NOT NULL AND c = 1 GROUP BY a HAVING COUNT(*) > 1"):
        assert not _DUPLICATES.fullmatch(q), q


def test_shortcuts_on_an_empty_table_give_gx_s_own_results(monkeypatch):
    with open_session(None) as s:
        s.execute(sa.text("CREATE TEMPORARY TABLE src_t_r (k VARCHAR, code VARCHAR, sex VARCHAR, n INTEGER, "
                          "a INTEGER, b INTEGER, _row INTEGER)"))
        fast, slow, _ = _run_both(s, monkeypatch)
    assert fast == slow


ROWS_Q = "SELECT r._row FROM {batch} r WHERE NOT EXISTS (SELECT 1 FROM src_t_ref f WHERE f.k = r.k)"
SHARE_Q = ("SELECT COUNT(*) AS without_ref FROM {{batch}} r WHERE NOT EXISTS (SELECT 1 FROM src_t_ref f WHERE f.k = r.k) "
           "HAVING COUNT(*) > {k} * (SELECT COUNT(*) FROM {{batch}})")


@pytest.mark.parametrize("seed", range(4))
def test_rows_and_share_of_one_condition_counted_once(seed, monkeypatch):
    """A rows check and share checks over the same condition: GX's own results (share below,
    at and above the threshold), from one count of the condition."""
    _rows_and_share(None, seed, monkeypatch)


@pytest.mark.postgres
def test_rows_and_share_of_one_condition_counted_once_postgres(pg_url, monkeypatch):
    for seed in (1, 2):
        _rows_and_share(pg_url, seed, monkeypatch)


def _rows_and_share(url, seed, monkeypatch):
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine
    from indikatorer.quality import gxengine
    rng = random.Random(seed)
    with open_session(url) as s:
        _fill(s, rng, rng.randrange(50, 300), nulls=False, bad=False, dups=bool(seed % 2))
        keep = rng.random()
        s.execute(sa.text(f"CREATE TEMPORARY TABLE src_t_ref AS SELECT k FROM src_t_r WHERE _row % 10 < {keep * 10}"))
        n, total = s.execute(sa.text("SELECT count(*) FILTER (WHERE k NOT IN (SELECT k FROM src_t_ref)), count(*) "
                                     "FROM src_t_r")).one()
        ks = ["0.05", "0.5", f"{n / total:.4f}", "0", "1"]
        suite = gx.ExpectationSuite(name="t", expectations=[
            gxe.UnexpectedRowsExpectation(unexpected_rows_query=ROWS_Q, meta={"check": "rows"}),
            *[gxe.UnexpectedRowsExpectation(unexpected_rows_query=SHARE_Q.format(k=k), meta={"check": f"share{i}"})
              for i, k in enumerate(ks)]])
        gxengine.checkpoint(s.conn)
        sent: list[str] = []
        listener = lambda conn, cur, statement, *a: sent.append(" ".join(statement.split()))  # noqa: E731
        sa.event.listen(s.conn, "before_cursor_execute", listener)
        fast = {r.expectation_config.meta["check"]: _plain(r)
                for r in gxengine.run_suite(s.conn, "src_t_r", suite, {"result_format": "COMPLETE"}).results}
        sa.event.remove(s.conn, "before_cursor_execute", listener)
        with monkeypatch.context() as m:
            m.setattr(gxengine.RunConnectionEngine, "resolve_metrics", SqlAlchemyExecutionEngine.resolve_metrics)
            slow = {r.expectation_config.meta["check"]: _plain(r)
                    for r in gxengine.run_suite(s.conn, "src_t_r", suite, {"result_format": "COMPLETE"}).results}
    assert fast == slow and not any(v["error"] for v in fast.values())
    assert fast["rows"]["result"]["observed_value"] == n
    assert {v["success"] for k, v in fast.items() if k.startswith("share")} == ({True, False} if n else {True})
    failing = sum(not v["success"] for k, v in fast.items() if k.startswith("share"))
    having = [q for q in sent if "HAVING" in q.upper()]
    assert len(having) == failing and not [q for q in having if "unexpected_row_count" in q], \
        "the share's query was sent for its count (only a failing share's row is fetched)"
    counts = [q for q in sent if "NOT EXISTS" in q.upper() and "HAVING" not in q.upper()]
    assert len(counts) == 1 + (n > 0)       # the shared count; the rows' examples when there are some


def test_shared_count_only_for_one_plain_condition():
    from indikatorer.quality.gxengine import _ROWS_WHERE, _SHARE_WHERE, _plain_condition
    hit = _ROWS_WHERE.fullmatch(ROWS_Q)
    assert hit.group(1) == hit.group(2) == "r" and _plain_condition(hit.group(3))
    assert _SHARE_WHERE.fullmatch(SHARE_Q.format(k="0.05")).group(3) == "0.05"
    for w in ("a > 1 GROUP BY a", "a > 1 LIMIT 3", "(a > 1", "a > 1)", "a = ';'", "a > 1 -- x", "a IN ({batch})",
              "a > 1 UNION SELECT 1", "a > 1 ORDER BY a"):
        assert not _plain_condition(w), w
    assert _plain_condition("a > (SELECT max(b) FROM t GROUP BY c LIMIT 1)")
    assert not _ROWS_WHERE.fullmatch("SELECT r._row FROM {batch} r JOIN t ON t.k = r.k WHERE t.x > 1")
