"""The Excel workbook: one sheet per measure, laid out to paste into a report.

Sheet "Om": the run (job, data_as_of, run id, disclosure rule), the markers and the list of
sheets. Then per measure a sheet named ``<id> <name>`` (at most 31 characters, without the
characters Excel forbids) with, per variant (source), two blocks: the values and the
denominators. Rows are regions (länskod, name; okänt län only when it has data; Riket last, in
bold), columns are period × Kvinnor/Män/Totalt. Values are numbers with a number format
(shares as per cent), so they can be computed with; a cell without value holds a marker:
``..`` suppressed (disclosure control), ``–`` nothing to report (denominator 0). A period
flagged preliminary or with incomplete follow-up says so in its header; an approximate
variant says so in its title."""
from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..codes import RIKET
from ..report.data import (APPROXIMATE_TEXT, NO_DATA, NO_DATA_TEXT, SEX_LABELS, SEX_ORDER, SUPPRESSED,
                           SUPPRESSED_TEXT, UNIT_LABELS, OutputData, flag_label, flags_of, is_missing, keep_region,
                           period_sort_key, region_label, region_order, source_label)
from .common import write_atomic

NUMBER_FORMATS = {"andel": "0.0%", "dagar": "0.0", "per_1000": "0.0", "per_10000": "0.0", "per_100000": "0.0",
                  "antal": "0", "kvot": "0.00", "kronor": "#,##0"}
COUNT_FORMAT = "#,##0"
FLAG_SHORT = {"preliminary": "prel.", "incomplete-followup": "ofullst. uppf."}
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEAD_FILL = PatternFill("solid", fgColor="EDF2F7")
RIGHT = Alignment(horizontal="right")
CENTER = Alignment(horizontal="center")
_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name: no ``[]:*?/\\``, not starting/ending with ``'``, ≤ 31."""
    name = _BAD.sub("", text).strip().strip("'").strip() or "Blad"
    name = name[:31].rstrip()
    base, n = name, 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(name)
    return name


def period_header(period: str, rows) -> str:
    flags = sorted({f for v in rows.loc[rows["period"] == period, "quality_flags"] for f in flags_of(v)})
    marks = [FLAG_SHORT.get(f, flag_label(f)) for f in flags if not f.startswith("dq:")]
    if any(f.startswith("dq:") for f in flags):
        marks.append("datakvalitetsvarning")
    return f"{period} ({', '.join(marks)})" if marks else period


def write_xlsx(data: OutputData, target: Path) -> Path:
    wb = Workbook()
    about = wb.active
    about.title = "Om"
    taken = {"Om"}
    sheets = []
    for mid in data.measure_ids():
        spec = data.catalogue.get(mid)
        ws = wb.create_sheet(sheet_name(f"{mid} {spec.name}" if spec else mid, taken))
        _measure_sheet(ws, data, mid)
        sheets.append((ws.title, mid, spec.name if spec else ""))
    _about_sheet(about, data, sheets)
    return write_atomic(target, lambda tmp: wb.save(tmp))


def _about_sheet(ws, data: OutputData, sheets) -> None:
    m = data.manifest or {}
    ws["A1"] = "Indikatorer för sjukskrivningsprocessen – export"
    ws["A1"].font = TITLE
    rows = [("Jobb", m.get("job", "")), ("Data till och med", m.get("data_as_of", "")),
            ("Körning", m.get("run_id", "")), ("Perioder", ", ".join(map(str, m.get("periods", [])))),
            ("Röjandeskydd", f"celler med färre än {data.min_count} personer/fall undertrycks"
             if data.min_count else "av" if data.min_count == 0 else "okänt"),
            ("Urval", "alla åldrar, alla diagnoser, alla vårdnivåer (totaler); regioner som rader, Riket sist")]
    r = 3
    for k, v in rows:
        ws.cell(r, 1, k).font = BOLD
        ws.cell(r, 2, v)
        r += 1
    r += 1
    ws.cell(r, 1, "Teckenförklaring").font = BOLD
    r += 1
    legend = [(SUPPRESSED, SUPPRESSED_TEXT + " – värdet visas inte, det är inte noll"), (NO_DATA, NO_DATA_TEXT),
              ("prel.", "preliminär: uppföljningstiden efter perioden är inte avslutad"),
              ("ofullst. uppf.", "ofullständig uppföljning"), ("ungefärlig", APPROXIMATE_TEXT),
              ("datakvalitetsvarning", "en datakvalitetskontroll har flaggat perioden (se manifest.json, quality)")]
    for k, v in legend:
        ws.cell(r, 1, k).alignment = CENTER
        ws.cell(r, 2, v)
        r += 1
    r += 1
    ws.cell(r, 1, "Flikar").font = BOLD
    r += 1
    for title, mid, name in sheets:
        ws.cell(r, 1, mid)
        ws.cell(r, 2, f"{title}" if not name else name)
        r += 1
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 90


def _measure_sheet(ws, data: OutputData, mid: str) -> None:
    spec = data.catalogue.get(mid)
    ws["A1"] = f"{mid} {spec.name}" if spec else mid
    ws["A1"].font = TITLE
    r = 2
    for variant in data.variants(mid):
        rows = data.rows(mid, variant)
        unit = str(rows["value_unit"].dropna().iloc[0]) if rows["value_unit"].notna().any() else ""
        periods = sorted(rows["period"].unique(), key=period_sort_key)
        regions = [c for c in region_order(rows["region_code"].unique()) if keep_region(rows, c)]
        index = {(x["period"], x["region_code"], x["sex"]): x for x in rows.to_dict("records")}
        approx = rows["approximate"].fillna(False).astype(bool).any()
        r += 1
        title = f"Källa: {source_label(variant)} ({variant})" + (" – ungefärlig" if approx else "")
        ws.cell(r, 1, title).font = BOLD
        r += 1
        ws.cell(r, 1, f"{UNIT_LABELS.get(unit, unit)}. Alla åldrar, diagnoser och vårdnivåer.")
        r += 1
        r = _block(ws, r, index, rows, periods, regions, "value", unit)
        r += 1
        ws.cell(r, 1, "Antal i nämnaren").font = BOLD
        r += 1
        r = _block(ws, r, index, rows, periods, regions, "denominator", unit)
    r += 1
    ws.cell(r, 1, f"{SUPPRESSED} = {SUPPRESSED_TEXT}; {NO_DATA} = {NO_DATA_TEXT}; "
                  "prel. = preliminär; ofullst. uppf. = ofullständig uppföljning")
    ws.column_dimensions["A"].width = 11
    ws.column_dimensions["B"].width = 22
    for c in range(3, 3 + 3 * max(len(data.rows(mid, v)["period"].unique()) for v in data.variants(mid))):
        ws.column_dimensions[get_column_letter(c)].width = 10
    ws.freeze_panes = "C1"


def _block(ws, r: int, index: dict, rows, periods: list[str], regions: list[str], col: str, unit: str) -> int:
    """Two header rows (period, sex) and one row per region; returns the next free row."""
    ws.cell(r, 1, "Länskod")
    ws.cell(r, 2, "Region")
    for i, p in enumerate(periods):
        c = 3 + 3 * i
        ws.cell(r, c, period_header(p, rows)).alignment = CENTER
        ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + 2)
        for j, sex in enumerate(SEX_ORDER):
            ws.cell(r + 1, c + j, SEX_LABELS[sex]).alignment = RIGHT
    for rr in (r, r + 1):
        for c in range(1, 3 + 3 * len(periods)):
            ws.cell(rr, c).font = BOLD
            ws.cell(rr, c).fill = HEAD_FILL
    r += 2
    fmt = NUMBER_FORMATS.get(unit, "0.0") if col == "value" else COUNT_FORMAT
    names = {k[1]: x["region_name"] for k, x in index.items()}
    for code in regions:
        name = names.get(code)
        ws.cell(r, 1, code)
        ws.cell(r, 2, region_label(code, name))
        for i, p in enumerate(periods):
            for j, sex in enumerate(SEX_ORDER):
                cell = ws.cell(r, 3 + 3 * i + j)
                x = index.get((p, code, sex))
                if x is None:
                    continue
                if bool(x["suppressed"]):
                    cell.value = SUPPRESSED
                    cell.alignment = RIGHT
                elif is_missing(x[col]) or (col == "value" and is_missing(x["value"])):
                    cell.value = NO_DATA
                    cell.alignment = RIGHT
                else:
                    cell.value = float(x[col])
                    cell.number_format = fmt
        if code == RIKET:
            for c in range(1, 3 + 3 * len(periods)):
                ws.cell(r, c).font = BOLD
        r += 1
    return r


__all__ = ["write_xlsx", "sheet_name"]
