"""Shared fixtures of the data-quality tests: one embedded DuckDB session per module and a
helper that runs one check of a suite on fixture rows."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))      # tests/quality/quality_fixtures.py

from indikatorer.engine.session import open_session  # noqa: E402


@pytest.fixture(scope="module")
def session():
    with open_session() as s:
        yield s


