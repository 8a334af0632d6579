"""The self-contained HTML report (Swedish labels): no scripts, no external resources; the charts
are inline SVG. A Content-Security-Policy forbids any network load, so the page reads the same
offline, from a file share or attached to an e-mail."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from ..codes import RIKET
from ..spec.measures import MeasureSpec
from . import charts, svg
from .data import (APPROXIMATE_TEXT, CI_METHOD_LABELS, DQ_MARKER, NO_DATA, NO_DATA_TEXT, OTHER_MARKER,
                   STATISTIC_LABELS, SUPPRESSED, SUPPRESSED_TEXT, UNIT_LABELS, OutputData, flag_label, flag_marker,
                   flags_of, format_count, format_value, is_missing, keep_region, period_sort_key, region_label,
                   region_order, row_state, source_label)

CSS = """
:root { --ink:#1a202c; --muted:#4a5568; --line:#e2e8f0; --accent:#2c5282; --warn:#975a16; --warnbg:#fefcbf; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink); margin: 0;
       line-height: 1.45; font-size: 15px; background: #f7fafc; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; background: white; }
h1 { font-size: 26px; margin: 0 0 4px; color: var(--accent); }
h2 { font-size: 21px; margin: 0 0 2px; color: var(--accent); }
h3 { font-size: 16px; margin: 22px 0 6px; }
.lead { color: var(--muted); margin: 0 0 14px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0 0 12px; font-size: 14px; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; }
nav ol { columns: 2; margin: 4px 0 0; padding-left: 22px; font-size: 14px; }
a { color: var(--accent); }
section { border-top: 1px solid var(--line); padding-top: 18px; margin-top: 22px; }
.area { color: var(--muted); margin: 0 0 8px; font-size: 14px; }
dl.definition { display: grid; grid-template-columns: 11em 1fr; gap: 4px 14px; margin: 8px 0 6px; font-size: 14px; }
dl.definition dt { font-weight: bold; color: var(--muted); } dl.definition dd { margin: 0; }
.badge { display: inline-block; font-size: 12px; font-weight: normal; padding: 1px 7px; border-radius: 9px;
         background: var(--warnbg); color: var(--warn); margin-left: 6px; vertical-align: middle; }
figure.chart { margin: 6px 0 4px; overflow-x: auto; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { font-size: 13px; color: var(--muted); }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 9px; text-align: right; vertical-align: top; }
th { background: #edf2f7; } td.txt, th.txt { text-align: left; }
tr.riket td { font-weight: bold; border-top: 2px solid #cbd5e0; }
td.suppressed { color: var(--muted); font-weight: bold; }
td.nodata { color: #a0aec0; }
td.flag { text-align: left; color: var(--warn); }
details { margin: 4px 0; } summary { cursor: pointer; color: var(--accent); font-size: 14px; }
.legend dl { display: grid; grid-template-columns: 4em 1fr; gap: 2px 10px; font-size: 14px; margin: 6px 0; }
.legend dt { font-weight: bold; text-align: center; } .legend dd { margin: 0; }
.note { font-size: 13px; color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
.bad { color: #c53030; font-weight: bold; } .good { color: #276749; } .warn { color: var(--warn); font-weight: bold; }
@media print { body { background: white; } main { padding: 0; } details { display: block; }
               section { break-inside: avoid-page; } }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
BAD_WORDS = {"fail", "failed", "error", "errors", "critical", "false", "blocked", "fel", "underkänd"}
WARN_WORDS = {"warning", "warnings", "warn", "varning"}
GOOD_WORDS = {"ok", "pass", "passed", "success", "true", "godkänd"}


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def anchor(measure_id: str) -> str:
    return "m-" + re.sub(r"[^A-Za-z0-9]+", "-", measure_id).strip("-")


def render_report(data: OutputData, *, generated: dt.datetime | None = None, base: Path | None = None,
                  cache: Path | None = None) -> str:
    """The page. ``base``: the folder the page will be written to (for relative links); ``cache``:
    a folder of rendered charts by content hash (see ``svg.render_many``)."""
    manifest = data.manifest or {}
    generated = generated or dt.datetime.now().astimezone()
    measure_ids = data.measure_ids()
    keys = [(mid, v) for mid in measure_ids for v in data.variants(mid)]
    variants: dict[tuple[str, str], str] = {}
    chart = f"<!--chart {uuid.uuid4().hex}-->"      # where a variant's HTML, built before its chart, takes it

    def specs():                    # built while the workers render the charts before
        for k in keys:
            view = _view(data, *k)
            yield view.prefix, (lambda v=view: v.chart), chart_key(view)
            # the variant's HTML (tables…) too, so that little is left to do once the last chart is in
            variants[k] = _variant(view, chart, data.catalogue.get(k[0]), _variant_info(manifest, *k))
    svgs = dict(zip(keys, charts.render_many(specs(), cache=cache, expected=len(keys))))
    body = [_header(data, manifest, generated, measure_ids), _legend(data)]
    for mid in measure_ids:
        body.append(_measure(data, mid, manifest, variants, svgs, chart))
    if not measure_ids:
        body.append('<section><p class="empty">Indikatortabellen innehåller inga rader.</p></section>')
    body.append(_quality(manifest, data.root, base or data.root / "report"))
    body.append(f'<footer class="note"><p>Skapad {esc(generated.strftime("%Y-%m-%d %H:%M"))} av indikatorer '
                f'{esc((manifest.get("software") or {}).get("indikatorer", ""))}. Rapporten innehåller inga '
                f'personuppgifter: bara aggregerade celler ur indikatortabellen.</p></footer>')
    title = f"Indikatorrapport – {manifest.get('job') or data.root.name}"
    return ("<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def _header(data: OutputData, manifest: dict, generated: dt.datetime, measure_ids: list[str]) -> str:
    periods = manifest.get("periods") or sorted(data.cells["period"].unique(), key=period_sort_key)
    runs = sorted(data.cells["run_id"].dropna().unique())
    meta = [("Jobb", manifest.get("job", "")), ("Data till och med", manifest.get("data_as_of", "")),
            ("Perioder", ", ".join(map(str, periods))), ("Körning", manifest.get("run_id", "")),
            ("Körningen klar", str(manifest.get("finished_at", ""))[:19].replace("T", " ")),
            ("Röjandeskydd", _disclosure_text(data.min_count)), ("Rapporten skapad", generated.strftime("%Y-%m-%d %H:%M"))]
    if len(runs) > 1:
        meta.append(("Obs", f"tabellen innehåller rader från {len(runs)} körningar (omräknade delar ersätter "
                            f"bara sina egna perioder och mått): {', '.join(runs)}"))
    if not manifest:
        meta.append(("Obs", "manifest.json saknas; uppgifter om körningen visas inte"))
    toc = "".join(f'<li><a href="#{anchor(m)}">{esc(m)} {esc(_name(data, m))}</a></li>' for m in measure_ids)
    toc += '<li><a href="#datakvalitet">Datakvalitet, utelämnade mått och anmärkningar</a></li>'
    return ("<header>\n<h1>Uppföljning av sjukskrivningsprocessen – indikatorrapport</h1>\n"
            "<p class=\"lead\">Mått per region med 95 % konfidensintervall, jämförda med riket. "
            "Regionala diagram och tabeller visar alla åldrar, alla diagnoser och alla vårdnivåer.</p>\n"
            "<dl class=\"meta\">" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in meta) + "</dl>\n"
            f"<nav><strong>Innehåll</strong><ol>{toc}</ol></nav>\n</header>")


def _disclosure_text(min_count) -> str:
    if min_count is None:
        return "okänt (manifest saknas)"
    if int(min_count) <= 0:
        return "avstängt (min_count: 0)"
    return f"celler med färre än {min_count} personer/fall (men fler än 0) undertrycks, även kompletterande"


def _legend(data: OutputData) -> str:
    items = [(SUPPRESSED, f"{SUPPRESSED_TEXT}: värdet visas inte, det är inte noll"),
             (NO_DATA, NO_DATA_TEXT), ("≈", APPROXIMATE_TEXT),
             ("P", "preliminär: uppföljningstiden efter perioden är inte avslutad vid datauttaget"),
             ("U", "ofullständig uppföljning: alla i nämnaren har inte kunnat följas hela tiden"),
             (DQ_MARKER, "en datakvalitetskontroll har flaggat raden (se Datakvalitet)"),
             (OTHER_MARKER, "annan anmärkning: se märkningen vid källans rubrik")]
    return ('<section class="legend"><h2>Teckenförklaring</h2><dl>'
            + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
            + "</dl><p class=\"note\">Värden med konfidensintervall som inte överlappar rikets värde markeras som "
              "högre eller lägre än riket. Trattdiagrammets kontrollgränser (95 % och 99,8 %) följer "
              "PHEindicatormethods (normalapproximation kring rikets andel).</p></section>")


def _name(data: OutputData, mid: str) -> str:
    spec = data.catalogue.get(mid)
    return spec.name if spec else ""


def _definition(spec: MeasureSpec | None, options: dict | None) -> str:
    if spec is None:
        return '<p class="empty">Måttets definition finns inte i måttkatalogen (measures/).</p>'
    rows = [("Beskrivning", spec.description), ("Täljare", spec.numerator.description),
            ("Nämnare", spec.denominator.description),
            ("Mått", f"{STATISTIC_LABELS.get(spec.statistic, spec.statistic)}, "
                     f"{UNIT_LABELS.get(spec.value_unit, spec.value_unit).lower()}"),
            ("Källor", ", ".join(source_label(s) for s in spec.sources))]
    opts = options if options is not None else {k: o.default for k, o in spec.options.items()}
    if opts:
        rows.append(("Inställningar", "; ".join(
            f"{k} = {v}" + (f" ({spec.options[k].description})" if k in spec.options else "") for k, v in opts.items())))
    if spec.notes:
        rows.append(("Anmärkningar", spec.notes))
    return '<dl class="definition">' + "".join(
        f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows if v) + "</dl>"


def _variant_info(manifest: dict, mid: str, variant: str) -> dict:
    info = (manifest.get("measures") or {}).get(mid) or {}
    return (info.get("variants") or {}).get(variant) or {}


def _measure(data: OutputData, mid: str, manifest: dict, variants: dict, svgs: dict, chart: str) -> str:
    """A measure's section; ``variants``: the HTML of its variants with ``chart`` where the chart goes."""
    spec = data.catalogue.get(mid)
    info = (manifest.get("measures") or {}).get(mid) or {}
    head = (f'<section class="measure" id="{anchor(mid)}" data-measure="{esc(mid)}">\n'
            f"<h2>{esc(mid)} {esc(spec.name if spec else '')}</h2>\n"
            + (f'<p class="area">{esc(spec.area)}</p>\n' if spec else "")
            + _definition(spec, info.get("options")))
    parts = [head]
    for variant in data.variants(mid):
        parts.append(variants[(mid, variant)].replace(chart, svgs[(mid, variant)], 1))
    parts.append("</section>")
    return "\n".join(parts)


@dataclass
class View:
    """One measure/variant: its top-level rows, periods, unit, regions and chart spec (built
    when first read: a chart found in the cache by ``chart_key`` needs no spec)."""
    mid: str
    variant: str
    rows: pd.DataFrame
    periods: charts.Periods
    unit: str
    regions: list[str]
    proportion: bool
    prefix: str

    @functools.cached_property
    def chart(self) -> dict:
        # named variants (``midas:persons``) get the regional comparison only: with dozens of
        # variants the full chart of each would make the report slow to write and to read
        return charts.measure_chart(self.rows, self.regions, self.periods.trend, self.unit, self.proportion,
                                    compact=":" in self.variant, latest=self.periods.latest)

    @property
    def latest(self) -> str:
        return self.periods.latest

    @property
    def now(self) -> pd.DataFrame:
        return self.rows[self.rows["period"] == self.latest]


def _view(data: OutputData, mid: str, variant: str) -> View:
    spec = data.catalogue.get(mid)
    return make_view(data.rows(mid, variant), mid, variant, spec.statistic if spec else None)


def make_view(rows: pd.DataFrame, mid: str, variant: str, statistic: str | None) -> View:
    """The view of one measure/variant from its top-level cells (``OutputData.rows``) and the
    measure's statistic (None: no definition). ``report/prerender.py`` builds the same one from
    the cells a run has just computed, before they are published."""
    periods = charts.choose_periods(rows)
    unit = str(rows["value_unit"].dropna().iloc[0]) if rows["value_unit"].notna().any() else ""
    regions = [c for c in region_order(rows["region_code"].unique()) if keep_region(rows, c)]
    proportion = unit == "andel" and (statistic is None or statistic == "proportion")
    prefix = f"c-{anchor(mid)}-{re.sub(r'[^A-Za-z0-9]+', '-', variant)}"
    return View(mid, variant, rows, periods, unit, regions, proportion, prefix)


def chart_key(view: View) -> str:
    """The SVG cache key of a view's chart without building it: a hash of everything the chart
    is made of — its cells (every column but ``run_id``, in ``OutputData.rows``' order), the
    prefix, ``proportion``, and the code that turns them into an SVG (``svg.code_version``)."""
    cols = [c for c in view.rows.columns if c != "run_id"]
    cells = pd.util.hash_pandas_object(view.rows[cols], index=False).to_numpy()
    head = json.dumps([svg.code_version(), view.prefix, view.proportion, cols,
                       [str(view.rows[c].dtype) for c in cols]])
    return hashlib.sha256(head.encode("utf-8") + cells.tobytes()).hexdigest()


def _variant(view: View, svg: str, spec: MeasureSpec | None, vinfo: dict) -> str:
    mid, variant, rows, periods, unit, regions = view.mid, view.variant, view.rows, view.periods, view.unit, view.regions
    latest, now = view.latest, view.now
    badges = []
    flags = sorted({f for v in rows["quality_flags"] for f in flags_of(v)})
    badges += [flag_label(f) for f in flags]
    if rows["approximate"].fillna(False).astype(bool).any():
        badges.append("ungefärlig")
    if now["suppressed"].any():
        badges.append("innehåller undertryckta celler")
    vname = variant.partition(":")[2]
    desc = spec.variants[vname].description if spec and vname in spec.variants else None
    methods = sorted(rows.loc[rows["period"] == latest, "ci_method"].dropna().unique())
    method_text = ", ".join(CI_METHOD_LABELS.get(m, m) for m in methods) or None
    caption = (f"{esc(UNIT_LABELS.get(unit, unit))}, {esc(latest)}. Punkt = värde, streck = 95 % konfidensintervall"
               + (f" ({esc(method_text)})" if method_text else "") + ", streckad linje = riket. "
               f"{SUPPRESSED} = undertryckt, {NO_DATA} = inget underlag.")
    out = [f'<div class="variant" data-variant="{esc(variant)}">',
           (f"<h3>Källa: {esc(source_label(variant))} <code>{esc(variant)}</code>" if source_label(variant) != variant
            else f"<h3>Variant: <code>{esc(variant)}</code>")
           + "".join(f'<span class="badge">{esc(b)}</span>' for b in badges) + "</h3>"]
    if desc:
        out.append(f'<p class="note">Variant: {esc(desc)}</p>')
    out.append(f'<figure class="chart" data-measure="{esc(mid)}" data-variant="{esc(variant)}" role="img" '
               f'aria-label="{esc(mid)} {esc(variant)}">{svg}<figcaption>{caption}</figcaption></figure>')
    out.append(f"<details><summary>Tabell: värden per region, {esc(latest)}</summary>"
               f"{_regional_table(now, regions, unit)}</details>")
    if len(periods.all) > 1:
        out.append(f"<details><summary>Tabell: riket per period</summary>{_trend_table(rows, periods.all, unit)}"
                   "</details>")
    excl = _exclusions(vinfo)
    if excl:
        out.append(f'<p class="note">Exkluderade enheter: {esc(excl)}</p>')
    for note in vinfo.get("notes") or []:
        out.append(f'<p class="note">Anmärkning: {esc(note)}</p>')
    out.append("</div>")
    return "\n".join(out)


def _value_cell(row, unit: str) -> str:
    if row is None:
        return f'<td class="nodata" title="{esc(NO_DATA_TEXT)}">{NO_DATA}</td>'
    state = row_state(row)
    if state == "suppressed":
        return f'<td class="suppressed" title="{esc(SUPPRESSED_TEXT)}">{SUPPRESSED}</td>'
    if state == "nodata":
        return f'<td class="nodata" title="{esc(NO_DATA_TEXT)}">{NO_DATA}</td>'
    return f"<td>{esc(format_value(row['value'], unit))}</td>"


def _ci_cell(row, unit: str) -> str:
    if row is None or row_state(row) != "value" or is_missing(row["ci_lower"]) or is_missing(row["ci_upper"]):
        return "<td></td>"
    return f"<td>{esc(format_value(row['ci_lower'], unit))} – {esc(format_value(row['ci_upper'], unit))}</td>"


def _count_cell(row, col: str) -> str:
    if row is None:
        return "<td></td>"
    if bool(row["suppressed"]):
        return f'<td class="suppressed" title="{esc(SUPPRESSED_TEXT)}">{SUPPRESSED}</td>'
    return f"<td>{esc(format_count(row[col]))}</td>"


def _marks(rows) -> str:
    """Short markers of the flags of a table row's cells: ≈ P U DQ * (see the legend)."""
    marks = []
    for r in rows:
        if r is None:
            continue
        if bool(r["approximate"]) and "≈" not in marks:
            marks.append("≈")
        for f in flags_of(r["quality_flags"]):
            m = flag_marker(f)
            if m not in marks:
                marks.append(m)
    order = ["≈", "P", "U", DQ_MARKER, OTHER_MARKER]
    marks.sort(key=lambda m: order.index(m) if m in order else len(order))
    return f'<td class="flag">{esc(" ".join(marks))}</td>'


def _index(frame: pd.DataFrame) -> dict:
    """(period, region_code, sex) -> the row as a dict (a pandas filter per cell is far too slow)."""
    cols = ["period", "region_code", "sex", "region_name", "suppressed", "value", "ci_lower", "ci_upper",
            "numerator", "denominator", "approximate", "quality_flags"]
    return {(r["period"], r["region_code"], r["sex"]): r for r in frame[cols].to_dict("records")}


def _has_sex(rows: pd.DataFrame) -> bool:
    return bool(rows["sex"].isin(["K", "M"]).any())


def _regional_table(now: pd.DataFrame, regions: list[str], unit: str) -> str:
    idx = _index(now)
    period = now["period"].iloc[0] if len(now) else None
    sex = _has_sex(now)
    head = ('<table class="regional"><thead><tr><th class="txt">Region</th><th>Värde</th><th>95 % KI</th>'
            "<th>Täljare</th><th>Nämnare</th>" + ("<th>Kvinnor</th><th>Män</th>" if sex else "")
            + '<th class="txt">Anm.</th></tr></thead><tbody>')
    body = []
    for code in regions:
        t, k, m = (idx.get((period, code, s)) for s in ("T", "K", "M"))
        name = region_label(code, t["region_name"] if t is not None else None)
        cls = ' class="riket"' if code == RIKET else ""
        km = f"{_value_cell(k, unit)}{_value_cell(m, unit)}" if sex else ""
        body.append(f'<tr{cls} data-region="{esc(code)}"><td class="txt">{esc(name)}</td>{_value_cell(t, unit)}'
                    f"{_ci_cell(t, unit)}{_count_cell(t, 'numerator')}{_count_cell(t, 'denominator')}"
                    f"{km}{_marks([t, k, m])}</tr>")
    return head + "".join(body) + "</tbody></table>"


def _trend_table(rows: pd.DataFrame, periods: list[str], unit: str) -> str:
    idx = _index(rows[rows["region_code"] == RIKET])
    sex = _has_sex(rows)
    head = ('<table class="trend"><thead><tr><th class="txt">Period</th><th>Totalt</th><th>95 % KI</th>'
            "<th>Nämnare</th>" + ("<th>Kvinnor</th><th>Män</th>" if sex else "")
            + '<th class="txt">Anm.</th></tr></thead><tbody>')
    body = []
    for p in periods:
        t, k, m = (idx.get((p, RIKET, s)) for s in ("T", "K", "M"))
        km = f"{_value_cell(k, unit)}{_value_cell(m, unit)}" if sex else ""
        body.append(f'<tr data-period="{esc(p)}"><td class="txt">{esc(p)}</td>{_value_cell(t, unit)}'
                    f"{_ci_cell(t, unit)}{_count_cell(t, 'denominator')}{km}{_marks([t, k, m])}</tr>")
    return head + "".join(body) + "</tbody></table>"


def _exclusions(vinfo: dict) -> str:
    parts = []
    for period, reasons in sorted((vinfo.get("exclusions") or {}).items()):
        if isinstance(reasons, dict):
            for reason, n in reasons.items():
                if n:
                    parts.append(f"{period}: {reason} ({format_count(n)})")
        elif reasons:
            parts.append(f"{period}: {reasons}")
    return "; ".join(parts)


def _quality(manifest: dict, root: Path, base: Path) -> str:
    out = ['<section id="datakvalitet"><h2>Datakvalitet</h2>']
    quality = manifest.get("quality")
    if quality in (None, {}, []):
        out.append('<p class="empty">Inga resultat från datakvalitetskontrollerna (no data-quality results) '
                   "finns i manifest.json.</p>")
    else:
        full = quality.get("report") if isinstance(quality, dict) else None
        if isinstance(full, str) and (root / full).is_file():
            href = Path(os.path.relpath((root / full).resolve(), base.resolve())).as_posix()
            out.append(f'<p>Fullständig rapport från kontrollerna: <a href="{esc(quote(href))}">{esc(full)}</a></p>')
        out.append(render_any(quality))
    out.append("<h3>Utelämnade mått</h3>")
    skipped = manifest.get("skipped") or {}
    if skipped:
        out.append('<table class="skipped"><thead><tr><th class="txt">Mått</th><th class="txt">Orsak</th></tr>'
                   "</thead><tbody>" + "".join(f'<tr><td class="txt">{esc(k)}</td><td class="txt">{esc(v)}</td></tr>'
                                                for k, v in skipped.items()) + "</tbody></table>")
    else:
        out.append('<p class="empty">Inga mått utelämnades.</p>')
    out.append("<h3>Anmärkningar från inläsningen</h3>")
    notes = manifest.get("notes") or []
    if notes:
        out.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    else:
        out.append('<p class="empty">Inga anmärkningar.</p>')
    inputs = manifest.get("inputs") or {}
    if inputs:
        out.append("<h3>Indata</h3>")
        out.append('<table class="inputs"><thead><tr><th class="txt">Tabell</th><th class="txt">Ursprung</th>'
                   "<th>Rader</th></tr></thead><tbody>" + "".join(
                       f'<tr><td class="txt">{esc(k)}</td><td class="txt">{esc(v.get("origin", ""))}</td>'
                       f'<td>{esc(format_count(v.get("rows")))}</td></tr>' for k, v in inputs.items()
                       if isinstance(v, dict)) + "</tbody></table>")
    out.append("</section>")
    return "\n".join(out)


def _status_class(key: str, value: Any) -> str:
    """``bad``/``good`` for a status-like field of the quality results, else ``""``."""
    if key.lower() not in {"status", "success", "passed", "result", "level", "severity", "ok", "blocking"}:
        return ""
    text = str(value).strip().lower()
    if key.lower() == "blocking":
        return "bad" if text == "true" else ""
    if text in BAD_WORDS:
        return "bad"
    if text in GOOD_WORDS:
        return "good"
    if text in WARN_WORDS:
        return "warn"
    return ""


def _cls(*names: str) -> str:
    names = [n for n in names if n]
    return f' class="{" ".join(names)}"' if names else ""


def render_any(obj: Any, depth: int = 0) -> str:
    """A generic, readable rendering of the manifest's ``quality`` results (whatever their shape):
    lists of records as tables, mappings as definition lists, nested to a few levels."""
    if obj is None:
        return '<span class="empty">—</span>'
    if isinstance(obj, (str, int, float, bool)):
        return esc(obj)
    if depth > 4:
        return esc(obj)
    if isinstance(obj, list):
        if not obj:
            return '<span class="empty">(inga)</span>'
        if all(isinstance(x, dict) for x in obj):
            keys = list(dict.fromkeys(k for x in obj for k in x))
            head = "".join(f'<th class="txt">{esc(k)}</th>' for k in keys)
            body = "".join("<tr>" + "".join(
                f'<td{_cls("txt", _status_class(k, x.get(k)))}>{render_any(x.get(k), depth + 1)}</td>' for k in keys)
                + "</tr>" for x in obj)
            return f'<table class="quality"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        return "<ul>" + "".join(f"<li>{render_any(x, depth + 1)}</li>" for x in obj) + "</ul>"
    if isinstance(obj, dict):
        if not obj:
            return '<span class="empty">(inga)</span>'
        if depth > 0:           # nested: a key/value table (keys may be long check names)
            return '<table class="kv"><tbody>' + "".join(
                f'<tr><td class="txt">{esc(k)}</td><td{_cls("txt", _status_class(str(k), v))}>'
                f"{render_any(v, depth + 1)}</td></tr>" for k, v in obj.items()) + "</tbody></table>"
        return '<dl class="definition">' + "".join(
            f"<dt>{esc(k)}</dt><dd{_cls(_status_class(str(k), v))}>{render_any(v, depth + 1)}</dd>" for k, v in obj.items()
        ) + "</dl>"
    return esc(obj)

