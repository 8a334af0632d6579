"""The regions' villkor 3 reports of one year, compiled: counts per region and form, the
sex and provider splits, the contacts, national totals, and the data-quality findings.

A region that sent no report for the year (no ``behandlingar`` rows with a count) is
*missing*: its values stay empty (NaN), never 0 — Försäkringskassan's and SKR's published
tables print 0 for such a region (Gotland 2020). Rows with region ``00`` are a national
aggregate (e.g. a previous year known only from Försäkringskassan's Tabell 1): they are used
as the national totals of a year that has no regional rows."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..codes import REGIONS, RIKET
from .forms import FORMS, PSYCHOLOGICAL, form_code

REGION_CODES = sorted(REGIONS)
SPLIT_COLUMNS = ("kvinnor", "man", "privat", "offentlig")
CONTACT_COLUMNS = ("arbetsgivare", "arbetsformedlingen")

# Flags that concern every measure of a region (they say its treatment counts are doubtful).
GENERAL_CHECKS = ("implausible-contact-share", "contacts-exceed-treatments",
                  "no-psychological-treatments-reported", "incomplete-report")


@dataclass
class Reports:
    """The villkor 3 source tables as small frames (codes already mapped by the reader)."""
    behandlingar: pd.DataFrame                      # ar, region, behandlingsform, antal
    fordelning: pd.DataFrame | None = None          # ar, region, kvinnor, man, privat, offentlig
    kontakter: pd.DataFrame | None = None           # ar, region, arbetsgivare, arbetsformedlingen


def read_reports(session, source) -> Reports:
    """Read the loaded villkor3 source (``src_<source>_*`` tables) through the run's session."""
    def frame(name: str, cols: tuple[str, ...]) -> pd.DataFrame | None:
        if not source.has(name):
            return None
        rel = source.table(name)
        result = session.execute(sa.select(*[sa.column(c) for c in cols]).select_from(rel))
        return pd.DataFrame([tuple(r) for r in result.fetchall()], columns=list(cols))   # tuples, not Rows (see population.py)
    return Reports(frame("behandlingar", ("ar", "region", "behandlingsform", "antal")),
                   frame("fordelning", ("ar", "region", *SPLIT_COLUMNS)),
                   frame("kontakter", ("ar", "region", *CONTACT_COLUMNS)))


def _num(frame: pd.DataFrame, cols) -> pd.DataFrame:
    out = frame.copy()
    for c in cols:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out


@dataclass
class YearReports:
    year: int
    forms: pd.DataFrame                 # index: region codes + "00"; columns: form codes; NaN = not reported
    totals: pd.Series                   # region -> all treatments (NaN = no report); "00" = national
    reporting: list[str]                # regions with a report
    national_source: str                # "regions", "aggregate" or "none"
    splits: pd.DataFrame                # index regions + "00"; kvinnor, man, privat, offentlig
    contacts: pd.DataFrame              # index regions + "00"; arbetsgivare, arbetsformedlingen, kontakter
    flags: dict[str, set[str]] = field(default_factory=dict)      # region -> general flags
    topic_flags: dict[str, dict[str, set[str]]] = field(default_factory=dict)   # topic -> region -> flags
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.national_source != "none"

    def region_flags(self, region: str, topic: str | None = None) -> set[str]:
        """Flags of a region's rows for a topic (``treatments``, ``sex``, ``provider``,
        ``contacts``); for region 00 the union over the regions, with ``incomplete-total``
        in place of ``missing-report``."""
        if region == RIKET:
            out: set[str] = set()
            for r in REGION_CODES:
                out |= self.region_flags(r, topic)
            if "missing-report" in out:
                out.discard("missing-report")
                out.add("incomplete-total")
            if self.national_source == "aggregate":
                out.discard("incomplete-total")
                out.add("national-aggregate")
            return out
        out = set(self.flags.get(region, set()))
        if topic is not None:
            out |= self.topic_flags.get(topic, {}).get(region, set())
        return out

    def _add(self, region: str, check: str, detail: str, topic: str | None = None) -> None:
        if topic is None:
            self.flags.setdefault(region, set()).add(check)
        else:
            self.topic_flags.setdefault(topic, {}).setdefault(region, set()).add(check)
        self.findings.append({"year": self.year, "region": region, "check": check, "detail": detail})


def _sum_by_region(frame: pd.DataFrame, cols) -> pd.DataFrame:
    return frame.groupby("region")[list(cols)].sum(min_count=1)


def compile_year(reports: Reports, year: int, *, implausible_contact_share: float = 0.9,
                 zero_contacts_as_missing: bool = False) -> YearReports:
    """Compile the reports of ``year``; the checks' findings go to ``findings`` and flags.
    ``zero_contacts_as_missing``: a region that reports treatments and 0 contacts of both kinds
    has its contacts treated as not reported (empty) instead of 0 (as published)."""
    findings_pre: list[dict[str, Any]] = []
    b = reports.behandlingar
    b = _num(b[pd.to_numeric(b["ar"], errors="coerce") == year], ["antal"]) if b is not None else None
    if b is None or b.empty:
        b = pd.DataFrame({"ar": [], "region": [], "behandlingsform": [], "antal": []})
    b = b.assign(behandlingsform=b["behandlingsform"].map(form_code), region=b["region"].astype(str))
    known = set(REGION_CODES) | {RIKET}
    for reg in sorted(set(b["region"]) - known):
        findings_pre.append({"year": year, "region": reg, "check": "unknown-region",
                             "detail": f"behandlingar: region `{reg}` is not a region code or name; its rows are left out"})
    b = b[b["region"].isin(known)]
    unknown_forms = sorted(set(b["behandlingsform"].dropna()) - set(FORMS))
    for f in unknown_forms:
        regs = ", ".join(sorted(set(b.loc[b["behandlingsform"] == f, "region"])))
        findings_pre.append({"year": year, "region": RIKET, "check": "unknown-form",
                             "detail": f"behandlingsform `{f}` (regions {regs}) is not a known form; kept as its own form"})
    forms_all = list(FORMS) + unknown_forms
    dup = b.duplicated(["region", "behandlingsform"], keep=False)
    for reg in sorted(set(b.loc[dup, "region"])):
        findings_pre.append({"year": year, "region": reg, "check": "duplicate-rows",
                             "detail": "behandlingar: more than one row for a form; the counts are added"})

    regional = b[b["region"] != RIKET]
    counts = regional.pivot_table(index="region", columns="behandlingsform", values="antal",
                                  aggfunc=lambda s: s.sum(min_count=1), dropna=False) if len(regional) else \
        pd.DataFrame(columns=forms_all, dtype=float)
    counts = counts.reindex(index=REGION_CODES, columns=forms_all).astype(float)
    reporting = [r for r in REGION_CODES if counts.loc[r].notna().any()]
    totals = counts.sum(axis=1, min_count=1)
    aggregate = b[b["region"] == RIKET]
    agg_counts = aggregate.groupby("behandlingsform")["antal"].sum(min_count=1).reindex(forms_all).astype(float)
    if reporting:
        national = counts.loc[reporting].sum(axis=0, min_count=1)
        source = "regions"
        if len(aggregate) and not np.allclose(national.fillna(-1), agg_counts.fillna(-1)):
            findings_pre.append({"year": year, "region": RIKET, "check": "national-aggregate-differs",
                                 "detail": "rows for region 00 differ from the sum of the regions' reports; "
                                           "the sum of the regions is used"})
    elif len(aggregate) and agg_counts.notna().any():
        national, source = agg_counts, "aggregate"
    else:
        national, source = pd.Series(np.nan, index=forms_all), "none"
    counts.loc[RIKET] = national
    totals.loc[RIKET] = national.sum(min_count=1)

    # splits and contacts: one row per region (duplicates added)
    def per_region(frame, cols, table):
        if frame is None:
            return pd.DataFrame(np.nan, index=REGION_CODES, columns=list(cols))
        f = _num(frame[pd.to_numeric(frame["ar"], errors="coerce") == year], cols)
        f = f.assign(region=f["region"].astype(str))
        for reg in sorted(set(f["region"]) - set(REGION_CODES)):
            findings_pre.append({"year": year, "region": reg, "check": "unknown-region",
                                 "detail": f"{table}: region `{reg}` is not a county code or name; its row is left out"})
        f = f[f["region"].isin(REGION_CODES)]
        for reg in sorted(set(f.loc[f.duplicated("region", keep=False), "region"])):
            findings_pre.append({"year": year, "region": reg, "check": "duplicate-rows",
                                 "detail": f"{table}: more than one row for the year; the counts are added"})
        return _sum_by_region(f, cols).reindex(REGION_CODES).astype(float)

    splits = per_region(reports.fordelning, SPLIT_COLUMNS, "fordelning")
    contacts = per_region(reports.kontakter, CONTACT_COLUMNS, "kontakter")
    contacts["kontakter"] = contacts[list(CONTACT_COLUMNS)].sum(axis=1, min_count=1)

    yr = YearReports(year, counts, totals, reporting, source, splits, contacts)
    yr.findings.extend(findings_pre)
    if source != "regions":
        yr.splits.loc[RIKET] = np.nan
        yr.contacts.loc[RIKET] = np.nan
        for r in REGION_CODES:
            yr.flags.setdefault(r, set()).add("missing-report")
        return yr
    _checks(yr, implausible_contact_share)
    if zero_contacts_as_missing:
        for r in REGION_CODES:
            if "no-contacts-reported" in yr.topic_flags.get("contacts", {}).get(r, set()):
                yr.contacts.loc[r] = np.nan
                yr.topic_flags["contacts"][r].add("missing-report")
    contacts = yr.contacts
    both_sex = splits[["kvinnor", "man"]].notna().all(axis=1)
    both_prov = splits[["privat", "offentlig"]].notna().all(axis=1)
    yr.splits.loc[RIKET] = [splits.loc[both_sex, "kvinnor"].sum(), splits.loc[both_sex, "man"].sum(),
                            splits.loc[both_prov, "privat"].sum(), splits.loc[both_prov, "offentlig"].sum()]
    has_c = contacts["kontakter"].notna()
    yr.contacts.loc[RIKET] = [contacts.loc[has_c, "arbetsgivare"].sum(min_count=1),
                              contacts.loc[has_c, "arbetsformedlingen"].sum(min_count=1),
                              contacts.loc[has_c, "kontakter"].sum(min_count=1)]
    return yr


def _checks(yr: YearReports, share_limit: float) -> None:
    y = yr.year
    for r in REGION_CODES:
        name = REGIONS[r]
        if r not in yr.reporting:
            yr._add(r, "missing-report", f"{name} sent no report of treatments for {y}: its values are left "
                                         f"empty (the published tables print 0)")
            for topic in ("sex", "provider", "contacts"):
                yr.topic_flags.setdefault(topic, {}).setdefault(r, set()).add("missing-report")
            continue
        total = yr.totals[r]
        missing_forms = [f for f in FORMS if pd.isna(yr.forms.loc[r, f])]
        if missing_forms:
            yr._add(r, "incomplete-report", f"no count for {', '.join(missing_forms)} (left empty)")
        psych = yr.forms.loc[r, list(PSYCHOLOGICAL)]
        if total > 0 and psych.fillna(0).sum() == 0:
            yr._add(r, "no-psychological-treatments-reported",
                    f"{name} reports {int(total)} treatments but none of the psychological forms "
                    f"({', '.join(PSYCHOLOGICAL)})")
        # sex and provider splits
        s = yr.splits.loc[r]
        for topic, (a, b_) in {"sex": ("kvinnor", "man"), "provider": ("privat", "offentlig")}.items():
            if pd.isna(s[a]) or pd.isna(s[b_]):
                yr._add(r, "missing-report", f"{name}: no {a}/{b_} split reported for {y}", topic)
            elif s[a] + s[b_] != total:
                yr._add(r, f"{topic}-split-total-mismatch",
                        f"{name}: {a} + {b_} = {int(s[a] + s[b_])}, but the treatments add up to {int(total)}", topic)
        if s[["kvinnor", "man", "privat", "offentlig"]].notna().all() and (
                (s["kvinnor"], s["man"]) in ((s["offentlig"], s["privat"]), (s["privat"], s["offentlig"]))):
            detail = (f"{name}: the sex split (kvinnor {int(s['kvinnor'])}, män {int(s['man'])}) is the same "
                      f"pair of numbers as the provider split (privat {int(s['privat'])}, offentlig "
                      f"{int(s['offentlig'])}) — possibly copied")
            yr._add(r, "sex-split-equals-provider-split", detail, "sex")
            yr.topic_flags.setdefault("provider", {}).setdefault(r, set()).add("sex-split-equals-provider-split")
        # contacts
        c = yr.contacts.loc[r]
        if pd.isna(c["kontakter"]):
            yr._add(r, "missing-report", f"{name}: no contacts reported for {y} (left empty)", "contacts")
        elif c["kontakter"] == 0 and total > 0:
            yr._add(r, "no-contacts-reported",
                    f"{name} reports {int(total)} treatments but 0 contacts with employer or Arbetsförmedlingen "
                    f"(contacts probably not recorded)", "contacts")
        elif total > 0 and c["kontakter"] > total:
            yr._add(r, "contacts-exceed-treatments",
                    f"{name}: {int(c['kontakter'])} contacts but only {int(total)} treatments")
        elif total > 0 and c["kontakter"] / total > share_limit:
            yr._add(r, "implausible-contact-share",
                    f"{name}: contacts in {c['kontakter'] / total:.0%} of the treatments ({int(c['kontakter'])} of "
                    f"{int(total)}), above {share_limit:.0%}: the treatments reported are probably only those "
                    f"with a contact")
        if pd.notna(c["kontakter"]) and c[list(CONTACT_COLUMNS)].isna().any():
            yr._add(r, "partial-contacts", f"{name}: only one of arbetsgivare/arbetsförmedlingen reported",
                    "contacts")


def villkor3_findings(reports: Reports, year: int, *, implausible_contact_share: float = 0.9) -> list[dict[str, Any]]:
    """The data-quality findings of the villkor 3 reports of ``year``, one dict per finding:
    ``region`` (two-digit code, ``00`` for the whole report), ``check`` (the same name as the
    quality flag on the affected rows, e.g. ``missing-report``, ``no-contacts-reported``,
    ``implausible-contact-share``), ``detail`` (one plain sentence) and ``year``."""
    return compile_year(reports, year, implausible_contact_share=implausible_contact_share).findings
