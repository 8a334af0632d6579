"""DuckDB settings of a run's session: the memory limit (INDIKATORER_MEMORY), the external file
cache, and insertion order kept while the sources are read and checked (``Session.unordered``)."""
from __future__ import annotations

import pytest

from indikatorer.engine import session as sess
from indikatorer.errors import JobError


def _mib(setting: str) -> float:
    number, unit = setting.split()
    return float(number) * {"MiB": 1, "GiB": 1024, "TiB": 1024 ** 2}[unit]


def test_memory_limit_values(monkeypatch):
    monkeypatch.setattr(sess, "_ram_bytes", lambda: 16 * 2 ** 30)
    monkeypatch.delenv("INDIKATORER_MEMORY", raising=False)
    assert sess.memory_limit() == "3814MiB"                  # the default, 4 GB
    assert sess.memory_limit("2GB") == "1907MiB"
    assert sess.memory_limit("3 GiB") == "3072MiB"
    assert sess.memory_limit("25%") == "4096MiB"
    assert sess.memory_limit("100GB") == f"{int(16 * 1024 * 0.8)}MiB"     # never above 80 % of the RAM
    assert sess.memory_limit("95%") == f"{int(16 * 1024 * 0.8)}MiB"
    monkeypatch.setenv("INDIKATORER_MEMORY", "1GiB")
    assert sess.memory_limit() == "1024MiB"
    assert sess.memory_limit("2GiB") == "2048MiB"             # an explicit value wins over the environment


@pytest.mark.parametrize("bad", ["x", "4", "-1GB", "0GB", "1GB'; SELECT 1", "4 PB"])
def test_memory_limit_refuses_bad_values(bad):
    with pytest.raises(JobError, match="memory limit"):
        sess.memory_limit(bad)


def test_open_session_sets_memory_limit(monkeypatch):
    monkeypatch.setenv("INDIKATORER_MEMORY", "1GiB")
    with sess.open_session() as s:
        value, keep_order = s.conn.exec_driver_sql(
            "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')").fetchone()
    assert abs(_mib(value) - 1024) < 1 and keep_order is True
    with sess.open_session(memory="512MiB") as s:
        value = s.conn.exec_driver_sql("SELECT current_setting('memory_limit')").scalar()
    assert abs(_mib(value) - 512) < 1


def test_external_file_cache_off_and_order_kept_until_unordered():
    with sess.open_session() as s:
        def setting(name):
            return s.conn.exec_driver_sql(f"SELECT current_setting('{name}')").scalar()
        assert setting("enable_external_file_cache") is False
        assert setting("preserve_insertion_order") is True
        s.unordered()
        assert setting("preserve_insertion_order") is False


def test_a_run_reads_and_checks_its_sources_in_order_and_computes_unordered(tmp_path, monkeypatch):
    """The sources are numbered and checked (example rows) with insertion order kept; the
    measures run without it (``runner.run_job`` calls ``Session.unordered`` in between)."""
    from helpers import midas_row, run, write_job, write_midas
    from indikatorer.engine import runner
    from indikatorer.quality import QualityGate
    seen = {}

    def keep_order(session):
        return session.conn.exec_driver_sql("SELECT current_setting('preserve_insertion_order')").scalar()

    check, compute = QualityGate.check_sources, runner.compute

    def checking(self, session, *a, **k):
        seen["checks"] = keep_order(session)
        return check(self, session, *a, **k)

    def computing(ctx, *a, **k):
        seen["measures"] = keep_order(ctx.session)
        return compute(ctx, *a, **k)
    monkeypatch.setattr(QualityGate, "check_sources", checking)
    monkeypatch.setattr(runner, "compute", computing)
    write_midas(tmp_path, [midas_row("P1", "2020-01-01", "2020-03-31")])
    run(write_job(tmp_path, {"midas": {"kind": "midas", "path": "midas/"}}, measures=["7.1"]))
    assert seen == {"checks": True, "measures": False}
