"""Suite-wide settings."""
from __future__ import annotations

import os
import sys

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
