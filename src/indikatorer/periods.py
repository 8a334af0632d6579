"""Periods of conventions.md: ``2020`` (year), ``2020Q3`` (quarter), ``2020M07`` (month)."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .errors import JobError

_PATTERN = re.compile(r"^(\d{4})(?:Q(\d)|M(\d{2}))?$")


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    label: str

    @property
    def reference_date(self) -> dt.date:
        return self.end

    @property
    def grain(self) -> str:
        return "quarter" if "Q" in self.label else "month" if "M" in self.label else "year"


def parse_period(label: object) -> Period:
    text = str(label).strip()
    m = _PATTERN.match(text)
    if not m:
        raise JobError(f"period `{text}` is not a year (2020), quarter (2020Q3) or month (2020M07)")
    year = int(m.group(1))
    if m.group(2) is not None:
        q = int(m.group(2))
        if not 1 <= q <= 4:
            raise JobError(f"period `{text}`: quarter must be 1-4")
        start, end_month = dt.date(year, 3 * q - 2, 1), 3 * q
    elif m.group(3) is not None:
        month = int(m.group(3))
        if not 1 <= month <= 12:
            raise JobError(f"period `{text}`: month must be 01-12")
        start, end_month = dt.date(year, month, 1), month
    else:
        start, end_month = dt.date(year, 1, 1), 12
    end = dt.date(year, end_month, calendar.monthrange(year, end_month)[1])
    return Period(start, end, text)


def _next(period: Period) -> Period:
    d = period.end + dt.timedelta(days=1)
    if period.grain == "year":
        return parse_period(f"{d.year}")
    if period.grain == "quarter":
        return parse_period(f"{d.year}Q{(d.month - 1) // 3 + 1}")
    return parse_period(f"{d.year}M{d.month:02d}")


def expand_periods(spec: object) -> list[Period]:
    """A list of labels, or ``{from: 2020Q1, to: 2020Q4, grain: quarter}``."""
    if isinstance(spec, (str, int)):
        spec = [spec]
    if isinstance(spec, dict):
        unknown = set(spec) - {"from", "to", "grain"}
        if unknown or "from" not in spec or "to" not in spec:
            raise JobError("periods: give a list, or {from: 2020Q1, to: 2020Q4, grain: quarter}")
        first, last = parse_period(spec["from"]), parse_period(spec["to"])
        grain = spec.get("grain", first.grain)
        if grain not in ("year", "quarter", "month"):
            raise JobError(f"periods: grain `{grain}` is not year, quarter or month")
        cur = _coerce(first, grain)
        out = []
        while cur.start <= last.end:
            out.append(cur)
            cur = _next(cur)
        if not out:
            raise JobError("periods: `from` is after `to`")
        return out
    if isinstance(spec, list) and spec:
        seen, out = set(), []
        for item in spec:
            p = parse_period(item)
            if p.label not in seen:
                seen.add(p.label)
                out.append(p)
        return out
    raise JobError("periods: give at least one period")


def _coerce(p: Period, grain: str) -> Period:
    if grain == "year":
        return parse_period(f"{p.start.year}")
    if grain == "quarter":
        return parse_period(f"{p.start.year}Q{(p.start.month - 1) // 3 + 1}")
    return parse_period(f"{p.start.year}M{p.start.month:02d}")
