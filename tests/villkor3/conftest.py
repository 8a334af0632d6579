"""Villkor 3 tests check the indicator table, not the HTML report: skip rendering it (its
charts take most of a run's time with V3.1's many variants)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _no_html_report():
    import indikatorer.engine.runner as runner
    mp = pytest.MonkeyPatch()
    mp.setattr(runner, "write_report_logged", lambda out: None, raising=False)
    yield
    mp.undo()
