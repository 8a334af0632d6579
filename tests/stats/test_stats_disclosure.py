"""Primary and complementary suppression on hand-worked cubes."""
import itertools
import time

import numpy as np
import pandas as pd
import pytest

from indikatorer.stats import Dimension, suppress_cells

SEX = Dimension(total="T", partition=frozenset({"K", "M"}))
AGE = Dimension(total="T", partition=frozenset({"16-29", "30-39", "40-49"}))
REGIONS = ["01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18",
           "19", "20", "21", "22", "23", "24", "25"]
REGION = Dimension(total="00", partition=frozenset(REGIONS))
DIAGNOSIS = Dimension(total="T", partition=frozenset({"F", "M", "OVR"}))
PRIMARY5 = "primary: count < 5"


def run(rows, columns, dims, *, count_cols=("numerator",), min_count=5, group_cols=("measure_id",)):
    frame = pd.DataFrame(rows, columns=columns)
    if "measure_id" not in frame:
        frame.insert(0, "measure_id", "7.2b")
    return suppress_cells(frame, dims=dims, group_cols=list(group_cols), count_cols=list(count_cols),
                          min_count=min_count)


def status(out, *keys):
    """{key tuple: (suppressed, reason)} for quick comparison."""
    idx = out.set_index(list(keys))
    return {k: (bool(s), r) for k, s, r in zip(idx.index, idx["suppressed"], idx["suppression_reason"])}


def test_a_sex_primary_and_complement():
    out = run([("K", 3), ("M", 40), ("T", 43)], ["sex", "numerator"], {"sex": SEX})
    assert status(out, "sex") == {
        "K": (True, PRIMARY5),
        "M": (True, "complementary"),
        "T": (False, None),
    }


def test_a_suppressed_total_needs_no_complement():
    # a non-additive total (e.g. distinct persons) below the threshold is itself hidden,
    # so K cannot be recovered from it and M stays published
    out = run([("K", 3), ("M", 40), ("T", 4)], ["sex", "numerator"], {"sex": SEX})
    assert status(out, "sex") == {"K": (True, PRIMARY5), "M": (False, None), "T": (True, PRIMARY5)}


def test_a_without_total_row_nothing_complementary():
    out = run([("K", 3), ("M", 40)], ["sex", "numerator"], {"sex": SEX})
    assert status(out, "sex") == {"K": (True, PRIMARY5), "M": (False, None)}


def test_b_smallest_other_region_is_suppressed():
    counts = {code: 100 + 10 * i for i, code in enumerate(REGIONS)}
    counts["07"] = 3       # primary
    counts["10"] = 9       # smallest other region
    rows = [(code, c) for code, c in counts.items()]
    rows += [("99", 6)]    # unknown region: outside the partition, never a complement
    rows += [("00", sum(counts.values()) + 6)]
    out = run(rows, ["region_code", "numerator"], {"region_code": REGION})
    st = status(out, "region_code")
    assert st["07"] == (True, PRIMARY5)
    assert st["10"] == (True, "complementary")
    assert st["00"] == (False, None) and st["99"] == (False, None)
    assert int(out["suppressed"].sum()) == 2


def test_b_tie_goes_to_smallest_value_in_sort_order():
    counts = {code: 50 for code in REGIONS}
    counts["12"] = 2
    counts["25"] = 8
    counts["09"] = 8
    rows = list(counts.items()) + [("00", sum(counts.values()))]
    out = run(rows, ["region_code", "numerator"], {"region_code": REGION})
    st = status(out, "region_code")
    assert st["09"] == (True, "complementary")
    assert st["25"] == (False, None)


def test_c_only_other_category_zero_total_suppressed():
    # T includes persons of unknown sex, so T = 9 is published (>= 5) while K = 3, M = 0:
    # T - M would reveal K, and M = 0 cannot hide anything -> T is suppressed.
    out = run([("K", 3), ("M", 0), ("T", 9)], ["sex", "numerator"], {"sex": SEX})
    assert status(out, "sex") == {
        "K": (True, PRIMARY5),
        "M": (False, None),
        "T": (True, "complementary"),
    }


@pytest.mark.parametrize("order", ["sex-first", "age-first"])
def test_d_chained_sex_then_age(order):
    rows = [
        ("K", "16-29", 3), ("K", "30-39", 50), ("K", "T", 53),
        ("M", "16-29", 20), ("M", "30-39", 60), ("M", "T", 80),
        ("T", "16-29", 23), ("T", "30-39", 110), ("T", "T", 133),
    ]
    dims = {"sex": SEX, "age_group": AGE}
    if order == "age-first":
        dims = {"age_group": AGE, "sex": SEX}
    out = run(rows, ["sex", "age_group", "numerator"], dims)
    st = status(out, "sex", "age_group")
    assert st[("K", "16-29")] == (True, PRIMARY5)
    # sex within 16-29: M hidden with K; then age within M: 30-39 hidden with 16-29
    assert st[("M", "16-29")] == (True, "complementary")
    assert st[("M", "30-39")] == (True, "complementary")
    assert st[("K", "30-39")] == (True, "complementary")
    published = {k for k, (s, _) in st.items() if not s}
    assert published == {("K", "T"), ("M", "T"), ("T", "16-29"), ("T", "30-39"), ("T", "T")}


def test_d_cascade_through_zero_cells_and_totals():
    # Worked by hand (region x sex): see the module docstring of suppress_cells for the rule.
    two_regions = Dimension(total="00", partition=frozenset({"01", "02"}))
    rows = [
        ("01", "K", 3), ("02", "K", 12), ("00", "K", 15),
        ("01", "M", 20), ("02", "M", 0), ("00", "M", 20),
        ("01", "T", 23), ("02", "T", 12), ("00", "T", 35),
    ]
    out = run(rows, ["region_code", "sex", "numerator"], {"region_code": two_regions, "sex": SEX})
    st = status(out, "region_code", "sex")
    assert st[("01", "K")] == (True, PRIMARY5)
    published = {k for k, (s, _) in st.items() if not s}
    assert published == {("02", "M"), ("00", "T")}
    assert {r for k, (s, r) in st.items() if s and k != ("01", "K")} == {"complementary"}


def test_e_min_count_zero_suppresses_nothing():
    out = run([("K", 3), ("M", 40), ("T", 43)], ["sex", "numerator"], {"sex": SEX}, min_count=0)
    assert not out["suppressed"].any()
    assert out["suppression_reason"].isna().all()
    assert out["suppressed"].dtype == bool


def test_f_threshold_boundaries():
    rows = [("a", 5), ("b", 4), ("c", 0), ("d", 1), ("e", np.nan)]
    frame = pd.DataFrame(rows, columns=["measure_id", "numerator"])
    out = suppress_cells(frame, dims={}, group_cols=["measure_id"], count_cols=["numerator"], min_count=5)
    assert status(out, "measure_id") == {
        "a": (False, None), "b": (True, PRIMARY5), "c": (False, None),
        "d": (True, PRIMARY5), "e": (False, None),
    }


def test_any_count_column_triggers_primary_and_first_column_orders_candidates():
    rows = [
        ("16-29", 2, 40),    # primary via numerator
        ("30-39", 8, 100),   # smallest numerator among the rest -> complement
        ("40-49", 20, 50),   # smaller denominator, larger numerator: not chosen
        ("T", 30, 190),
    ]
    out = run(rows, ["age_group", "numerator", "denominator"], {"age_group": AGE},
              count_cols=["numerator", "denominator"])
    st = status(out, "age_group")
    assert st["16-29"] == (True, PRIMARY5)
    assert st["30-39"] == (True, "complementary")
    assert st["40-49"] == (False, None) and st["T"] == (False, None)

    # denominator alone below the threshold is primary too
    out = run([("K", 0, 3), ("M", 6, 30), ("T", 6, 33)], ["sex", "numerator", "denominator"],
              {"sex": SEX}, count_cols=["numerator", "denominator"])
    st = status(out, "sex")
    assert st["K"] == (True, PRIMARY5)
    assert st["M"] == (True, "complementary")


def test_g_subgroups_never_chosen_as_complements():
    rows = [("F", 60), ("F43", 6), ("F32-F33", 9), ("M", 50), ("M54", 7), ("OVR", 3), ("T", 113)]
    out = run(rows, ["diagnosis_group", "numerator"], {"diagnosis_group": DIAGNOSIS})
    st = status(out, "diagnosis_group")
    assert st["OVR"] == (True, PRIMARY5)
    assert st["M"] == (True, "complementary")
    assert not any(st[s][0] for s in ("F43", "F32-F33", "M54", "F", "T"))


def test_g_subgroup_not_used_even_when_it_is_the_only_positive_cell():
    rows = [("F", 0), ("F43", 7), ("M", 0), ("OVR", 3), ("T", 12)]
    out = run(rows, ["diagnosis_group", "numerator"], {"diagnosis_group": DIAGNOSIS})
    st = status(out, "diagnosis_group")
    assert st["F43"] == (False, None)
    assert st["T"] == (True, "complementary")


def test_two_hidden_categories_need_nothing_more_and_groups_do_not_interact():
    rows = [
        ("7.2b", "K", 3), ("7.2b", "M", 4), ("7.2b", "T", 7),
        ("7.3", "K", 30), ("7.3", "M", 2), ("7.3", "T", 32),
        ("7.4", "K", 30), ("7.4", "M", 20), ("7.4", "T", 50),
    ]
    out = run(rows, ["measure_id", "sex", "numerator"], {"sex": SEX})
    st = status(out, "measure_id", "sex")
    assert st[("7.2b", "K")] == (True, PRIMARY5) and st[("7.2b", "M")] == (True, PRIMARY5)
    assert st[("7.2b", "T")] == (False, None)
    assert st[("7.3", "K")] == (True, "complementary")
    assert not any(st[("7.4", s)][0] for s in "KMT")


def test_output_keeps_values_index_and_input_untouched():
    frame = pd.DataFrame({"measure_id": "7.2b", "sex": ["K", "M", "T"], "numerator": [3.0, 40.0, 43.0],
                          "value": [0.1, 0.2, 0.3]}, index=[10, 20, 30])
    before = frame.copy()
    out = suppress_cells(frame, dims={"sex": SEX}, group_cols=["measure_id"], count_cols=["numerator"],
                         min_count=5)
    pd.testing.assert_frame_equal(frame, before)
    assert list(out.index) == [10, 20, 30]
    assert out["numerator"].tolist() == pytest.approx([3.0, 40.0, 43.0])
    assert out["value"].tolist() == pytest.approx([0.1, 0.2, 0.3])
    assert out["suppressed"].tolist() == [True, True, False]


def test_nullable_dtypes_and_missing_dimension_values():
    frame = pd.DataFrame({
        "measure_id": pd.array(["7.2b"] * 4, dtype="string"),
        "sex": pd.array(["K", "M", "T", None], dtype="string"),
        "numerator": pd.array([3, 40, 43, pd.NA], dtype="Int64"),
    })
    out = suppress_cells(frame, dims={"sex": SEX}, group_cols=["measure_id"], count_cols=["numerator"],
                         min_count=5)
    assert out["suppressed"].tolist() == [True, True, False, False]
    assert out["suppression_reason"].tolist() == [PRIMARY5, "complementary", None, None]


def test_dimension_total_cannot_be_a_partition_category():
    with pytest.raises(ValueError, match="total must not be one of its partition categories"):
        Dimension(total="T", partition=frozenset({"K", "M", "T"}))
    assert Dimension(total="T", partition={"K", "M"}).partition == frozenset({"K", "M"})


@pytest.mark.parametrize("kwargs, message", [
    (dict(min_count=-1), "min_count must be >= 0"),
    (dict(min_count=2.5), "min_count must be a whole number"),
    (dict(count_cols=["nope"]), "missing column: nope"),
    (dict(count_cols=["sex"]), "column sex must be numeric"),
    (dict(count_cols=[]), "count_cols must name at least one column"),
    (dict(group_cols=["sex"]), "both group and dimension"),
])
def test_invalid_arguments(kwargs, message):
    frame = pd.DataFrame({"measure_id": "x", "sex": ["K", "M", "T"], "numerator": [3, 40, 43]})
    args = dict(dims={"sex": SEX}, group_cols=["measure_id"], count_cols=["numerator"], min_count=5)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        suppress_cells(frame, **args)


def test_negative_counts_rejected():
    frame = pd.DataFrame({"measure_id": "x", "sex": ["K", "M", "T"], "numerator": [-3, 40, 37]})
    with pytest.raises(ValueError, match="counts must be >= 0"):
        suppress_cells(frame, dims={"sex": SEX}, group_cols=["measure_id"], count_cols=["numerator"],
                       min_count=5)


def random_cube(n_periods, seed):
    """Additive cube: region x sex x age x diagnosis (with subgroups), all totals."""
    rng = np.random.default_rng(seed)
    ages = ["16-29", "30-39", "40-49"]
    diag = ["F", "M", "OVR"]
    base = []
    for period in range(n_periods):
        for r, s, a, d in itertools.product(REGIONS, ["K", "M"], ages, diag):
            base.append((f"P{period}", r, s, a, d, int(rng.poisson(rng.choice([1.5, 6, 40])))))
    base = pd.DataFrame(base, columns=["period", "region_code", "sex", "age_group", "diagnosis_group",
                                       "numerator"])
    frames = [base]
    for dims in itertools.chain.from_iterable(
            itertools.combinations(["region_code", "sex", "age_group", "diagnosis_group"], k)
            for k in range(1, 5)):
        keep = [c for c in ["period", "region_code", "sex", "age_group", "diagnosis_group"] if c not in dims]
        agg = base.groupby(keep, as_index=False)["numerator"].sum()
        for d in dims:
            agg[d] = "00" if d == "region_code" else "T"
        frames.append(agg)
    cube = pd.concat(frames, ignore_index=True)
    # a subgroup outside the partition, small and positive
    sub = cube[cube["diagnosis_group"] == "F"].copy()
    sub["diagnosis_group"] = "F43"
    sub["numerator"] = (sub["numerator"] // 3)
    return pd.concat([cube, sub], ignore_index=True)


DIMS4 = {"region_code": REGION, "sex": SEX, "age_group": AGE, "diagnosis_group": DIAGNOSIS}


def assert_no_single_hidden_category(out):
    for name, dim in DIMS4.items():
        others = ["period"] + [d for d in DIMS4 if d != name]
        in_part = out[name].isin(dim.partition)
        hidden = (out["suppressed"] & in_part).groupby([out[c] for c in others]).sum()
        total_open = ((out[name] == dim.total) & ~out["suppressed"]).groupby([out[c] for c in others]).any()
        joined = pd.concat([hidden.rename("hidden"), total_open.rename("open")], axis=1).fillna(0)
        assert not ((joined["hidden"] == 1) & joined["open"].astype(bool)).any(), name


def test_invariant_on_random_cube():
    cube = random_cube(2, seed=11)
    out = suppress_cells(cube, dims=DIMS4, group_cols=["period"], count_cols=["numerator"], min_count=5)
    primary = (cube["numerator"] > 0) & (cube["numerator"] < 5)
    assert (out["suppressed"] == (primary | (out["suppression_reason"] == "complementary"))).all()
    assert (out.loc[primary, "suppression_reason"] == PRIMARY5).all()
    assert (out["suppression_reason"] == "complementary").sum() > 0
    assert_no_single_hidden_category(out)
    # running again on the result changes nothing
    again = suppress_cells(out.drop(columns=["suppressed", "suppression_reason"]), dims=DIMS4,
                           group_cols=["period"], count_cols=["numerator"], min_count=5)
    assert (again["suppressed"] == out["suppressed"]).all()


def test_fast_enough_for_100k_cells():
    cube = random_cube(80, seed=5)
    assert len(cube) > 100_000
    start = time.perf_counter()
    out = suppress_cells(cube, dims=DIMS4, group_cols=["period"], count_cols=["numerator"], min_count=5)
    elapsed = time.perf_counter() - start
    assert out["suppressed"].any()
    assert elapsed < 15, f"took {elapsed:.1f} s"
