"""Aggregated cells -> rows of the indicator table: complete the cube (empty cells get zero
counts), compute the statistic and its interval, set quality flags, apply disclosure control."""
from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import numpy as np
import pandas as pd

from ..codes import CARE_LEVELS, REGION_NAMES, RIKET, SEX_CODES, TOTAL, UNKNOWN_REGION
from ..compile.cube import STRATA_COLUMNS, unit_total
from ..periods import Period
from ..spec.config import age_bands, diagnosis_groups
from ..spec.measures import MeasureSpec
from ..stats import Dimension, crude_rate, mean_interval, suppress_cells, wilson_interval
from ..stats.rates import rate_ci_method
from .evaluate import Cells

REGION_PARTITION = frozenset(c for c in REGION_NAMES if c != RIKET)


def categories(stratum: str, bands: str = "default") -> tuple[list, Any, frozenset]:
    """(all values incl. total, total, partition) of a stratifier."""
    if stratum == "region":
        values = sorted(REGION_PARTITION) + [RIKET]
        return values, RIKET, REGION_PARTITION
    if stratum == "sex":
        return [*SEX_CODES, TOTAL], TOTAL, frozenset(SEX_CODES)
    if stratum == "age_group":
        codes = age_bands(bands).codes
        return [*codes, TOTAL], TOTAL, frozenset(codes)
    if stratum == "diagnosis_group":
        cfg = diagnosis_groups()
        return [*cfg.main_codes, *cfg.sub_codes, TOTAL], TOTAL, frozenset(cfg.main_codes)
    if stratum == "care_level":
        return [*CARE_LEVELS, TOTAL], TOTAL, frozenset(CARE_LEVELS)
    raise KeyError(stratum)


def complete_cube(frame: pd.DataFrame, strata: list[str], periods: list[str], bands: str) -> pd.DataFrame:
    """Every combination of the strata's categories (units: only those observed) and periods,
    with zero counts where nothing was observed.

    The grid is built from integer codes and the observed cells are placed into it by their
    position (``_complete_by_position``); ``_complete_by_merge`` is the same as a cross product
    and a left merge — used when the position cannot be computed (count columns that are not
    floats, a cell observed twice)."""
    out = _complete_by_position(frame, strata, periods, bands)
    return out if out is not None else _complete_by_merge(frame, strata, periods, bands)


def _complete_by_position(frame: pd.DataFrame, strata: list[str], periods: list[str], bands: str):
    dims = [STRATA_COLUMNS[s][0] for s in strata]
    count_cols = [c for c in frame.columns if c not in ("period", *dims)]
    if any(frame[c].dtype != np.float64 for c in count_cols):
        return None
    fixed = [s for s in strata if s != "unit"]
    # each axis as the frame built from the product's tuples types it (``_complete_by_merge``)
    axes = [pd.Series(list(periods))] + [pd.Series(categories(s, bands)[0]) for s in fixed]
    names = ["period"] + [STRATA_COLUMNS[s][0] for s in fixed]
    if "unit" in strata:
        axes.append(pd.Series(frame["unit_id"].unique() if len(frame) else [unit_total()]))
        names.append("unit_id")
    sizes = [len(a) for a in axes]
    total = int(np.prod(sizes, dtype=np.int64))
    if total == 0 or any(not a.is_unique for a in axes):
        return None
    columns: dict[str, Any] = {}
    position = np.zeros(len(frame), dtype=np.int64)
    observed = np.ones(len(frame), dtype=bool)
    inner = total
    for name, axis, size in zip(names, axes, sizes):
        inner //= size
        codes = np.tile(np.repeat(np.arange(size), inner), total // (size * inner))
        columns[name] = axis.take(codes).reset_index(drop=True)
        if len(frame):
            at = pd.Index(axis).get_indexer(frame[name])
            observed &= at >= 0
            position = position * size + np.where(at >= 0, at, 0)
    position = position[observed]
    if len(np.unique(position)) != len(position):       # a cell observed twice: as the merge does
        return None
    out = pd.DataFrame(columns)
    for c in count_cols:
        values = np.zeros(total, dtype=np.float64)
        got = frame[c].to_numpy(dtype=np.float64)[observed]
        values[position] = np.where(np.isnan(got), 0.0, got)
        out[c] = values
    return out


def _complete_by_merge(frame: pd.DataFrame, strata: list[str], periods: list[str], bands: str) -> pd.DataFrame:
    dims = [STRATA_COLUMNS[s][0] for s in strata]
    fixed = [s for s in strata if s != "unit"]
    axes = [periods] + [categories(s, bands)[0] for s in fixed]
    names = ["period"] + [STRATA_COLUMNS[s][0] for s in fixed]
    full = pd.DataFrame(list(itertools.product(*axes)), columns=names)
    if "unit" in strata:
        units = pd.Series(frame["unit_id"].unique() if len(frame) else [unit_total()], name="unit_id")
        full = full.merge(units.to_frame(), how="cross")
    count_cols = [c for c in frame.columns if c not in ("period", *dims)]
    if frame.empty:
        out = full.assign(**{c: 0.0 for c in count_cols})
    else:
        out = full.merge(frame, on=["period", *dims], how="left")
        out[count_cols] = out[count_cols].fillna(0.0)
    return out


def _map_values(values: pd.Series, mapping: dict) -> pd.Series:
    """``values.map(mapping)`` for a column of few distinct values (periods, regions): each
    distinct value is mapped once and the result taken by the values' codes."""
    if len(values) < 64:
        return values.map(mapping)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = pd.Series(uniques).map(mapping).take(codes)
    mapped.index = values.index
    mapped.name = values.name
    return mapped


def to_indicator_rows(cells: Cells, spec: MeasureSpec, periods: list[Period], options: dict[str, Any], *,
                      data_as_of: dt.date, run_id: str, spec_hash: str, min_count: int, bands: str = "default",
                      extra_flags: dict[str, list[str]] | None = None) -> pd.DataFrame:
    by_label = {p.label: p for p in periods}
    if spec.shape == "generic" and not cells.complete:
        frame = complete_cube(cells.frame, cells.strata, [p.label for p in periods], bands)
    else:
        frame = cells.frame.copy()
    for s, (col, _, total) in STRATA_COLUMNS.items():
        if col not in frame.columns:
            frame[col] = total if total is not None else unit_total()
    num = frame["numerator"].to_numpy(dtype=float)
    den = frame["denominator"].to_numpy(dtype=float)
    value, lower, upper, method = _statistic(spec, frame, num, den)
    if "ci_method" in frame:
        # the evaluation computed the statistic itself (age-standardised rates, weighted survey
        # shares): value, interval and method come from the frame
        value, lower, upper = (frame[c].to_numpy(dtype=float) for c in ("value", "ci_lower", "ci_upper"))
        method = frame["ci_method"].to_numpy(dtype=object)
    value_unit = spec.value_unit
    if spec.shape != "generic" and "value_unit" in frame:
        # custom shapes (villkor 3): a row with its own value_unit takes its value from the
        # frame's `value` column as it is (NaN stays NaN, no interval); other rows get the
        # spec's statistic of numerator/denominator
        given = frame["value_unit"].notna().to_numpy()
        if "value" in frame:
            value = np.where(given, frame["value"].to_numpy(dtype=float), value)
            lower, upper = np.where(given, np.nan, lower), np.where(given, np.nan, upper)
            method = np.where(given, None, method)
        value_unit = frame["value_unit"].where(frame["value_unit"].notna(), spec.value_unit).astype(str).to_numpy()

    out = pd.DataFrame({
        "measure_id": spec.id,
        "variant": frame["variant"].astype(str) if "variant" in frame else cells.plan.variant,
        "period": frame["period"].astype(str),
        "period_start": _map_values(frame["period"], {k: p.start for k, p in by_label.items()}),
        "period_end": _map_values(frame["period"], {k: p.end for k, p in by_label.items()}),
        "reference_date": _map_values(frame["period"], {k: p.reference_date for k, p in by_label.items()}),
        "region_code": frame["region_code"].astype(str),
        "region_name": _map_values(frame["region_code"], REGION_NAMES).fillna(REGION_NAMES[UNKNOWN_REGION]),
        "sex": frame["sex"].astype(str), "age_group": frame["age_group"].astype(str),
        "diagnosis_group": frame["diagnosis_group"].astype(str), "care_level": frame["care_level"].astype(str),
        "unit_id": frame["unit_id"].where(frame["unit_id"] != unit_total(), None),
        "numerator": num, "denominator": den, "value": value, "value_unit": value_unit,
        "ci_lower": lower, "ci_upper": upper, "ci_method": method,
    })
    out["approximate"] = frame["approximate"].astype(bool).to_numpy() if "approximate" in frame else bool(cells.approximate)
    flags = period_flags(spec, periods, options, data_as_of)
    for period, extra in (extra_flags or {}).items():
        flags[period] = sorted(set(flags.get(period, [])) | set(extra))
    out["quality_flags"] = _map_values(out["period"], {p: (";".join(f) or None) for p, f in flags.items()})
    if "quality_flags" in frame:          # per-row flags of custom shapes, after the period's
        out["quality_flags"] = [_merge_flags(pf, rf) for pf, rf in zip(out["quality_flags"], frame["quality_flags"])]
    out = _suppress(out, spec, cells.strata, min_count, bands)
    out["data_as_of"] = data_as_of
    out["run_id"] = run_id
    out["spec_hash"] = spec_hash
    return out


def _merge_flags(*parts) -> str | None:
    seen: list[str] = []
    for part in parts:
        if isinstance(part, str):
            seen += [f for f in part.split(";") if f and f not in seen]
    return ";".join(seen) or None


def _statistic(spec: MeasureSpec, frame, num, den):
    n = len(num)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    if spec.statistic == "proportion":
        lo, hi = wilson_interval(np.minimum(num, den), den)
        lo = np.where(num == 0, 0.0, lo)          # exact 0, not a rounding residue
        hi = np.where((num == den) & (den > 0), 1.0, hi)
        above = num > den                        # approximate shares (different sources) may exceed 1:
        lo, hi = np.where(above, np.nan, lo), np.where(above, np.nan, hi)     # no binomial interval then
        return ratio, lo, hi, np.where(above, None, "wilson").astype(object)
    if spec.statistic == "mean":
        est = mean_interval(den, num, frame["sum_squares"].to_numpy(dtype=float))
        return est.value, est.lower, est.upper, np.full(n, "t-mean", dtype=object)
    if spec.statistic in ("rate", "ratio"):
        if spec.statistic == "rate":
            est = crude_rate(num, den, multiplier=spec.multiplier)
            return est.value, est.lower, est.upper, rate_ci_method(num)
        return ratio * spec.multiplier, np.full(n, np.nan), np.full(n, np.nan), np.full(n, None, dtype=object)
    # "value": the numerator is the value (counts, kronor)
    return num.astype(float), np.full(n, np.nan), np.full(n, np.nan), np.full(n, None, dtype=object)


def period_flags(spec: MeasureSpec, periods: list[Period], options: dict[str, Any], data_as_of: dt.date):
    flags: dict[str, list[str]] = {}
    for p in periods:
        for f in spec.flags:
            days = f.days
            if isinstance(days, dict) and "option" in days:
                days = options[days["option"]]
            lag = (data_as_of - p.end).days
            complete = lag > int(days) if f.strict else lag >= int(days)
            if not complete:
                flags.setdefault(p.label, []).append(f.flag)
    return flags


def _suppress(out: pd.DataFrame, spec: MeasureSpec, strata: list[str], min_count: int, bands: str) -> pd.DataFrame:
    if not spec.disclosure_counts:          # e.g. published aggregate reports (villkor 3)
        return out.assign(suppressed=False, suppression_reason=None)
    dims = {}
    for s in strata:
        col = STRATA_COLUMNS[s][0]
        if s == "unit":
            units = frozenset(v for v in out["unit_id"].dropna().unique())
            out["unit_id"] = out["unit_id"].fillna(unit_total())
            dims[col] = Dimension(unit_total(), units)
        else:
            _, total, partition = categories(s, bands)
            dims[col] = Dimension(total, partition)
    result = suppress_cells(out, dims=dims, group_cols=["measure_id", "variant", "period"],
                            count_cols=list(spec.disclosure_counts), min_count=min_count)
    if "unit_id" in result:
        result["unit_id"] = result["unit_id"].where(result["unit_id"] != unit_total(), None)
    hide = result["suppressed"].to_numpy(dtype=bool)
    for col in ("numerator", "denominator", "value", "ci_lower", "ci_upper"):
        result.loc[hide, col] = np.nan
    return result
