"""Wilson score interval: reference vectors, statsmodels and an independent closed form."""
import math
import warnings

import numpy as np
import pytest
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from indikatorer.stats import wilson_interval


def closed_form_wilson(x, n, confidence):
    """Wilson (1927) written out independently of the code under test:
    (2x + z² ± z·sqrt(z² + 4x(1 - x/n))) / (2(n + z²))."""
    z = norm.ppf(1 - (1 - confidence) / 2)
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


# Inputs are PHEindicatormethods' testWilson.R vectors (x = 65, 1045, 0.445; n = 100, 5000, 1);
# the expected numbers were computed from the formula above (to 1e-9) and agree with
# statsmodels and with the published values 65/100 -> 0.55254..., 0.73635...
REFERENCE = [
    (65, 100, 0.95, 0.5525444330, 0.7363575176),
    (1045, 5000, 0.95, 0.1979554988, 0.2204913037),
    (0.445, 1, 0.95, 0.0438174477, 0.9334621277),
    (65, 100, 0.998, 0.4954946574, 0.7783540614),
    (1045, 5000, 0.998, 0.1917938180, 0.2273156290),
    (0.445, 1, 0.998, 0.0193470061, 0.9702259947),
]


@pytest.mark.parametrize("x, n, confidence, lower, upper", REFERENCE)
def test_reference_values(x, n, confidence, lower, upper):
    lo, hi = wilson_interval(x, n, confidence)
    assert float(lo) == pytest.approx(lower, abs=1e-9)
    assert float(hi) == pytest.approx(upper, abs=1e-9)


@pytest.mark.parametrize("x, n, confidence, lower, upper", REFERENCE)
def test_reference_values_match_independent_formula_and_statsmodels(x, n, confidence, lower, upper):
    cf_lo, cf_hi = closed_form_wilson(x, n, confidence)
    sm_lo, sm_hi = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    assert cf_lo == pytest.approx(lower, abs=1e-9) and cf_hi == pytest.approx(upper, abs=1e-9)
    assert sm_lo == pytest.approx(lower, abs=1e-9) and sm_hi == pytest.approx(upper, abs=1e-9)


def test_percent_confidence_is_read_as_fraction():
    lo, hi = wilson_interval(65, 100, 99.8)
    assert float(lo) == pytest.approx(0.4954946574, abs=1e-9)
    assert float(hi) == pytest.approx(0.7783540614, abs=1e-9)


def test_vectorised_over_many_rows_matches_closed_form():
    rng = np.random.default_rng(7)
    n = rng.integers(1, 5000, size=2000)
    x = rng.integers(0, n + 1)
    lo, hi = wilson_interval(x, n)
    assert lo.shape == hi.shape == (2000,)
    expected = np.array([closed_form_wilson(a, b, 0.95) for a, b in zip(x, n)])
    np.testing.assert_allclose(lo, np.clip(expected[:, 0], 0, 1), atol=1e-12)
    np.testing.assert_allclose(hi, np.clip(expected[:, 1], 0, 1), atol=1e-12)


def test_accepts_pandas_series():
    pd = pytest.importorskip("pandas")
    lo, hi = wilson_interval(pd.Series([65, 10]), pd.Series([100, 20]))
    assert lo[0] == pytest.approx(0.5525444330, abs=1e-9)
    assert hi[1] == pytest.approx(closed_form_wilson(10, 20, 0.95)[1], abs=1e-12)


def test_returns_proportions_not_percent_and_stays_in_unit_interval():
    lo, hi = wilson_interval([0, 100, 50], [100, 100, 100])
    assert np.all((lo >= 0) & (hi <= 1))
    assert lo[0] == pytest.approx(0.0, abs=1e-12)
    assert hi[1] == pytest.approx(1.0, abs=1e-12)
    assert hi[0] == pytest.approx(closed_form_wilson(0, 100, 0.95)[1], abs=1e-12)
    assert lo[2] < 0.5 < hi[2] < 1


def test_zero_or_missing_denominator_gives_nan_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lo, hi = wilson_interval([0, 3, np.nan, 65], [0, np.nan, 10, 100])
    assert np.isnan(lo[:3]).all() and np.isnan(hi[:3]).all()
    assert lo[3] == pytest.approx(0.5525444330, abs=1e-9)


@pytest.mark.parametrize("x, n, message", [
    ([65, 101], [100, 100], "numerator must be <= denominator"),
    ([-1], [100], "numerator must be >= 0"),
    ([1], [-100], "denominator must be >= 0"),
    ([1, 2], [3, 4, 5], "must have the same length"),
])
def test_invalid_arguments(x, n, message):
    with pytest.raises(ValueError, match=message):
        wilson_interval(x, n)


@pytest.mark.parametrize("confidence", [0.7, 14, 100, 125, 1.0])
def test_invalid_confidence(confidence):
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(65, 100, confidence)
