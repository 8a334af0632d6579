"""DuckDB settings of a run's session: the memory limit (INDIKATORER_MEMORY)."""
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
