"""Population per region on one date, from a ``population`` source (``befolkning``: lan_kod,
kon, alder, datum, antal).

Rows by sex (K/M) and single year of age are added up; a region given only as totals (kon
``T`` = both sexes, alder empty = all ages, as an allocation key is often published) is
accepted for the all-ages total but not for an age range. Where a region has rows by sex,
rows with kon ``T`` are ignored (they would count twice)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..codes import REGIONS

REGION_CODES = sorted(REGIONS)


def parse_date_option(template: str, year: int) -> dt.date:
    """``"{previous_year}-11-01"`` / ``"{year}-11-01"`` / a fixed ``"2019-11-01"``."""
    text = str(template).format(year=year, previous_year=year - 1)
    return dt.date.fromisoformat(text)


def read_population(session, source, date: dt.date) -> pd.DataFrame:
    """The rows of ``date``: lan_kod, kon, alder, antal (empty frame without a source)."""
    cols = ["lan_kod", "kon", "alder", "antal"]
    if source is None or not source.has("befolkning"):
        return pd.DataFrame(columns=cols)
    rel = source.table("befolkning")
    q = sa.select(*[sa.column(c) for c in cols]).select_from(rel).where(
        sa.column("datum") == sa.cast(sa.literal(date), sa.Date))
    result = session.execute(q)
    # plain tuples: pandas probes a Row for `.dtype`, which SQLAlchemy answers with an exception per row
    return pd.DataFrame([tuple(r) for r in result.fetchall()], columns=cols)


def population_by_region(rows: pd.DataFrame, age_min: int | None = None, age_max: int | None = None) -> pd.Series:
    """Population per region code (NaN where the rows do not give it)."""
    out = pd.Series(np.nan, index=REGION_CODES, dtype=float)
    if rows is None or rows.empty:
        return out
    rows = rows.assign(antal=pd.to_numeric(rows["antal"], errors="coerce"),
                       alder=pd.to_numeric(rows["alder"], errors="coerce"),
                       lan_kod=rows["lan_kod"].astype(str), kon=rows["kon"].astype(str))
    for region, part in rows.groupby("lan_kod"):
        if region not in out.index:
            continue
        detailed = part[part["alder"].notna()]
        by_sex = detailed[detailed["kon"] != "T"]
        detailed = by_sex if len(by_sex) else detailed
        if age_min is not None or age_max is not None:
            lo = age_min if age_min is not None else -np.inf
            hi = age_max if age_max is not None else np.inf
            if detailed.empty:
                continue
            out[region] = detailed.loc[detailed["alder"].between(lo, hi), "antal"].sum()
        elif len(detailed):
            out[region] = detailed["antal"].sum()
        else:
            totals = part[part["alder"].isna()]
            t_sex = totals[totals["kon"] != "T"]
            out[region] = (t_sex if len(t_sex) else totals)["antal"].sum()
    return out
