"""The villkor 3 measures V3.1–V3.6 as custom shapes (``shape: villkor3_…`` in the spec).

Each returns the cells frame for ``finish.to_indicator_rows``: period, region_code (21 regions
and ``00``), variant, numerator, denominator and, where the row is not the spec's statistic
of numerator/denominator, ``value`` and ``value_unit``; ``quality_flags`` per row."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..codes import RIKET
from ..engine.evaluate import Cells, shape
from .forms import ALL, PER_1000_GROUPS
from .payments import contact_payments, population_share_payments
from .population import parse_date_option, population_by_region, read_population
from .reports import REGION_CODES, compile_year, read_reports

ROWS = REGION_CODES + [RIKET]


def _years(ctx) -> list[tuple[str, int]]:
    return [(p.label, p.start.year) for p in ctx.periods_list if p.grain == "year"]


def _skipped(ctx) -> list[str]:
    other = [p.label for p in ctx.periods_list if p.grain != "year"]
    return [f"villkor 3 reports are yearly: period(s) {', '.join(other)} left out"] if other else []


def _check_options(options: dict[str, Any]) -> dict[str, Any]:
    return {"implausible_contact_share": float(options.get("implausible_contact_share", 0.9)),
            "zero_contacts_as_missing": bool(options.get("zero_contacts_as_missing", False))}


def _flags(flags: set[str]) -> str | None:
    return ";".join(sorted(flags)) or None


def _f(x) -> float:
    return float("nan") if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x) else float(x)


def _row(label, region, variant, num, den, flags, value=None, value_unit=None) -> dict:
    row = {"period": label, "region_code": region, "variant": variant, "numerator": _f(num),
           "denominator": _f(den), "quality_flags": _flags(flags)}
    if value is not None or value_unit is not None:
        row["value"] = _f(value)
        row["value_unit"] = value_unit
    return row


def _cells(plan, rows: list[dict], notes: list[str]) -> Cells:
    cols = ["period", "region_code", "variant", "numerator", "denominator", "quality_flags"]
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=cols)
    for c in ("numerator", "denominator"):
        frame[c] = frame[c].astype(float)
    if "value" in frame:
        frame["value"] = frame["value"].astype(float)
    return Cells(plan, frame, ["region"], notes=notes)


@shape("villkor3_forms")
def v3_forms(ctx, spec, plan, options, strata) -> Cells:
    """V3.1: per region and form (variant = form code): numerator = the form's count,
    denominator = all the region's treatments; ``ALLA`` = all forms. Variants
    ``<form>:andel_av_riket`` (numerator = the region's count, denominator = the national
    count) and ``<form>:forandring`` (value = this year / previous year, value_unit ``kvot``;
    only where the previous year was reported)."""
    rows, notes = [], _skipped(ctx)
    reports = read_reports(ctx.session, plan.source)
    for label, year in _years(ctx):
        yr = compile_year(reports, year, **_check_options(options))
        prev = compile_year(reports, year - 1, **_check_options(options))
        forms = list(yr.forms.columns)
        # change rows: for region 00 when the previous year is known; for every region (empty
        # where that region did not report the previous year) when any region reported it
        change_regions = set(ROWS) if prev.reporting else ({RIKET} if prev.has_data else set())
        for region in ROWS:
            flags = yr.region_flags(region, "treatments")
            total = yr.totals.get(region, np.nan)
            for form in forms + [ALL]:
                count = total if form == ALL else yr.forms.loc[region, form]
                national = yr.totals[RIKET] if form == ALL else yr.forms.loc[RIKET, form]
                rows.append(_row(label, region, form, count, total, flags))
                rows.append(_row(label, region, f"{form}:andel_av_riket", count, national, flags))
                if region not in change_regions:
                    continue
                before = prev.totals.get(region, np.nan) if form == ALL else (
                    prev.forms.loc[region, form] if form in prev.forms.columns else np.nan)
                ratio = count / before if pd.notna(before) and before > 0 and pd.notna(count) else np.nan
                pflags = flags | {f"previous-year-{f}" for f in prev.region_flags(region, "treatments")}
                rows.append(_row(label, region, f"{form}:forandring", count, before, pflags, ratio, "kvot"))
    return _cells(plan, rows, notes)


def _split_shape(ctx, spec, plan, options, first: str, second: str, topic: str) -> Cells:
    rows, notes = [], _skipped(ctx)
    reports = read_reports(ctx.session, plan.source)
    for label, year in _years(ctx):
        yr = compile_year(reports, year, **_check_options(options))
        for region in ROWS:
            flags = yr.region_flags(region, topic)
            a, b = yr.splits.loc[region, first], yr.splits.loc[region, second]
            den = a + b if pd.notna(a) and pd.notna(b) else np.nan
            rows.append(_row(label, region, plan.variant, a if pd.notna(den) else np.nan, den, flags))
            rows.append(_row(label, region, f"{plan.variant}:{second}", b if pd.notna(den) else np.nan, den, flags))
    return _cells(plan, rows, notes)


@shape("villkor3_sex")
def v3_sex(ctx, spec, plan, options, strata) -> Cells:
    """V3.2: numerator = kvinnor, denominator = kvinnor + man; variant ``<kind>:man`` for men."""
    return _split_shape(ctx, spec, plan, options, "kvinnor", "man", "sex")


@shape("villkor3_provider")
def v3_provider(ctx, spec, plan, options, strata) -> Cells:
    """V3.3: numerator = privat, denominator = privat + offentlig; ``<kind>:offentlig``."""
    return _split_shape(ctx, spec, plan, options, "privat", "offentlig", "provider")


EXCLUDED_FROM_CLEAN = {"no-contacts-reported", "implausible-contact-share", "contacts-exceed-treatments",
                       "missing-report"}


@shape("villkor3_contacts")
def v3_contacts(ctx, spec, plan, options, strata) -> Cells:
    """V3.4: numerator = arbetsgivare + arbetsförmedlingen, denominator = all the region's
    treatments; variants ``<kind>:arbetsgivare``, ``<kind>:arbetsformedlingen`` (one kind of
    contact each) and, for region 00 only, ``<kind>:utan_avvikelser`` (the regions flagged
    no-contacts-reported / implausible-contact-share / contacts-exceed-treatments left out)."""
    rows, notes = [], _skipped(ctx)
    reports = read_reports(ctx.session, plan.source)
    for label, year in _years(ctx):
        yr = compile_year(reports, year, **_check_options(options))
        with_contacts = [r for r in REGION_CODES if r in yr.reporting and pd.notna(yr.contacts.loc[r, "kontakter"])]
        for region in ROWS:
            flags = yr.region_flags(region, "contacts")
            if region == RIKET:
                den = yr.totals[with_contacts].sum() if with_contacts else np.nan
            else:
                den = yr.totals[region] if pd.notna(yr.contacts.loc[region, "kontakter"]) else np.nan
            c = yr.contacts.loc[region]
            rows.append(_row(label, region, plan.variant, c["kontakter"], den, flags))
            rows.append(_row(label, region, f"{plan.variant}:arbetsgivare", c["arbetsgivare"], den, flags))
            rows.append(_row(label, region, f"{plan.variant}:arbetsformedlingen", c["arbetsformedlingen"], den, flags))
        clean = [r for r in with_contacts if not (yr.region_flags(r, "contacts") & EXCLUDED_FROM_CLEAN)]
        left_out = sorted(set(REGION_CODES) - set(clean))
        flags = {"regions-left-out:" + ",".join(left_out)} if left_out else set()
        rows.append(_row(label, RIKET, f"{plan.variant}:utan_avvikelser",
                         yr.contacts.loc[clean, "kontakter"].sum() if clean else np.nan,
                         yr.totals[clean].sum() if clean else np.nan, flags))
    return _cells(plan, rows, notes)


@shape("villkor3_per_1000")
def v3_per_1000(ctx, spec, plan, options, strata) -> Cells:
    """V3.5: (KBT + IPT) and (MMR1 + MMR2) per 1000 inhabitants aged age_min–age_max on
    population_date (variants ``KBT+IPT`` and ``MMR1+MMR2``); region 00: the national count
    over the population of the whole country."""
    rows, notes = [], _skipped(ctx)
    reports = read_reports(ctx.session, plan.source)
    pop_source = plan.sources.get("population")
    lo, hi = int(options.get("age_min", 16)), int(options.get("age_max", 67))
    for label, year in _years(ctx):
        yr = compile_year(reports, year, **_check_options(options))
        date = parse_date_option(options.get("population_date", "{year}-11-01"), year)
        pop = population_by_region(read_population(ctx.session, pop_source, date), lo, hi)
        pop_flag = set() if pop.notna().all() else {"missing-population"}
        if pop_flag:
            notes.append(f"{label}: no population aged {lo}-{hi} on {date} for "
                         f"{', '.join(pop.index[pop.isna()])}")
        for region in ROWS:
            flags = yr.region_flags(region, "treatments")
            den = pop.sum() if region == RIKET and not pop_flag else pop.get(region, np.nan)
            rflags = flags | ({"missing-population"} if pd.isna(den) else set())
            for variant, forms in PER_1000_GROUPS.items():
                num = yr.forms.loc[region, list(forms)].sum(min_count=1)
                rows.append(_row(label, region, variant, num, den, rflags))
    return _cells(plan, rows, notes)


@shape("villkor3_payments")
def v3_payments(ctx, spec, plan, options, strata) -> Cells:
    """V3.6: variant ``befolkningsandel`` — value = kronor of the population-share payment
    (numerator = the region's population, denominator = the country's); variant ``kontakt`` —
    value = kronor for contacts (numerator = contacts; empty for a region without a report)."""
    rows, notes = [], _skipped(ctx)
    reports = read_reports(ctx.session, plan.source)
    pop_source = plan.sources.get("population")
    pot500 = int(options.get("population_pot_kronor", 500_000_000))
    pot50 = int(options.get("contact_pot_kronor", 50_000_000))
    per_contact = int(options.get("kronor_per_contact", 3_000))
    key = str(options.get("redistribution_key", "excess_contacts"))
    for label, year in _years(ctx):
        yr = compile_year(reports, year, **_check_options(options))
        date = parse_date_option(options.get("payment_population_date", "{previous_year}-11-01"), year)
        pop = population_by_region(read_population(ctx.session, pop_source, date))
        have_pop = bool(pop.notna().all())
        if not have_pop:
            notes.append(f"{label}: no population on {date} for {', '.join(pop.index[pop.isna()])}")
        popd = {r: int(pop[r]) for r in REGION_CODES} if have_pop else None
        # the population share of the 500 MSEK (not conditional on the report)
        shares = population_share_payments(popd, pot500) if have_pop else {}
        for region in ROWS:
            # the report's anomalies do not touch this payment; only say which region did not report
            flags = (yr.region_flags(region) & {"missing-report"} if region != RIKET else set()) | (
                set() if have_pop else {"missing-population"})
            if region == RIKET:
                n = float(sum(popd.values())) if have_pop else np.nan
                rows.append(_row(label, region, "befolkningsandel", n, n, flags,
                                 float(sum(shares.values())) if have_pop else np.nan, "kronor"))
            else:
                rows.append(_row(label, region, "befolkningsandel", pop[region],
                                 float(sum(popd.values())) if have_pop else np.nan, flags,
                                 shares.get(region, np.nan), "kronor"))
        # the contact payment
        contacts = {r: (int(yr.contacts.loc[r, "kontakter"]) if r in yr.reporting
                        and pd.notna(yr.contacts.loc[r, "kontakter"]) else None) for r in REGION_CODES}
        try:
            pay = contact_payments(contacts, popd, pot=pot50, per_contact=per_contact, key=key)
            notes.extend(f"{label}: {n}" for n in pay.notes)
            notes.append(f"{label}: contact payments: {pay.paid} kr paid, {pay.unused} kr of the pot unused, "
                         f"{pay.rounds} redistribution round(s), key {key}")
        except ValueError as exc:
            pay = None
            notes.append(f"{label}: contact payments not computed: {exc}")
        for region in ROWS:
            flags = yr.region_flags(region, "contacts") | (set() if pay else {"missing-population"})
            if region == RIKET:
                known = [r for r in REGION_CODES if contacts[r] is not None]
                num = sum(contacts[r] for r in known) if known else np.nan
                value = pay.paid if pay else np.nan
            else:
                num = contacts[region]
                value = pay.amounts[region] if pay and contacts[region] is not None else np.nan
            rows.append(_row(label, region, "kontakt", num, np.nan, flags, value, "kronor"))
    return _cells(plan, rows, notes)
