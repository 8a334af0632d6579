"""Statistics and disclosure control for the indicator table.

Confidence intervals follow PHEindicatormethods / PHStatsMethods (UK public health
statistical methods); each function's docstring names its method and reference.
"""
from .disclosure import COMPLEMENTARY, Dimension, primary_mask, primary_reason, suppress_cells
from .funnel import proportion_funnel_limits
from .means import Estimate, mean_interval
from .proportions import wilson_interval
from .rates import byar_interval, crude_rate, dsr, exact_poisson_interval, rate_ci_method

__all__ = [
    "COMPLEMENTARY",
    "Dimension",
    "Estimate",
    "byar_interval",
    "crude_rate",
    "dsr",
    "exact_poisson_interval",
    "mean_interval",
    "primary_mask",
    "primary_reason",
    "proportion_funnel_limits",
    "rate_ci_method",
    "suppress_cells",
    "wilson_interval",
]
