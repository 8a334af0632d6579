"""The suites of ``expectations/`` agree with the layouts, the code lists and the indicator
table, are valid GX 1.x suites, and carry a severity; the loader rejects malformed suites."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from indikatorer.codes import REGIONS
from indikatorer.errors import SpecError
from indikatorer.output.table import COLUMNS
from indikatorer.paths import data_dir
from indikatorer.quality.suites import (DEFAULT_PARAMETERS, SEVERITIES, bind_expectation, load_suites, parameters,
                                        referenced_tables, suite_issues)
from indikatorer.spec.layouts import load_layout

SUITES = load_suites()
KINDS = sorted(p.stem for p in data_dir("sources").glob("*.yaml") if not p.stem.startswith("_"))
TYPE_NAMES = {"string": {"VARCHAR", "TEXT"}, "int": {"BIGINT", "INTEGER"}, "date": {"DATE"},
              "float": {"DOUBLE_PRECISION", "REAL", "FLOAT"}, "bool": {"BOOLEAN"}}


def _exps(kind, table):
    return SUITES[(kind, table)].data["expectations"]


def _by_check(kind, table):
    return {e["meta"]["check"]: e for e in _exps(kind, table)}


def test_one_suite_per_layout_table_and_one_for_the_indicator_table():
    wanted = {(k, t) for k in KINDS for t in load_layout(k).tables} | {("indicators", "indicators")}
    assert set(SUITES) == wanted


@pytest.mark.parametrize("kind,table", sorted(SUITES))
def test_every_expectation_has_a_severity_check_and_description(kind, table):
    assert suite_issues(SUITES[(kind, table)].data) == []
    for e in _exps(kind, table):
        assert e["meta"]["severity"] in SEVERITIES
        assert e.get("severity", e["meta"]["severity"]) == e["meta"]["severity"]


@pytest.mark.parametrize("kind,table", sorted(k for k in SUITES if k[0] != "indicators"))
def test_structure_checks_follow_the_layout(kind, table):
    spec = load_layout(kind).tables[table]
    checks = _by_check(kind, table)
    assert checks["columns"]["kwargs"]["column_set"] == [*spec.columns, "_row"]
    assert checks["columns"]["meta"]["severity"] == "critical"
    for col, cs in spec.columns.items():
        t = checks[f"type_{col}"]
        assert t["type"] == "expect_column_values_to_be_in_type_list" and t["kwargs"]["column"] == col
        assert set(t["kwargs"]["type_list"]) == TYPE_NAMES[cs.type]
        assert (f"not_null_{col}" in checks) == (not cs.nullable), col
    for e in _exps(kind, table):                 # every column named exists in the layout
        kw = e["kwargs"]
        for c in [kw.get("column"), kw.get("column_A"), kw.get("column_B"), *(kw.get("column_list") or [])]:
            assert c is None or c in spec.columns, (e["meta"]["check"], c)


@pytest.mark.parametrize("kind", KINDS)
def test_every_layout_key_is_checked_for_uniqueness(kind):
    for table, spec in load_layout(kind).tables.items():
        if not spec.key:
            continue
        exps = _exps(kind, table)
        if len(spec.key) == 1:           # one GROUP BY in SQL (GX's own unique check is too slow at this size)
            hit = [e for e in exps if e["type"] == "unexpected_rows_expectation" and e["meta"].get("key") == spec.key
                   and f"GROUP BY {spec.key[0]} HAVING COUNT(*) > 1" in e["kwargs"]["unexpected_rows_query"]]
        else:
            hit = [e for e in exps if e["type"] == "expect_compound_columns_to_be_unique"
                   and e["kwargs"]["column_list"] == spec.key]
        assert hit and all(e["meta"]["severity"] == "critical" for e in hit), (table, spec.key)


def test_the_brief_s_key_columns_are_unique_checks():
    for kind, table, col in (("intygsstatistik", "intyg", "intyg_id"), ("pas", "kontakter", "kontakt_id"),
                             ("intygsstatistik", "meddelanden", "meddelande_id")):
        assert _by_check(kind, table)[f"unique_{col}"]["meta"]["severity"] == "critical"


def test_region_code_sets_are_the_county_codes():
    regions = sorted(REGIONS)
    for (kind, table), s in SUITES.items():
        for e in s.data["expectations"]:
            if e["meta"]["check"].startswith("region_code") and kind != "indicators":
                vals = e["kwargs"]["value_set"]
                assert set(vals) - {"99", "00"} == set(regions), (kind, table, e["meta"]["check"])
    ind = _by_check("indicators", "indicators")["region_code"]["kwargs"]["value_set"]
    assert set(ind) == set(regions) | {"00", "99"}


def test_villkor3_forms_cover_the_engine_s_forms():
    from indikatorer.villkor3.forms import FORMS
    assert set(FORMS) <= set(_by_check("villkor3", "behandlingar")["treatment_form"]["kwargs"]["value_set"])


def test_grade_checks_use_the_four_grades():
    assert _by_check("midas", "perioder")["grade"]["kwargs"]["value_set"] == [25, 50, 75, 100]
    assert _by_check("intygsstatistik", "intyg_perioder")["grade"]["kwargs"]["value_set"] == [25, 50, 75, 100]


def test_indicator_suite_requires_exactly_the_published_columns():
    cols = _by_check("indicators", "indicators")["columns"]
    assert cols["kwargs"] == {"column_set": COLUMNS, "exact_match": True}
    assert cols["meta"]["severity"] == "critical"
    assert not any("person" in c or c in ("patient_id", "respondent_id") for c in COLUMNS)


@pytest.mark.parametrize("kind,table", sorted(SUITES))
def test_suites_load_as_great_expectations_suites(kind, table):
    import great_expectations as gx
    params = parameters(__import__("datetime").date(2021, 6, 30))
    tables = {t: f"src_x_{t}" for t in (load_layout(kind).tables if kind != "indicators" else [])}
    exps = [bind_expectation(e, params, tables) for e in _exps(kind, table)]
    suite = gx.ExpectationSuite(name=SUITES[(kind, table)].name, expectations=exps)
    assert len(suite.expectations) == len(exps)
    for got, e in zip(suite.expectations, exps):
        assert got.severity.value == e["meta"]["severity"]
        assert got.meta["check"] == e["meta"]["check"]
    for e in exps:
        assert "${" not in json.dumps(e)


def test_sql_checks_only_read_tables_of_their_own_source():
    for (kind, table), s in SUITES.items():
        tables = set(load_layout(kind).tables) if kind != "indicators" else set()
        for e in s.data["expectations"]:
            assert set(referenced_tables(e)) <= tables


def test_parameters_follow_data_as_of_and_job_options():
    import datetime as dt
    p = parameters(dt.date(2021, 6, 30), {"implausible_contact_share": 0.9, "unrelated": 1})
    assert p["data_as_of"] == "2021-06-30" and p["latest_period_date"] == "2022-06-30"
    assert p["implausible_contact_share"] == 0.9 and "unrelated" not in p
    assert parameters(dt.date(2021, 6, 30))["implausible_contact_share"] == DEFAULT_PARAMETERS["implausible_contact_share"]


def _bad_suites(tmp_path: Path, exp: dict) -> Path:
    suite = {"name": "x.y", "meta": {"applies_to": {"kind": "x", "table": "y"}}, "expectations": [exp]}
    (tmp_path / "x.y.json").write_text(json.dumps(suite))
    return tmp_path


@pytest.mark.parametrize("exp,msg", [
    ({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"},
      "meta": {"check": "c", "description": "d"}}, "meta.severity"),
    ({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"},
      "meta": {"severity": "critical", "check": "c", "description": "d"}, "severity": "warning"}, "differs"),
    ({"type": "expect_column_values_to_be_between", "kwargs": {"column": "a"},
      "meta": {"severity": "warning", "check": "c", "description": "d", "exclude": True}}, "exclude"),
    ({"type": "unexpected_rows_expectation", "kwargs": {"unexpected_rows_query": "SELECT 1"},
      "meta": {"severity": "warning", "check": "c", "description": "d"}}, "{batch}"),
])
def test_loader_rejects_malformed_suites(tmp_path, exp, msg):
    load_suites.cache_clear()
    try:
        with pytest.raises(SpecError, match=msg.replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")):
            load_suites(str(_bad_suites(tmp_path, exp)))
    finally:
        load_suites.cache_clear()


def test_loader_accepts_a_well_formed_suite(tmp_path):
    load_suites.cache_clear()
    try:
        exp = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"},
               "meta": {"severity": "warning", "check": "c", "description": "d"}}
        assert list(load_suites(str(_bad_suites(tmp_path, exp)))) == [("x", "y")]
    finally:
        load_suites.cache_clear()
