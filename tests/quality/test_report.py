"""The report's rendering and the privacy filters of check results, as units."""
from __future__ import annotations

from indikatorer.quality.checks import _error_text, _Identifiers
from indikatorer.quality.report import render_html


def _summary(**check):
    c = {"id": "s.t/c", "target": "s.t", "check": "c", "expectation": "expect_x", "severity": "warning",
         "status": "failed", "description": "d", "element_count": 10, "unexpected_count": 1,
         "unexpected_percent": 10.0, "allowed_percent": None, "examples": None, "examples_withheld": False,
         "error": None, "excluded_rows": 0, "regions": [], "observed": None}
    c.update(check)
    return {"run_id": "r", "job": "j", "status": "warnings", "overview": {"checks": 1, "passed": 0, "failed": 1},
            "suites": [], "checks": [c], "parameters": {"data_as_of": "2021-06-30"}}


def test_error_texts_lose_quoted_values_but_keep_identifiers():
    info = {"metric": {"raised_exception": True, "exception_message":
                       "Conversion Error: Could not convert string 'P123-SECRET' to INT32 in column \"alder\"\nLINE 1"}}
    text = _error_text(info)
    assert "P123-SECRET" not in text and '"alder"' in text and "\n" not in text
    assert _error_text({"raised_exception": False, "exception_message": None}) is None


def test_identifier_columns_are_layout_identifiers_and_ids():
    ids = _Identifiers({"respondent_id", "person_id"}, id_suffix=True)
    assert "person_id" in ids and "intyg_id" in ids and "kon" not in ids
    assert "measure_id" not in _Identifiers(set(), id_suffix=False)


def test_html_escapes_values_and_has_nothing_to_fetch():
    page = render_html(_summary(examples=[{"value": "<script>alert(1)</script>", "count": 1}]))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http" not in page and "<link" not in page


def test_withheld_examples_are_said_so():
    page = render_html(_summary(examples_withheld=True))
    assert "identifier columns are not shown" in page
