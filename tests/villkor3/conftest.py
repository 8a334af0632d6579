"""Villkor 3 tests check the indicator table, not the HTML report: skip rendering it (its
charts take most of a run's time with V3.1's many variants). Function-scoped, so that it
applies to these tests only (a session-wide patch leaked into the report tests when both ran
in one xdist worker)."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_html_report(monkeypatch):
    monkeypatch.setenv("INDIKATORER_REPORT", "0")
