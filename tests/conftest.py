"""Suite-wide settings."""
from __future__ import annotations

import os
import sys

import pytest

from pgserver import pg_bin, postgres_server

_status = {"code": 0}


def pytest_sessionfinish(session, exitstatus):
    _status["code"] = int(exitstatus)


def pytest_unconfigure(config):
    # duckdb 2.0's nanobind bindings print "leaked instance" warnings at interpreter shutdown
    # (after pytest's summary line, where CI reads it); skip that teardown.
    if hasattr(config, "workerinput"):      # an xdist worker: let xdist end it normally
        return
    if "duckdb" in sys.modules and not os.environ.get("INDIKATORER_KEEP_TEARDOWN"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_status["code"])


@pytest.fixture(scope="session")
def pg_url():
    """A throw-away PostgreSQL server (initdb + pg_ctl, unix socket), one per test session
    (per xdist worker); each test module loads its own schemas."""
    if not pg_bin("initdb"):
        pytest.fail("PostgreSQL is not installed (make test installs it)")
    with postgres_server() as url:
        yield url
