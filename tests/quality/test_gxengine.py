"""The GX adapter (``quality/gxengine.py``) still takes effect with the pinned GX: checks run
on the run's own connection and temporary tables, compute real metrics on DuckDB, never open a
second connection, survive a failing check query, stay quiet, and GX is not imported by
commands that do not validate."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from indikatorer.engine.session import open_session

ROOT = Path(__file__).resolve().parents[2]


def _suite(*exps):
    import great_expectations as gx
    return gx.ExpectationSuite(name="t", expectations=list(exps))


def _table(session, n=1000):
    session.execute(sa.text(
        f"CREATE TEMPORARY TABLE src_t_x AS SELECT 'id' || i AS id, CASE WHEN i % 100 = 0 THEN 'X' ELSE 'K' END AS kon, "
        f"CASE WHEN i % 50 = 0 THEN 'xx' ELSE 'F43.2' END AS diag, DATE '2020-01-01' + CAST(i % 300 AS INTEGER) AS d, "
        f"i AS _row FROM range({n}) t(i)"))


def test_great_expectations_is_the_pinned_version():
    import great_expectations as gx
    from indikatorer.quality.gxengine import TESTED_GX_VERSION
    assert gx.__version__ == TESTED_GX_VERSION
    assert f'"great-expectations=={TESTED_GX_VERSION}"' in (ROOT / "pyproject.toml").read_text()


def test_checks_compute_metrics_on_the_session_s_duckdb_temp_tables():
    import great_expectations.expectations as gxe
    from indikatorer.quality import gxengine
    with open_session() as s:
        _table(s)                                  # uncommitted, as after reading sources
        statements = []
        sa.event.listen(s.conn, "before_cursor_execute", lambda *a, **k: statements.append(1))
        gxengine.checkpoint(s.conn)
        res = gxengine.run_suite(s.conn, "src_t_x", _suite(
            gxe.ExpectColumnValuesToBeInSet(column="kon", value_set=["K", "M"]),
            gxe.ExpectColumnValuesToMatchRegex(column="diag", regex=r"^[A-Z][0-9]{2}(\.?[0-9A-Z]{1,4})?$"),
            gxe.ExpectColumnValuesToBeUnique(column="id"),
            gxe.ExpectColumnValuesToBeInTypeList(column="d", type_list=["DATE"]),
            gxe.UnexpectedRowsExpectation(unexpected_rows_query="SELECT _row FROM {batch} WHERE d > DATE '2020-10-01'"),
        ), "SUMMARY")
        by = {r.expectation_config.type: r for r in res.results}
        assert by["expect_column_values_to_be_in_set"].result["unexpected_count"] == 10
        assert by["expect_column_values_to_match_regex"].result["unexpected_count"] == 20
        assert by["expect_column_values_to_be_unique"].success is True
        assert by["expect_column_values_to_be_in_type_list"].success is True
        import datetime as dt
        late = sum(dt.date(2020, 1, 1) + dt.timedelta(days=i % 300) > dt.date(2020, 10, 1) for i in range(1000))
        assert by["unexpected_rows_expectation"].result["observed_value"] == late == 75
        assert statements, "GX's queries did not go through the run's connection"
        # the session is intact afterwards
        assert s.scalar(sa.text("SELECT count(*) FROM src_t_x")) == 1000


def test_without_the_adapter_gx_gets_no_metrics_from_duckdb(tmp_path):
    """Why the adapter exists: GX's own engine on a DuckDB database reads nothing. If this starts
    to pass, GX has fixed it (issues #10738, #11579) and gxengine.py may be simplified."""
    import great_expectations.expectations as gxe
    from great_expectations.core.batch import Batch, LegacyBatchDefinition
    from great_expectations.core.id_dict import IDDict
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine
    from great_expectations.execution_engine.sqlalchemy_batch_data import SqlAlchemyBatchData
    from great_expectations.validator.validator import Validator
    from indikatorer.quality import gxengine
    db = tmp_path / "x.duckdb"
    eng = sa.create_engine(f"duckdb:///{db}")
    with eng.begin() as c:
        c.exec_driver_sql("CREATE TABLE t AS SELECT i AS a FROM range(100) r(i)")
    eng.dispose()
    ee = SqlAlchemyExecutionEngine(connection_string=f"duckdb:///{db}")
    batch = Batch(data=SqlAlchemyBatchData(execution_engine=ee, table_name="t"),
                  batch_definition=LegacyBatchDefinition(datasource_name="d", data_connector_name="c",
                                                         data_asset_name="t", batch_identifiers=IDDict({})))
    v = Validator(execution_engine=ee, batches=[batch], data_context=gxengine.context())
    res = v.validate(expectation_suite=_suite(gxe.ExpectColumnValuesToNotBeNull(column="a")), catch_exceptions=True)
    assert res.results[0].success is False and res.results[0].result.get("element_count") is None


def test_gx_cannot_open_a_connection_of_its_own():
    from indikatorer.quality.gxengine import RunConnectionEngine, SecondConnectionError
    with open_session() as s:
        ee = RunConnectionEngine(s.conn)
        with pytest.raises(SecondConnectionError):
            ee.engine.connect()
        assert ee.engine.dialect is s.conn.dialect
        assert s.scalar(sa.text("SELECT 1")) == 1


def _failing_query_keeps_the_session(url=None):
    import great_expectations.expectations as gxe
    from indikatorer.quality import gxengine
    with open_session(url) as s:
        s.execute(sa.text("CREATE TEMPORARY TABLE src_t_y AS SELECT 1 AS a, 1 AS _row"))
        gxengine.checkpoint(s.conn)
        res = gxengine.run_suite(s.conn, "src_t_y", _suite(
            gxe.UnexpectedRowsExpectation(unexpected_rows_query="SELECT * FROM {batch} WHERE no_such_column = 1"),
            gxe.ExpectColumnValuesToNotBeNull(column="a"),
        ), "SUMMARY")
        by = {r.expectation_config.type: r for r in res.results}
        assert by["unexpected_rows_expectation"].success is False
        assert by["unexpected_rows_expectation"].exception_info
        assert by["expect_column_values_to_not_be_null"].success is True
        assert s.scalar(sa.text("SELECT count(*) FROM src_t_y")) == 1


def test_a_failing_check_query_does_not_lose_the_session_s_tables_duckdb():
    _failing_query_keeps_the_session()


@pytest.mark.postgres
def test_a_failing_check_query_does_not_lose_the_session_s_tables_postgres(pg_url):
    _failing_query_keeps_the_session(pg_url)


def test_progress_bars_are_silenced(capfd):
    import great_expectations.expectations as gxe
    from indikatorer.quality import gxengine
    with open_session() as s:
        _table(s, 100)
        gxengine.checkpoint(s.conn)
        gxengine.run_suite(s.conn, "src_t_x", _suite(gxe.ExpectColumnValuesToNotBeNull(column="id")), "SUMMARY")
    out, err = capfd.readouterr()
    assert "Calculating Metrics" not in out + err and "it/s" not in out + err


@pytest.mark.parametrize("code", [
    "import indikatorer.cli, indikatorer.engine.runner, indikatorer.engine.validate, indikatorer.quality",
    "from indikatorer.cli import app\napp(['measures'], standalone_mode=False)",
])
def test_commands_that_do_not_validate_do_not_import_great_expectations(code):
    probe = code + "\nimport sys\nprint('GX-LOADED' if 'great_expectations' in sys.modules else 'GX-ABSENT')"
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert re.search(r"GX-ABSENT", res.stdout), (res.stdout[-500:], res.stderr[-500:])
