"""Byar's interval, crude rates and directly standardised rates (Dobson)."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, norm

from indikatorer.stats import byar_interval, crude_rate, dsr, exact_poisson_interval, rate_ci_method

Z95 = norm.ppf(0.975)


def byar_formula(o, z):
    """Breslow & Day (1987) Byar approximation, as PHEindicatormethods byars_lower/upper."""
    lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3 if o > 0 else 0.0
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    return lower, upper


# Inputs are PHEindicatormethods testByars.R vectors (65, 1045, 1 at 95 %; 65, 1045, 10 at
# 99.8 %); expected values computed from the Byar formula above.
BYAR_REFERENCE = [
    (65, 0.95, 50.1631877105, 82.8491385459),
    (1045, 0.95, 982.5932018073, 1110.3312129857),
    (1, 0.95, 0.0130721329, 5.5637555825),
    (65, 0.998, 42.8802614715, 94.0002908443),
    (1045, 0.998, 947.9407035610, 1148.8061609880),
    (10, 0.998, 2.9163183747, 24.1937249279),
]


@pytest.mark.parametrize("count, confidence, lower, upper", BYAR_REFERENCE)
def test_byar_reference_values(count, confidence, lower, upper):
    lo, hi = byar_interval(count, confidence)
    assert float(lo) == pytest.approx(lower, abs=1e-8)
    assert float(hi) == pytest.approx(upper, abs=1e-8)
    f_lo, f_hi = byar_formula(count, norm.ppf(0.5 + confidence / 2))
    assert f_lo == pytest.approx(lower, abs=1e-8) and f_hi == pytest.approx(upper, abs=1e-8)


@pytest.mark.parametrize("count", [100, 1045, 10_000, 250_000])
def test_byar_close_to_exact_poisson_for_large_counts(count):
    lo, hi = byar_interval(count)
    exact_lo = chi2.ppf(0.025, 2 * count) / 2
    exact_hi = chi2.ppf(0.975, 2 * count + 2) / 2
    assert float(lo) == pytest.approx(exact_lo, rel=1e-4)
    assert float(hi) == pytest.approx(exact_hi, rel=1e-4)


def test_byar_count_zero_and_nan_and_vector():
    lo, hi = byar_interval(np.array([0, np.nan, 65]))
    assert lo[0] == 0.0
    assert hi[0] == pytest.approx(byar_formula(0, Z95)[1], rel=1e-12)
    # Byar's upper bound for 0 is 1·(1 - 1/9 + z/3)³ = 3.66801 (the exact bound is 3.68888)
    assert hi[0] == pytest.approx(3.668012, abs=1e-6)
    assert np.isnan(lo[1]) and np.isnan(hi[1])
    assert lo[2] == pytest.approx(50.1631877105, abs=1e-8)


def test_byar_rejects_negative_counts_and_bad_confidence():
    with pytest.raises(ValueError, match="count must be >= 0"):
        byar_interval([65, -4])
    with pytest.raises(ValueError, match="confidence"):
        byar_interval(65, 0.7)


def test_exact_poisson_interval():
    lo, hi = exact_poisson_interval([0, 5])
    assert lo[0] == 0.0
    assert hi[0] == pytest.approx(-np.log(0.025), rel=1e-9)  # P(X=0 | μ) = 0.025
    # Garwood limits for 5: 1.6235, 11.6683
    assert lo[1] == pytest.approx(1.623486, abs=1e-5)
    assert hi[1] == pytest.approx(11.668332, abs=1e-5)


def test_crude_rate_uses_byar_from_ten_and_exact_below():
    est = crude_rate([65, 10, 9, 0], [100_000, 50_000, 50_000, 1_000], multiplier=100_000)
    assert est.value == pytest.approx([65.0, 20.0, 18.0, 0.0])
    # 65 -> Byar
    assert est.lower[0] == pytest.approx(50.1631877105, abs=1e-8)
    assert est.upper[0] == pytest.approx(82.8491385459, abs=1e-8)
    # 10 -> Byar (boundary)
    b_lo, b_hi = byar_formula(10, Z95)
    assert est.lower[1] == pytest.approx(b_lo * 2, rel=1e-12)
    assert est.upper[1] == pytest.approx(b_hi * 2, rel=1e-12)
    # 9 -> exact chi-square
    assert est.lower[2] == pytest.approx(chi2.ppf(0.025, 18) / 2 * 2, rel=1e-12)
    assert est.upper[2] == pytest.approx(chi2.ppf(0.975, 20) / 2 * 2, rel=1e-12)
    # 0 -> [0, -ln(0.025)] per 1000 people × 100 000
    assert est.lower[3] == 0.0
    assert est.upper[3] == pytest.approx(-np.log(0.025) * 100, rel=1e-9)
    assert list(rate_ci_method([65, 10, 9, 0])) == ["byar", "byar", "exact", "exact"]


def test_crude_rate_multiplier_and_missing_population():
    est = crude_rate([30, 30, np.nan], [2_000, 0, 100], multiplier=1000)
    assert est.value[0] == pytest.approx(15.0)
    lo, hi = byar_formula(30, Z95)
    assert est.lower[0] == pytest.approx(lo / 2, rel=1e-12)
    assert est.upper[0] == pytest.approx(hi / 2, rel=1e-12)
    assert np.isnan([est.value[1], est.lower[1], est.upper[1], est.value[2], est.lower[2]]).all()


@pytest.mark.parametrize("kwargs, message", [
    (dict(count=[-1], population=[10]), "count must be >= 0"),
    (dict(count=[1], population=[-10]), "population must be >= 0"),
    (dict(count=[1], population=[10], multiplier=0), "multiplier must be > 0"),
])
def test_crude_rate_invalid(kwargs, message):
    with pytest.raises(ValueError, match=message):
        crude_rate(**kwargs)


def dsr_frame():
    return pd.DataFrame({
        "region": ["01"] * 3 + ["02"] * 3 + ["03"] * 3,
        "age": ["16-39", "40-59", "60-67"] * 3,
        "obs": [10, 20, 30, 2, 3, 4, 15, 0, 5],
        "pop": [1000, 2000, 1500, 500, 500, 500, 1000, 0, 500],
        "std": [4000, 3000, 3000] * 3,
    })


def test_dsr_hand_computed_example():
    out = dsr(dsr_frame(), ["region"], "obs", "pop", "std")
    assert list(out.columns) == ["region", "value", "lower", "upper", "count", "population"]
    r1 = out.set_index("region").loc["01"]
    # Σw·O/n = 4000·0.01 + 3000·0.01 + 3000·0.02 = 130; Σw = 10 000 -> 0.013 × 1e5 = 1300
    # var = (4000²·10/1000² + 3000²·20/2000² + 3000²·30/1500²) / 10 000² = 325 / 1e8
    # O = 60, Byar(60) = 45.7837595155, 77.2332239474
    # lower = 1300 + sqrt(3.25e-6 / 60) · (45.78376 - 60) · 1e5 = 969.1350089
    # upper = 1300 + sqrt(3.25e-6 / 60) · (77.23322 - 60) · 1e5 = 1701.0814599
    assert r1["value"] == pytest.approx(1300.0)
    assert r1["lower"] == pytest.approx(969.1350089, abs=1e-6)
    assert r1["upper"] == pytest.approx(1701.0814599, abs=1e-6)
    assert r1["count"] == pytest.approx(60)
    assert r1["population"] == pytest.approx(4500)


def test_dsr_small_total_and_zero_population_stratum():
    out = dsr(dsr_frame(), ["region"], "obs", "pop", "std").set_index("region")
    # region 02 has 9 events < 10: no DSR (as phe_dsr), but count and population are reported
    assert np.isnan(out.loc["02", ["value", "lower", "upper"]].astype(float)).all()
    assert out.loc["02", "count"] == pytest.approx(9)
    assert out.loc["02", "population"] == pytest.approx(1500)
    # region 03: the empty 40-59 stratum (0 events, population 0) contributes 0
    # Σw·O/n = 4000·15/1000 + 0 + 3000·5/500 = 90 -> 900; var = (16e6·15/1e6 + 9e6·5/25e4)/1e8
    r3 = out.loc["03"]
    var = (4000 ** 2 * 15 / 1000 ** 2 + 3000 ** 2 * 5 / 500 ** 2) / 10_000 ** 2
    lo, hi = byar_formula(20, Z95)
    assert r3["value"] == pytest.approx(900.0)
    assert r3["lower"] == pytest.approx(900 + np.sqrt(var / 20) * (lo - 20) * 1e5, rel=1e-12)
    assert r3["upper"] == pytest.approx(900 + np.sqrt(var / 20) * (hi - 20) * 1e5, rel=1e-12)
    # min_total_count=0 lets region 02 through
    out0 = dsr(dsr_frame(), ["region"], "obs", "pop", "std", min_total_count=0).set_index("region")
    assert out0.loc["02", "value"] == pytest.approx((4000 * 2 + 3000 * 3 + 3000 * 4) / 500 / 10_000 * 1e5)


def test_dsr_equals_crude_rate_when_population_is_the_standard():
    frame = pd.DataFrame({"age": ["a", "b"], "obs": [40, 60], "pop": [1000, 3000]})
    frame["std"] = frame["pop"]
    out = dsr(frame, [], "obs", "pop", "std", multiplier=1000)
    assert list(out.columns) == ["value", "lower", "upper", "count", "population"]
    assert out.loc[0, "value"] == pytest.approx(25.0)
    # Dobson with std = pop reduces to Byar's limits on the crude rate
    crude = crude_rate(100, 4000, multiplier=1000)
    assert out.loc[0, "lower"] == pytest.approx(float(crude.lower), rel=1e-12)
    assert out.loc[0, "upper"] == pytest.approx(float(crude.upper), rel=1e-12)


def test_dsr_groups_by_several_columns_and_missing_counts():
    frame = dsr_frame()
    frame["sex"] = "T"
    frame.loc[0, "obs"] = np.nan  # counted as 0, as phe_dsr's na.zero
    out = dsr(frame, ["region", "sex"], "obs", "pop", "std")
    assert list(out["region"]) == ["01", "02", "03"]
    assert out.loc[0, "count"] == pytest.approx(50)
    assert out.loc[0, "value"] == pytest.approx((30 + 60) / 10_000 * 1e5)


@pytest.mark.parametrize("change, message", [
    ({"obs": [-1] + [20, 30, 2, 3, 4, 15, 0, 5]}, "count must be >= 0"),
    ({"pop": [0] + [2000, 1500, 500, 500, 500, 1000, 0, 500]}, "population must be > 0 where count > 0"),
])
def test_dsr_invalid(change, message):
    frame = dsr_frame().assign(**change)
    with pytest.raises(ValueError, match=message):
        dsr(frame, ["region"], "obs", "pop", "std")


def test_dsr_missing_column():
    with pytest.raises(ValueError, match="missing column: nope"):
        dsr(dsr_frame(), ["nope"], "obs", "pop", "std")
