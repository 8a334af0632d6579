"""The fast paths of the finishing (engine/finish.py, stats/disclosure.py) against their general
paths on random cubes: the complete cube by position vs the cross product and left merge, the
period and region maps vs ``Series.map``, the group numbers of the suppression vs
``groupby(...).ngroup()``."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indikatorer.compile.cube import STRATA_COLUMNS, unit_total
from indikatorer.engine.finish import _complete_by_merge, _complete_by_position, _map_values, categories
from indikatorer.stats.disclosure import _column_codes, group_ids

STRATA = ["region", "sex", "age_group", "diagnosis_group", "care_level", "unit"]
PERIODS = ["2024", "2024Q1", "2024Q2"]


def _random_frame(rng, strata, n, extra_values=True, float_counts=True, with_squares=False):
    cols = {"period": rng.choice(PERIODS + (["1999"] if extra_values else []), n)}
    for s in strata:
        col = STRATA_COLUMNS[s][0]
        if s == "unit":
            values = ["u1", "u2", "u3", unit_total()]
        else:
            values = list(categories(s)[0]) + (["??"] if extra_values else [])
        cols[col] = rng.choice(values, n)
    frame = pd.DataFrame(cols)
    frame = frame.drop_duplicates(subset=list(frame.columns)).reset_index(drop=True)
    num = rng.poisson(3, len(frame)).astype(float)
    num[rng.random(len(frame)) < 0.1] = np.nan
    frame["numerator"] = num if float_counts else rng.poisson(3, len(frame))
    frame["denominator"] = num + rng.poisson(5, len(frame))
    if with_squares:
        frame["sum_squares"] = rng.random(len(frame))
    return frame


@pytest.mark.parametrize("seed", range(12))
def test_complete_cube_by_position_equals_the_merge(seed):
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 5)
    strata = [s for s in STRATA if s in set(rng.choice(STRATA, k, replace=False))]
    frame = _random_frame(rng, strata, int(rng.integers(0, 400)), extra_values=bool(seed % 2),
                          with_squares=bool(seed % 3 == 0))
    fast = _complete_by_position(frame, strata, PERIODS, "default")
    assert fast is not None
    pd.testing.assert_frame_equal(fast, _complete_by_merge(frame, strata, PERIODS, "default"))


def test_complete_cube_by_position_declines_what_it_cannot_do():
    rng = np.random.default_rng(3)
    frame = _random_frame(rng, ["sex"], 30, float_counts=False)
    assert _complete_by_position(frame, ["sex"], PERIODS, "default") is None      # integer counts
    frame = _random_frame(rng, ["sex"], 30, extra_values=False)
    twice = pd.concat([frame, frame.iloc[:1]], ignore_index=True)
    assert _complete_by_position(twice, ["sex"], PERIODS, "default") is None      # a cell twice


@pytest.mark.parametrize("seed", range(6))
def test_map_values_equals_series_map(seed):
    rng = np.random.default_rng(seed)
    values = pd.Series(rng.choice(["a", "b", "c", None], 200), dtype="str" if seed % 2 else object)
    for mapping in ({"a": 1.5, "b": 2.0}, {"a": "x", "c": "y"}, {"a": pd.Timestamp("2024-01-01").date()}):
        pd.testing.assert_series_equal(_map_values(values, mapping), values.map(mapping))


@pytest.mark.parametrize("seed", range(6))
def test_group_ids_give_the_groups_of_groupby(seed):
    rng = np.random.default_rng(seed)
    n = 500
    frame = pd.DataFrame({
        "a": rng.choice(["x", "y", None], n),
        "b": rng.choice([1.0, 2.0, np.nan], n),
        "c": pd.Series(rng.choice(["p", "q", "r"], n), dtype="str"),
    })
    keys = list(frame.columns)[: 1 + seed % 3]
    ours = group_ids([_column_codes(frame[c]) for c in keys], n)
    theirs = frame.groupby(keys, dropna=False, sort=False, observed=True).ngroup().to_numpy()
    # the same partition of the rows: a one-to-one map between the numbers
    pairs = set(zip(ours.tolist(), theirs.tolist()))
    assert len(pairs) == len(set(ours.tolist())) == len(set(theirs.tolist()))
    assert group_ids([], 3).tolist() == [0, 0, 0]
