"""Proportion funnel limits against PHEindicatormethods' published test outputs."""
import numpy as np
import pandas as pd
import pytest

from indikatorer.stats import proportion_funnel_limits, wilson_interval

# PHEindicatormethods tests/testthat/testdata_funnel_prop_outputs.csv (phe_funnels output,
# percent): Population, Lower2s0025limit, Upper2s0025limit, Lower3s0001limit,
# Upper3s0001limit; baseline 80.642448 %.
BASELINE = 0.80642448
PHE_ROWS = [
    (1, 3.204264, 100, 0, 100),
    (3, 35.933491, 100, 10.150815, 100),
    (18, 62.390093, 98.894803, 51.864359, 100),
    (41, 68.548635, 92.73626, 61.574398, 99.710497),
    (1008, 78.203374, 83.081521, 76.796814, 84.488082),
    (20742, 80.10476, 81.180135, 79.794688, 81.490208),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]


@pytest.mark.parametrize("n, lo95, hi95, lo998, hi998", PHE_ROWS)
def test_matches_phe_funnels_outputs(n, lo95, hi95, lo998, hi998):
    row = proportion_funnel_limits([n], BASELINE).iloc[0]
    # the table has 6 decimals in percent; the baseline is rounded too
    tol = 3e-8
    assert row["lower_95"] == pytest.approx(lo95 / 100, abs=tol)
    assert row["upper_95"] == pytest.approx(hi95 / 100, abs=tol)
    assert row["lower_998"] == pytest.approx(lo998 / 100, abs=tol)
    assert row["upper_998"] == pytest.approx(hi998 / 100, abs=tol)
    assert row["target"] == pytest.approx(BASELINE)


@pytest.mark.parametrize("n", [60, 137, 5000])
@pytest.mark.parametrize("suffix, confidence", [("95", 0.95), ("998", 0.998)])
def test_limits_are_proportions_whose_wilson_interval_touches_the_target(n, suffix, confidence):
    target = 0.3
    row = proportion_funnel_limits([n], target).iloc[0]
    upper_limit_wilson_lower, _ = wilson_interval(row[f"upper_{suffix}"] * n, n, confidence)
    _, lower_limit_wilson_upper = wilson_interval(row[f"lower_{suffix}"] * n, n, confidence)
    assert float(upper_limit_wilson_lower) == pytest.approx(target, abs=1e-10)
    assert float(lower_limit_wilson_upper) == pytest.approx(target, abs=1e-10)


def test_limits_are_clipped_to_the_unit_interval():
    # 0.3 - 3.090232 · sqrt(0.21/20) < 0 and 0.9 + 1.959964 · sqrt(0.09/10) > 1
    assert proportion_funnel_limits([20], 0.3).loc[0, "lower_998"] == 0.0
    assert proportion_funnel_limits([10], 0.9).loc[0, "upper_95"] == 1.0


def test_shape_order_and_missing_denominators():
    out = proportion_funnel_limits(pd.Series([400, 0, np.nan, 25]), 0.5)
    assert list(out.columns) == ["denominator", "target", "lower_95", "upper_95", "lower_998", "upper_998"]
    assert list(out["denominator"].iloc[[0, 3]]) == [400, 25]
    assert out.loc[[1, 2], ["lower_95", "upper_95", "lower_998", "upper_998"]].isna().all().all()
    # 0.5 ± 1.959964 · sqrt(0.25/400)
    assert out.loc[0, "lower_95"] == pytest.approx(0.5 - 1.959963985 * 0.025, abs=1e-9)
    # wider at smaller n, and 99.8 % wider than 95 %
    assert out.loc[3, "upper_95"] > out.loc[0, "upper_95"]
    assert out.loc[0, "lower_998"] < out.loc[0, "lower_95"] < 0.5 < out.loc[0, "upper_95"] < out.loc[0, "upper_998"]


@pytest.mark.parametrize("denominators, target, message", [
    ([10, -1], 0.5, "denominator must be >= 0"),
    ([10], 1.5, "target_proportion must be between 0 and 1"),
])
def test_invalid_arguments(denominators, target, message):
    with pytest.raises(ValueError, match=message):
        proportion_funnel_limits(denominators, target)
