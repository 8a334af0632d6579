"""Row-level warnings on the indicator table flag exactly the rows their query found."""
from types import SimpleNamespace

import numpy as np
import pandas as pd

from indikatorer.quality.checks import CheckResult, SuiteRun
from indikatorer.quality.gate import _ROW_KEYS, QualityGate
from indikatorer.quality.suites import INDICATORS


def _gate(keys: pd.DataFrame | None, check="value_in_range", measures=()):
    gate = QualityGate.__new__(QualityGate)
    gate.flagged = {}
    r = CheckResult(suite="indicators", target="indicators", check=check, expectation="x", severity="warning",
                    description="d", status="failed", kind=INDICATORS, measures=list(measures))
    gate.suites = [SuiteRun.__new__(SuiteRun)]
    gate.suites[0].results = [r]
    gate._row_keys = {} if keys is None else {check: keys}
    return gate


def _table(n=40):
    rng = np.random.default_rng(3)
    return pd.DataFrame({
        "measure_id": rng.choice(["7.1", "7.3"], n), "variant": "midas", "period": rng.choice(["2020", "2020Q1"], n),
        "region_code": [f"{i:02d}" for i in range(n)], "sex": "T", "age_group": "T", "diagnosis_group": "T",
        "care_level": "T", "unit_id": [None if i % 3 else f"u{i}" for i in range(n)],
        "quality_flags": [None if i % 2 else "preliminary" for i in range(n)],
    })


def test_only_the_rows_found_are_flagged_including_missing_unit_ids():
    table = _table()
    hit = [1, 3, 6, 7]                        # some with unit_id None, some with a unit id
    keys = pd.DataFrame([tuple(table.loc[i, _ROW_KEYS]) for i in hit], columns=_ROW_KEYS)
    out = _gate(keys).flag(table)
    flagged = out["quality_flags"].fillna("").str.contains("dq:indicators.value_in_range")
    assert sorted(np.flatnonzero(flagged)) == hit
    assert out.loc[6, "quality_flags"] == "dq:indicators.value_in_range;preliminary"
    assert out.loc[1, "quality_flags"] == "dq:indicators.value_in_range"
    assert out.loc[0, "quality_flags"] == "preliminary" and pd.isna(out.loc[5, "quality_flags"])


def test_a_key_differing_in_one_column_flags_nothing():
    table = _table()
    keys = pd.DataFrame([tuple(table.loc[2, _ROW_KEYS])], columns=_ROW_KEYS)
    keys["sex"] = "K"
    out = _gate(keys).flag(table)
    assert not out["quality_flags"].fillna("").str.contains("dq:").any()


def test_a_table_level_warning_flags_its_measures():
    table = _table()
    out = _gate(None, measures=["7.3"]).flag(table)
    flagged = out["quality_flags"].fillna("").str.contains("dq:indicators.value_in_range")
    assert (flagged == (table["measure_id"] == "7.3")).all()
