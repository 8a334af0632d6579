"""One Vega-Lite chart per measure and variant, rendered offline to SVG with vl-convert.

The chart is a small dashboard of panels: the regional comparison with 95 % intervals and the
national value, the K/M split per region, a funnel plot (proportions only) and the trend of
the national value when the output holds several periods.

The specs are written as Vega-Lite dicts (schema v6, the one Altair 6 validates; the tests
check every spec with ``altair.Chart.from_dict``). Building them through Altair's objects cost
more than rendering them (Altair deep-copies each sub-chart at every layer/concat level), and
the report is written at the end of every run. Rendering uses ``allowed_base_urls=[]`` (no
network) and the Swedish number format (``sv-SE``: decimal comma)."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..codes import RIKET
from ..stats.funnel import proportion_funnel_limits
from .svg import render_many, to_svg  # noqa: F401  (rendering: a light module, run by worker processes)
from .data import (NO_DATA, NOT_FINAL, SEX_LABELS, SUPPRESSED, UNIT_LABELS, flag_label, flags_of, is_missing,
                   period_sort_key, period_span, region_label, row_state)

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
COLORS = {"K": "#b8336a", "M": "#2b6cb0", "T": "#333333"}
COMPARE = {"Riket": "#222222", "Högre än riket": "#c05621", "Lägre än riket": "#2c7a7b",
           "Ingen säker skillnad": "#718096"}
FUNNEL = {"Inom 95 %": "#718096", "Utanför 95 %": "#dd6b20", "Utanför 99,8 %": "#c53030"}
LIMITS = {"95 %": [5, 3], "99,8 %": [1, 0]}
ROW_PX = 17
WIDE, NARROW = 400, 320

#: Axis label overlap checks are off: they measure every label and nearly double the
#: rendering time, and the labels here do not overlap.
CONFIG = {
    "font": "DejaVu Sans, Liberation Sans, Arial, sans-serif", "background": "white",
    "view": {"stroke": "#e2e8f0"},
    "axis": {"labelFontSize": 11, "titleFontSize": 11, "gridColor": "#edf2f7", "labelOverlap": False},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "labelLimit": 0, "orient": "bottom"},
    "title": {"anchor": "start", "fontSize": 13, "subtitleFontSize": 11, "subtitleColor": "#4a5568"},
}


def axis_format(unit: str) -> str:
    return ".0%" if unit == "andel" else ",.4~g"


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: NaN -> null, numpy scalars -> Python."""
    out = []
    for rec in frame.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, (np.floating, float)):
                v = None if math.isnan(v) else float(v)
            elif isinstance(v, np.integer):
                v = int(v)
            elif isinstance(v, np.bool_):
                v = bool(v)
            elif v is pd.NA:
                v = None
            clean[k] = v
        out.append(clean)
    return out


def _title(text: str, subtitle: str | None) -> dict:
    return {"text": text, "subtitle": subtitle or ""}


def _flag_text(rows: pd.DataFrame) -> str | None:
    flags = {f for v in rows["quality_flags"] for f in flags_of(v)}
    parts = sorted(flag_label(f) for f in flags if not f.startswith("dq:"))
    if any(f.startswith("dq:") for f in flags):
        parts.append("datakvalitetsvarning")
    if rows["approximate"].fillna(False).astype(bool).any():
        parts.append("ungefärlig")
    return ", ".join(parts) if parts else None


#: the columns the regional panels read (``to_dict`` of all 27 costs more than the chart's spec)
REGIONAL_COLUMNS = ["region_code", "region_name", "suppressed", "value", "ci_lower", "ci_upper", "denominator"]


def regional_frame(rows: pd.DataFrame, regions: list[str], sex: str = "T") -> pd.DataFrame:
    """One row per region (Riket included) of one period and sex, with what the chart shows:
    the value (null unless published), its interval, the comparison with Riket (95 % intervals
    that exclude the national value) and the marker of a cell without a value."""
    sub = {r["region_code"]: r for r in rows.loc[rows["sex"] == sex, REGIONAL_COLUMNS].to_dict("records")}
    nat = sub.get(RIKET)
    national = float(nat["value"]) if nat is not None and row_state(nat) == "value" else None
    out = []
    for code in regions:
        r = sub.get(code)
        if r is None:
            continue
        state = row_state(r)
        if code == RIKET:
            compare = "Riket"
        elif state != "value" or national is None or is_missing(r["ci_lower"]) or is_missing(r["ci_upper"]):
            compare = "Ingen säker skillnad"
        elif r["ci_lower"] > national:
            compare = "Högre än riket"
        elif r["ci_upper"] < national:
            compare = "Lägre än riket"
        else:
            compare = "Ingen säker skillnad"
        has = state == "value"
        out.append({"code": code, "region": region_label(code, r["region_name"]), "sex": SEX_LABELS.get(sex, sex),
                    "value": r["value"] if has else np.nan, "lo": r["ci_lower"] if has else np.nan,
                    "hi": r["ci_upper"] if has else np.nan, "denominator": r["denominator"], "state": state,
                    "compare": compare, "marker": {"suppressed": SUPPRESSED, "nodata": NO_DATA}.get(state, "")})
    return pd.DataFrame(out, columns=["code", "region", "sex", "value", "lo", "hi", "denominator", "state",
                                      "compare", "marker"])


def region_sort(frame: pd.DataFrame) -> list[str]:
    """Regions by value (highest first), Riket in its place, rows without a value last."""
    shown = frame[frame["state"] == "value"].sort_values("value", ascending=False, kind="stable")
    rest = frame[frame["state"] != "value"]
    return list(shown["region"]) + list(rest["region"])


def _x(field: str, unit: str) -> dict:
    return {"field": field, "type": "quantitative", "scale": {"zero": True},
            "axis": {"format": axis_format(unit), "tickCount": 6}, "title": UNIT_LABELS.get(unit, unit)}


HAS_CI = "datum.state == 'value' && isValid(datum.lo) && isValid(datum.hi)"


def regional_panel(frame: pd.DataFrame, order: list[str], unit: str, national: float | None, title: dict) -> dict:
    y = {"field": "region", "type": "nominal", "sort": order, "title": None, "axis": {"labelLimit": 0}}
    color = {"field": "compare", "type": "nominal", "title": "Jämfört med riket (95 % KI)",
             "scale": {"domain": list(COMPARE), "range": list(COMPARE.values())},
             "legend": {"direction": "vertical"}}
    layers = []
    if national is not None:
        layers.append({"data": {"values": [{"riket": national}]},
                       "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#222"},
                       "encoding": {"x": _x("riket", unit)}})
    layers += [
        {"transform": [{"filter": HAS_CI}], "mark": {"type": "rule", "strokeWidth": 2, "opacity": 0.6},
         "encoding": {"y": y, "x": _x("lo", unit), "x2": {"field": "hi"}, "color": color}},
        {"transform": [{"filter": "datum.state == 'value'"}],
         "mark": {"type": "point", "filled": True, "size": 55, "opacity": 1},
         "encoding": {"y": y, "x": _x("value", unit), "color": color}},
        {"transform": [{"filter": "datum.state != 'value'"}],
         "mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 12, "fontWeight": "bold", "color": "#444"},
         "encoding": {"y": y, "x": {"datum": 0, "type": "quantitative"}, "text": {"field": "marker"}}},
    ]
    return {"data": {"values": records(frame)}, "width": WIDE, "height": ROW_PX * max(len(order), 1),
            "title": title, "layer": layers}


def sex_panel(rows: pd.DataFrame, regions: list[str], order: list[str], unit: str, title: dict) -> dict:
    frame = pd.concat([regional_frame(rows, regions, s) for s in ("K", "M")], ignore_index=True)
    names = [SEX_LABELS["K"], SEX_LABELS["M"]]
    # same rows, same order as the regional panel beside it: no second set of region labels
    y = {"field": "region", "type": "nominal", "sort": order, "title": None,
         "axis": {"labels": False, "ticks": False, "domain": False}}
    off = {"field": "sex", "type": "nominal", "scale": {"domain": names}}
    color = {"field": "sex", "type": "nominal", "title": "Kön",
             "scale": {"domain": names, "range": [COLORS["K"], COLORS["M"]]}, "legend": {"direction": "horizontal"}}
    common = {"y": y, "yOffset": off, "color": color}
    layers = [
        {"transform": [{"filter": HAS_CI}], "mark": {"type": "rule", "strokeWidth": 1.5, "opacity": 0.5},
         "encoding": {**common, "x": _x("lo", unit), "x2": {"field": "hi"}}},
        {"transform": [{"filter": "datum.state == 'value'"}],
         "mark": {"type": "point", "filled": True, "size": 35, "opacity": 1},
         "encoding": {**common, "x": _x("value", unit)}},
        {"transform": [{"filter": "datum.state != 'value'"}],
         "mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 10, "fontWeight": "bold"},
         "encoding": {**common, "x": {"datum": 0, "type": "quantitative"}, "text": {"field": "marker"}}},
    ]
    return {"data": {"values": records(frame)}, "width": NARROW, "height": ROW_PX * max(len(order), 1),
            "title": title, "layer": layers}


def funnel_points(frame: pd.DataFrame, national: float) -> pd.DataFrame:
    """The regions of the funnel plot (published, denominator > 0) with where they fall."""
    pts = frame[(frame["code"] != RIKET) & (frame["state"] == "value") & (frame["denominator"] > 0)].copy()
    if pts.empty:
        return pts.assign(funnel=pd.Series(dtype=object))
    own = proportion_funnel_limits(pts["denominator"].to_numpy(dtype=float), national)
    v = pts["value"].to_numpy(dtype=float)
    out998 = (v < own["lower_998"].to_numpy()) | (v > own["upper_998"].to_numpy())
    out95 = (v < own["lower_95"].to_numpy()) | (v > own["upper_95"].to_numpy())
    pts["funnel"] = np.where(out998, "Utanför 99,8 %", np.where(out95, "Utanför 95 %", "Inom 95 %"))
    return pts


def funnel_panel(frame: pd.DataFrame, national: float, title: dict) -> dict | None:
    if not 0 <= national <= 1:
        return None
    pts = funnel_points(frame, national)
    if pts.empty:
        return None
    top = float(pts["denominator"].max()) * 1.15
    low = max(1.0, float(pts["denominator"].min()) * 0.6)
    grid = np.unique(np.geomspace(low, max(top, low * 1.01), 60))
    lim = proportion_funnel_limits(grid, national)
    lines = []
    for level, suffix in (("95 %", "95"), ("99,8 %", "998")):
        for side in ("lower", "upper"):
            lines += [{"n": float(n), "limit": float(v), "level": level, "side": f"{side}_{suffix}"}
                      for n, v in zip(grid, lim[f"{side}_{suffix}"])]
    # name the regions outside the limits; when many are, only those outside 99,8 %
    label_filter = ("datum.funnel != 'Inom 95 %'" if (pts["funnel"] != "Inom 95 %").sum() <= 6
                    else "datum.funnel == 'Utanför 99,8 %'")
    x = {"type": "quantitative", "scale": {"type": "log", "domain": [float(grid[0]), float(grid[-1])], "nice": False},
         "title": "Antal i nämnaren (logaritmisk skala)", "axis": {"format": ",.0f", "labelOverlap": True, "tickCount": 6}}
    y = {"type": "quantitative", "title": "Andel (%)", "axis": {"format": ".0%"}}
    layers = [
        {"data": {"values": lines}, "mark": {"type": "line", "color": "#4a5568", "strokeWidth": 1},
         "encoding": {"x": {**x, "field": "n"}, "y": {**y, "field": "limit"}, "detail": {"field": "side"},
                      "strokeDash": {"field": "level", "type": "nominal", "title": "Kontrollgränser",
                                     "scale": {"domain": list(LIMITS), "range": list(LIMITS.values())},
                                     "legend": {"direction": "vertical"}}}},
        {"data": {"values": [{"t": national}]}, "mark": {"type": "rule", "color": "#222", "strokeDash": [4, 3]},
         "encoding": {"y": {**y, "field": "t"}}},
        {"mark": {"type": "point", "filled": True, "size": 50, "opacity": 1},
         "encoding": {"x": {**x, "field": "denominator"}, "y": {**y, "field": "value"},
                      "color": {"field": "funnel", "type": "nominal", "title": "Regioner",
                                "scale": {"domain": list(FUNNEL), "range": list(FUNNEL.values())},
                                "legend": {"direction": "vertical"}}}},
        {"transform": [{"filter": label_filter}],
         "mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 10},
         "encoding": {"x": {**x, "field": "denominator"}, "y": {**y, "field": "value"}, "text": {"field": "region"}}},
    ]
    data = records(pts[["region", "denominator", "value", "funnel"]])
    return {"data": {"values": data}, "width": WIDE, "height": 250, "title": title, "layer": layers,
            "resolve": {"scale": {"color": "independent"}}}


def trend_frame(rows: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    nat = rows[(rows["region_code"] == RIKET) & rows["period"].isin(periods)]
    out = []
    for r in nat[["period", "sex", "suppressed", "value", "ci_lower", "ci_upper", "quality_flags"]].to_dict("records"):
        has = row_state(r) == "value"
        prel = any(f in NOT_FINAL for f in flags_of(r["quality_flags"]))
        out.append({"period": r["period"], "sex": SEX_LABELS.get(r["sex"], r["sex"]),
                    "value": r["value"] if has else np.nan, "lo": r["ci_lower"] if has else np.nan,
                    "hi": r["ci_upper"] if has else np.nan, "status": "Preliminär" if prel else "Slutlig"})
    return pd.DataFrame(out, columns=["period", "sex", "value", "lo", "hi", "status"])


def trend_panel(rows: pd.DataFrame, periods: list[str], unit: str, title: dict) -> dict:
    frame = trend_frame(rows, periods)
    x = {"field": "period", "type": "ordinal", "sort": periods, "title": None, "axis": {"labelAngle": 0}}
    y = {"type": "quantitative", "scale": {"zero": True}, "axis": {"format": axis_format(unit)},
         "title": UNIT_LABELS.get(unit, unit)}
    color = {"field": "sex", "type": "nominal", "title": "Riket",
             "scale": {"domain": list(SEX_LABELS.values()), "range": [COLORS[s] for s in SEX_LABELS]},
             "legend": {"direction": "horizontal"}}
    layers = [
        {"transform": [{"filter": f"datum.sex == '{SEX_LABELS['T']}' && isValid(datum.lo) && isValid(datum.hi)"}],
         "mark": {"type": "area", "opacity": 0.15, "color": COLORS["T"]},
         "encoding": {"x": x, "y": {**y, "field": "lo"}, "y2": {"field": "hi"}}},
        {"mark": {"type": "line", "strokeWidth": 2}, "encoding": {"x": x, "y": {**y, "field": "value"}, "color": color}},
        {"transform": [{"filter": "isValid(datum.value)"}],
         "mark": {"type": "point", "filled": True, "size": 45, "opacity": 1},
         "encoding": {"x": x, "y": {**y, "field": "value"}, "color": color,
                      "shape": {"field": "status", "type": "nominal", "title": "Status",
                                "scale": {"domain": ["Slutlig", "Preliminär"], "range": ["circle", "triangle-up"]},
                                "legend": {"direction": "horizontal"}}}},
    ]
    return {"data": {"values": records(frame)}, "width": NARROW, "height": 250, "title": title, "layer": layers}


def measure_chart(rows: pd.DataFrame, regions: list[str], periods: list[str], unit: str, proportion: bool,
                  compact: bool = False, latest: str | None = None) -> dict:
    """The Vega-Lite spec of one measure/variant. ``rows``: its top-level cells; ``periods``: the
    periods of the trend (oldest first); ``latest``: the period of the regional panels (default:
    the last of ``periods``). ``compact``: the regional comparison only."""
    latest = latest or periods[-1]
    now = rows[rows["period"] == latest]
    frame = regional_frame(now, regions, "T")
    order = region_sort(frame)
    nat = frame[frame["code"] == RIKET]
    national = float(nat["value"].iloc[0]) if len(nat) and nat["state"].iloc[0] == "value" else None
    flag = _flag_text(now)
    sub = latest + (f" – {flag}" if flag else "")
    top = [regional_panel(frame, order, unit, national, _title("Regional jämförelse med 95 % KI", sub))]
    if compact:
        return compose([top])
    if now["sex"].isin(["K", "M"]).any():           # not every measure is stratified by sex (7.3)
        top.append(sex_panel(now, regions, order, unit, _title("Kvinnor och män", sub)))
    bottom = []
    if proportion and national is not None:
        funnel = funnel_panel(frame, national, _title("Trattdiagram (kontrollgränser kring riket)", sub))
        if funnel is not None:
            bottom.append(funnel)
    if len(periods) > 1:
        tflag = _flag_text(rows[rows["period"].isin(periods)])
        bottom.append(trend_panel(rows, periods, unit, _title(
            "Utveckling över tid, riket", f"{periods[0]}–{periods[-1]}" + (f" – {tflag}" if tflag else ""))))
    return compose([top, bottom] if bottom else [top])


def compose(rows_of_panels: list[list[dict]]) -> dict:
    """Panels in rows (each row an hconcat) as one top-level Vega-Lite spec."""
    # every legend stays with its panel
    resolve = {"scale": {"color": "independent", "shape": "independent", "strokeDash": "independent"}}
    rows = [{"hconcat": row, "spacing": 30, "resolve": resolve} for row in rows_of_panels]
    spec = {"$schema": SCHEMA, "config": CONFIG}
    if len(rows) == 1:
        spec.update(rows[0])
    else:
        spec.update({"vconcat": rows, "spacing": 25, "resolve": resolve})
    return spec


class Periods(NamedTuple):
    latest: str          # the regional panels' period
    trend: list[str]     # the trend's periods, oldest first (one grain)
    all: list[str]       # every period, in time order


def choose_periods(rows: pd.DataFrame) -> Periods:
    """The headline period is the one that ends last and, of those, the longest (a job over
    ``2020`` and ``2020Q1``…``2020Q4`` shows the year); the trend uses the grain with the most
    periods (the quarters), or the latest's grain on a tie."""
    labels = sorted(rows["period"].unique(), key=period_sort_key)
    if not labels:
        raise ValueError("no periods")

    def key(label):
        start, end = period_span(label)
        return (end, -start.toordinal())
    latest = max(labels, key=key)
    grains: dict[str, list[str]] = {}
    for p in labels:
        grains.setdefault(_grain(p), []).append(p)
    trend = max(grains.values(), key=lambda ps: (len(ps), _grain(latest) == _grain(ps[0])))
    return Periods(latest, trend, labels)


def trend_periods(rows: pd.DataFrame) -> list[str]:
    return choose_periods(rows).trend


def _grain(label: str) -> str:
    return "Q" if "Q" in label else "M" if "M" in label else "Y" if label.isdigit() else "other"

