"""Kolada-style JSON: the shape of Kolada's data API (``/v2/data``), so that tools written for
Kolada read the indicators.

Mapping (one object per measure, variant, region and period; top-level cells only: all ages,
diagnoses and care levels)::

    {"kpi": measure_id, "variant": variant, "municipality": region_code, "period": period,
     "values": [{"gender": "K" | "M" | "T", "value": value, "count": denominator, "status": status}]}

* ``kpi`` – the measure id (``7.2a``). ``variant`` is an addition to Kolada's shape: a measure
  may be computed from several sources (``midas``, ``intygsstatistik``) or as a named variant
  (``midas:persons``); consumers that ignore unknown keys must filter on it.
* ``municipality`` – the two-digit SCB länskod of the indicator table (``00`` Riket, ``99``
  okänt län); Kolada's own ids for regions are ``00`` + länskod (``0001`` Stockholm, ``0000``
  Riket).
* ``period`` – the period label as a string (``2020``, ``2020Q3``, ``2020M07``); Kolada has
  years as integers.
* ``gender`` – ``K``, ``M``, ``T`` as in Kolada, in that order.
* ``value`` – the measure as in the table (shares 0–1, not per cent), ``null`` without value.
* ``count`` – the denominator (integer when whole), ``null`` when suppressed.
* ``status`` – ``""`` with a value; ``"Missing"`` when there is nothing to report (the
  denominator is 0); ``"Suppressed"`` when disclosure control hid the cell.
Quality flags (preliminary, approximate) have no place in Kolada's shape: use the CSV export."""
from __future__ import annotations

import json
from pathlib import Path

from ..report.data import OutputData, SEX_ORDER, is_missing, period_sort_key, variant_sort_key
from ..spec.measures import _sort_key
from .common import write_atomic

STATUS_MISSING = "Missing"
STATUS_SUPPRESSED = "Suppressed"


def _num(x):
    if is_missing(x):
        return None
    x = float(x)
    return int(x) if x.is_integer() else x


def _value(r: dict) -> dict:
    if bool(r["suppressed"]):
        return {"gender": r["sex"], "value": None, "count": None, "status": STATUS_SUPPRESSED}
    if is_missing(r["value"]):
        return {"gender": r["sex"], "value": None, "count": _num(r["denominator"]), "status": STATUS_MISSING}
    return {"gender": r["sex"], "value": float(r["value"]), "count": _num(r["denominator"]), "status": ""}


def kolada_records(data: OutputData) -> list[dict]:
    """One object per measure, variant, period and region (in that order; regions by code)."""
    groups: dict[tuple, dict[str, dict]] = {}
    for r in data.cells.to_dict("records"):
        groups.setdefault((r["measure_id"], r["variant"], r["period"], r["region_code"]), {})[r["sex"]] = r
    mrank = {m: i for i, m in enumerate(sorted({k[0] for k in groups}, key=_sort_key))}

    def key(k):
        return (mrank[k[0]], variant_sort_key(k[1]), period_sort_key(k[2]), k[3])
    out = []
    for k in sorted(groups, key=key):
        by_sex = groups[k]
        out.append({"kpi": k[0], "variant": k[1], "municipality": k[3], "period": k[2],
                    "values": [_value(by_sex[s]) for s in SEX_ORDER if s in by_sex]})
    return out


def write_kolada(data: OutputData, target: Path) -> Path:
    recs = kolada_records(data)

    def write(tmp: Path) -> None:
        # a JSON array, one object per line (compact, and a diff shows what changed)
        lines = ",\n".join(json.dumps(r, ensure_ascii=False) for r in recs)
        tmp.write_text(f"[\n{lines}\n]\n" if recs else "[]\n", encoding="utf-8")

    return write_atomic(target, write)
