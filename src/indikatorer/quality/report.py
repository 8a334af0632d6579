"""``OUTPUT/quality/``: ``summary.json`` (machine-readable: every check with its status,
severity and unexpected counts and percentages) and ``report.html`` (one self-contained page,
no scripts or links to fetch), in the manner of OHDSI's Data Quality Dashboard.

The summary never holds person-identifying values (see ``checks.py``); this module only lays
out what it is given."""
from __future__ import annotations

import html
import json
import os
import uuid
from pathlib import Path
from typing import Any

from ..output.manifest import write_json_atomic

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em;color:#222;max-width:1400px}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:.9em} table{border-collapse:collapse;width:100%;font-size:.85em;margin-top:.5em}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top} th{background:#f4f4f4}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:2px 8px;border-radius:3px;font-weight:600;font-size:.85em}
.passed{background:#e3f4e1;color:#1d5e1a} .failed{background:#fbe2e0;color:#8a1f14}
.warnings,.warning{background:#fff2d6;color:#7a5200} .error{background:#f1d9f7;color:#5c1a70}
.skipped{background:#eee;color:#555} .critical{background:#fbe2e0;color:#8a1f14}
.cards{display:flex;gap:1em;flex-wrap:wrap} .card{border:1px solid #ddd;border-radius:4px;padding:.6em 1em;min-width:8em}
.card b{display:block;font-size:1.6em} code{font-size:.95em} .small{font-size:.8em;color:#555}
"""


def write_report(folder: Path, summary: dict[str, Any]) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    js, page = folder / "summary.json", folder / "report.html"
    write_json_atomic(js, summary)
    _write_text_atomic(page, render_html(summary))
    return {"summary": js, "report": page}


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}-{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v))


def _num(v: Any, digits: int = 2) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return f"{v:,}".replace(",", " ") if isinstance(v, int) else _e(v)


def _badge(status: str) -> str:
    return f'<span class="badge {_e(status)}">{_e(status)}</span>'


def _examples(c: dict) -> str:
    parts = []
    if c.get("examples"):
        parts.append("<code>" + _e(json.dumps(c["examples"], ensure_ascii=False, default=str)[:600]) + "</code>")
    if c.get("examples_withheld"):
        parts.append('<span class="small">values of identifier columns are not shown (counts only)</span>')
    if c.get("observed") not in (None, "", []):
        parts.append('<span class="small">observed: ' + _e(json.dumps(c["observed"], ensure_ascii=False,
                                                                      default=str)[:300]) + "</span>")
    if c.get("error"):
        parts.append('<span class="small">error: ' + _e(c["error"]) + "</span>")
    if c.get("excluded_rows"):
        parts.append(f'<span class="small">{_num(c["excluded_rows"])} rows excluded from the measures</span>')
    if c.get("regions"):
        parts.append('<span class="small">counties: ' + _e(", ".join(c["regions"])) + "</span>")
    return "<br>".join(parts)


def render_html(s: dict[str, Any]) -> str:
    ov = s.get("overview", {})
    total = ov.get("checks", 0) or 0
    passed = ov.get("passed", 0) or 0
    pct = f"{100.0 * passed / total:.0f} %" if total else "–"
    out = ["<!DOCTYPE html>", '<html lang="sv"><head><meta charset="utf-8">',
           f"<title>Datakvalitet — {_e(s.get('job'))} — {_e(s.get('run_id'))}</title>",
           f"<style>{_CSS}</style></head><body>",
           f"<h1>Data quality {_badge(s.get('status', ''))}</h1>",
           f'<p class="meta">job <b>{_e(s.get("job"))}</b> · run {_e(s.get("run_id"))} · command '
           f'{_e(s.get("command"))} · data as of {_e(s.get("data_as_of"))} · stage reached {_e(s.get("stage"))} · '
           f'backend {_e(s.get("backend"))} · Great Expectations {_e(s.get("great_expectations"))} · '
           f'{_e(s.get("finished_at"))}</p>']
    if s.get("status") == "failed":
        out.append('<p><span class="badge failed">publication blocked</span> a critical check failed: the '
                   "previously published indicator table and manifest were left as they were.</p>")
    out.append('<div class="cards">')
    for label, key, cls in (("checks", "checks", ""), ("passed", "passed", "passed"), ("failed", "failed", "failed"),
                            ("errors", "errors", "error"), ("critical failed", "critical_failed", "critical"),
                            ("warnings failed", "warnings_failed", "warning"), ("skipped", "skipped", "skipped")):
        out.append(f'<div class="card {cls}"><b>{_num(ov.get(key, 0))}</b>{label}</div>')
    out.append(f'<div class="card"><b>{pct}</b>passed</div></div>')

    out.append("<h2>Suites</h2><table><tr><th>suite</th><th>checked</th><th>rows</th><th>checks</th>"
               "<th>passed</th><th>failed</th><th>seconds</th></tr>")
    for su in s.get("suites", []):
        out.append(f"<tr><td>{_e(su['suite'])}</td><td>{_e(su['target'])}</td><td class='n'>{_num(su.get('rows'))}</td>"
                   f"<td class='n'>{su['checks']}</td><td class='n'>{su['passed']}</td><td class='n'>{su['failed']}</td>"
                   f"<td class='n'>{_num(su.get('seconds'))}</td></tr>")
    out.append("</table>")

    checks = s.get("checks", [])
    rank = {"error": 0, "failed": 1, "skipped": 2, "passed": 3}
    sev = {"critical": 0, "warning": 1}
    ordered = sorted(checks, key=lambda c: (rank.get(c["status"], 9), sev.get(c["severity"], 9)))
    out.append("<h2>Checks</h2><p class='small'>Failed checks first. <i>unexpected %</i> is the share of the "
               "checked rows that fail; <i>allowed %</i> is the tolerance (GX <code>mostly</code>) below which the "
               "check passes. Critical failures block publication; warnings are written into "
               "<code>quality_flags</code> of the rows of the measures that use the source.</p>")
    out.append("<table><tr><th>status</th><th>severity</th><th>checked</th><th>check</th><th>description</th>"
               "<th>expectation</th><th>rows</th><th>unexpected</th><th>unexpected %</th><th>allowed %</th>"
               "<th>details</th></tr>")
    for c in ordered:
        out.append(f"<tr id=\"{_e(c.get('id'))}\"><td>{_badge(c['status'])}</td><td>{_badge(c['severity'])}</td>"
                   f"<td>{_e(c['target'])}</td>"
                   f"<td><code>{_e(c['check'])}</code></td><td>{_e(c['description'])}</td>"
                   f"<td class='small'>{_e(c['expectation'])}</td><td class='n'>{_num(c.get('element_count'))}</td>"
                   f"<td class='n'>{_num(c.get('unexpected_count'))}</td>"
                   f"<td class='n'>{_num(c.get('unexpected_percent'), 3)}</td>"
                   f"<td class='n'>{_num(c.get('allowed_percent'), 2)}</td><td>{_examples(c)}</td></tr>")
    out.append("</table>")

    if s.get("excluded_rows"):
        out.append("<h2>Rows excluded from the measures</h2><table><tr><th>source</th><th>table</th><th>check</th>"
                   "<th>reason</th><th>rows</th></tr>")
        for x in s["excluded_rows"]:
            out.append(f"<tr><td>{_e(x['source'])}</td><td>{_e(x['table'])}</td><td><code>{_e(x['check'])}</code></td>"
                       f"<td>{_e(x['reason'])}</td><td class='n'>{_num(x['rows'])}</td></tr>")
        out.append("</table>")
    if s.get("flagged_rows"):
        out.append("<h2>Quality flags written into the indicator table</h2><table><tr><th>flag</th><th>rows</th></tr>")
        for f, n in s["flagged_rows"].items():
            out.append(f"<tr><td><code>{_e(f)}</code></td><td class='n'>{_num(n)}</td></tr>")
        out.append("</table>")
    if s.get("notes"):
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in s["notes"]) + "</ul>")
    out.append("<h2>Parameters</h2><table>" + "".join(
        f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in (s.get("parameters") or {}).items()) + "</table>")
    out.append("<p class='small'>Suites: <code>expectations/*.json</code> (Great Expectations 1.x). Person-identifying "
               "values are never shown: for identifier columns only counts.</p></body></html>")
    return "\n".join(out) + "\n"
