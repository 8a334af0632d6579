"""scipy and statsmodels, imported on first use: together they take about a second to
import, which ``engine/runner._warm_imports`` does in a background thread while the sources
are read instead of before the run starts."""
from __future__ import annotations

MODULES = ("scipy.stats", "statsmodels.stats.proportion")


def scipy_stats():
    from scipy import stats
    return stats


def proportion_confint(*args, **kwargs):
    from statsmodels.stats.proportion import proportion_confint as confint
    return confint(*args, **kwargs)
