"""The HTML report on the hand-made output of conftest.py: exact numbers, markers, structure."""
from __future__ import annotations

import re

import altair as alt
import pytest

from indikatorer.report import default_path, write_report
from indikatorer.report import charts
from indikatorer.report.data import definitions, keep_region, load_output, region_order


def _html(path) -> str:
    return path.read_text(encoding="utf-8")


def _section(html: str, anchor: str) -> str:
    m = re.search(rf'<section class="measure" id="{anchor}".*?</section>', html, re.S)
    assert m, anchor
    return m.group(0)


def _row(html: str, region: str) -> list[str]:
    """The cells (text) of the regional table row of ``region``."""
    m = re.search(rf'<tr[^>]*data-region="{region}">(.*?)</tr>', html, re.S)
    assert m, region
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(1), re.S)]


def _charts(spec_for):
    """Every measure/variant's Vega-Lite spec of an output folder."""
    data = load_output(spec_for)
    out = {}
    for mid in data.measure_ids():
        for v in data.variants(mid):
            rows = data.rows(mid, v)
            periods = charts.trend_periods(rows)
            regions = [c for c in region_order(rows["region_code"].unique()) if keep_region(rows, c)]
            out[(mid, v)] = (rows, regions, periods)
    return data, out


def test_report_is_written_where_expected_and_self_contained(small_output):
    path = write_report(small_output)
    assert path == default_path(small_output) == small_output / "report" / "index.html"
    html = _html(path)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="sv">' in html
    # nothing is fetched: no scripts, stylesheets, images or frames from anywhere; a CSP forbids it
    for bad in ("<script", "<link", "<iframe", "<img", "src=", "@import", "cdn"):
        assert bad not in html.lower(), bad
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r'href="https?://', html)
    # no person ids in an aggregated table, and none added
    assert "person" not in html.lower().replace("personer/fall", "").replace("personuppgifter", "")


def test_titles_definitions_and_one_chart_per_measure_variant(small_output):
    html = _html(write_report(small_output))
    cat = definitions()
    assert "<h1>Uppföljning av sjukskrivningsprocessen – indikatorrapport</h1>" in html
    for mid in ("7.1", "7.4"):
        spec = cat[mid]
        sec = _section(html, "m-" + mid.replace(".", "-"))
        assert f"<h2>{mid} {spec.name}</h2>" in sec
        for text in (spec.description, spec.numerator.description, spec.denominator.description):
            assert re.sub(r"\s+", " ", text.replace(">", "&gt;")) in sec
        if spec.notes:
            assert "<dt>Anmärkningar</dt>" in sec
    figures = re.findall(r'<figure class="chart" data-measure="([^"]+)" data-variant="([^"]+)"(.*?)</figure>', html, re.S)
    assert [(m, v) for m, v, _ in figures] == [("7.1", "intygsstatistik"), ("7.4", "midas")]
    for _, _, body in figures:
        assert body.count("<svg") == 1
    # SVG ids are unique in the page (many inline SVGs)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    # table of contents links to each measure and to the data-quality section
    assert '<a href="#m-7-1">' in html and '<a href="#m-7-4">' in html and '<a href="#datakvalitet">' in html


def test_regional_table_values_and_suppressed_cells(small_output):
    sec = _section(_html(write_report(small_output)), "m-7-4")
    # latest period 2020Q2: region, value, 95 % CI, numerator, denominator, K, M, marks
    stockholm = _row(sec, "01")
    assert stockholm[0] == "Stockholm"
    assert stockholm[1] == "45,0\u00a0%"
    assert stockholm[3:7] == ["45", "100", "40,0\u00a0%", "50,0\u00a0%"]
    assert stockholm[7] == "P"                                     # preliminary
    assert _row(sec, "03")[1:7] == ["25,0\u00a0%", ci_text(15, 60), "15", "60", "..", ".."]
    assert _row(sec, "05")[1:7] == ["..", "", "..", "..", "..", ".."]     # suppressed, never 0
    assert _row(sec, "00")[0:2] == ["Riket", "33,0\u00a0%"]
    assert 'data-region="99"' not in sec                         # okänt län without data is left out
    assert 'class="suppressed" title="undertryckt (röjandeskydd)">..</td>' in sec
    # Riket is the last row, and marked
    assert re.findall(r'data-region="(\d\d)"', sec.split('class="regional"')[1].split("</table>")[0]) == [
        "01", "03", "05", "00"]
    assert '<tr class="riket" data-region="00">' in sec
    # the trend table: Riket per period, the preliminary period marked
    trend = sec.split('class="trend"')[1].split("</table>")[0]
    assert re.findall(r'data-period="([^"]+)"', trend) == ["2020Q1", "2020Q2"]
    q1 = re.search(r'data-period="2020Q1">(.*?)</tr>', trend, re.S).group(1)
    assert re.sub(r"<[^>]+>", "|", q1).split("|")[1] == "2020Q1" and "30,0\u00a0%" in q1 and ">P<" not in q1
    assert ">P</td>" in re.search(r'data-period="2020Q2">(.*?)</tr>', trend, re.S).group(0)


def ci_text(num, den):
    from indikatorer.report.data import format_value
    from indikatorer.stats import wilson_interval
    import numpy as np
    lo, hi = wilson_interval(np.array([float(num)]), np.array([float(den)]))
    return f"{format_value(lo[0], 'andel')} – {format_value(hi[0], 'andel')}"


def test_approximate_and_flags_are_marked(small_output):
    sec = _section(_html(write_report(small_output)), "m-7-1")
    assert '<span class="badge">ungefärlig</span>' in sec
    assert '<span class="badge">ofullständig uppföljning</span>' in sec
    assert '<span class="badge">preliminär</span>' in sec
    assert _row(sec, "01")[1:] == ["40,0", "38,0 – 42,0", "2\u00a0000", "50", "38,0", "42,0", "≈ P U"]
    # one period only: no trend table, no funnel (a mean, not a proportion)
    assert 'class="trend"' not in sec
    assert "Trattdiagram" not in sec and "Utveckling över tid" not in sec
    sec74 = _section(_html(write_report(small_output)), "m-7-4")
    assert "Trattdiagram" in sec74 and "Utveckling över tid, riket" in sec74
    assert "Exkluderade enheter: 2020Q1: age outside 16-67 or unknown (3)" in sec74


def test_suppressed_cells_in_the_chart_are_markers_not_zero(small_output):
    _, specs = _charts(small_output)
    rows, regions, periods = specs[("7.4", "midas")]
    frame = charts.regional_frame(rows[rows["period"] == "2020Q2"], regions)
    got = {r.code: (r.state, r.marker) for r in frame.itertuples()}
    assert got == {"01": ("value", ""), "03": ("value", ""), "05": ("suppressed", ".."), "00": ("value", "")}
    assert frame.set_index("code").loc["05", ["value", "lo", "hi"]].isna().all()
    spec = charts.measure_chart(rows, regions, periods, "andel", True)
    regional = spec["vconcat"][0]["hconcat"][0]
    ost = next(d for d in regional["data"]["values"] if d["code"] == "05")
    assert ost["value"] is None and ost["marker"] == ".."
    svg = charts.to_svg(spec, "t")
    assert re.search(r"<text[^>]*>\.\.</text>", svg)             # drawn as "..", at the axis start
    # the comparison with Riket by 95 % intervals
    cmp = dict(zip(frame["code"], frame["compare"]))
    assert cmp == {"01": "Högre än riket", "03": "Ingen säker skillnad", "05": "Ingen säker skillnad", "00": "Riket"}


def test_funnel_classification_uses_pheindicatormethods_limits(small_output):
    _, specs = _charts(small_output)
    rows, regions, _ = specs[("7.4", "midas")]
    frame = charts.regional_frame(rows[rows["period"] == "2020Q2"], regions)
    pts = charts.funnel_points(frame, 0.33)
    # 01: 0.45 with n=100; 95 % upper limit 0.33 + 1.96·sqrt(.33·.67/100) = 0.4222, 99.8 %: 0.4753
    # 03: 0.25 with n=60; 95 % lower limit 0.33 - 1.96·sqrt(.33·.67/60) = 0.2110
    assert dict(zip(pts["code"], pts["funnel"])) == {"01": "Utanför 95 %", "03": "Inom 95 %"}


def test_every_chart_is_valid_vega_lite(small_output, tmp_path):
    _, specs = _charts(small_output)
    for (mid, v), (rows, regions, periods) in specs.items():
        spec = charts.measure_chart(rows, regions, periods, str(rows["value_unit"].iloc[0]), mid == "7.4")
        cls = alt.VConcatChart if "vconcat" in spec else alt.HConcatChart
        cls.from_dict(spec, validate=True)                           # raises on a schema error
        panels = [p for row in spec.get("vconcat", [spec]) for p in row["hconcat"]]
        titles = [p["title"]["text"] for p in panels]
        if mid == "7.4":
            assert titles == ["Regional jämförelse med 95 % KI", "Kvinnor och män",
                              "Trattdiagram (kontrollgränser kring riket)", "Utveckling över tid, riket"]
        else:
            assert titles == ["Regional jämförelse med 95 % KI", "Kvinnor och män"]


def test_data_quality_section(small_output, small_output_quality):
    html = _html(write_report(small_output))
    dq = html.split('<section id="datakvalitet">')[1]
    assert "no data-quality results" in dq
    assert "<td class=\"txt\">1.1</td><td class=\"txt\">needs a source of kind intygsstatistik</td>" in dq
    assert "<li>fk.perioder: extra column `kommentar` ignored</li>" in dq
    html = _html(write_report(small_output_quality))
    dq = html.split('<section id="datakvalitet">')[1]
    assert "no data-quality results" not in dq
    assert "intyg.kon in K/M" in dq
    assert '<td class="txt bad">failed</td>' in dq and '<td class="txt good">passed</td>' in dq
    assert '<dd class="bad">failed</dd>' in dq                    # the overall status, highlighted


def test_without_manifest_and_custom_out(tmp_path, make_output):
    out = make_output(tmp_path / "o", manifest=False)
    target = write_report(out, tmp_path / "elsewhere" / "r.html")
    html = _html(target)
    assert "manifest.json saknas" in html and "no data-quality results" in html
    assert not (out / "report").exists()


def test_missing_output_is_a_clear_error(tmp_path):
    from indikatorer.errors import JobError
    with pytest.raises(JobError, match="no indicator table"):
        write_report(tmp_path / "nothing")


def test_render_many_in_worker_processes_keeps_order(monkeypatch):
    from indikatorer.report import svg

    def spec(label):
        return {"data": {"values": [{"a": 1, "b": label}]}, "mark": "text",
                "encoding": {"x": {"field": "a", "type": "quantitative"}, "text": {"field": "b"}}}
    items = [(f"p{i}", spec(f"label-{i}")) for i in range(5)]
    here = svg.render_many(items, workers=1)
    assert [("label-%d" % i) in s for i, s in enumerate(here)] == [True] * 5
    assert svg.render_many(items, workers=2) == here                   # two `python -m` workers
    monkeypatch.setattr(svg.sys, "executable", "/nonexistent/python")  # a worker cannot start
    assert svg.render_many(items, workers=2) == here                   # … so it is done here


def test_flags_labels_and_markers():
    from indikatorer.report.data import flag_label, flag_marker
    from indikatorer.report.html import _marks
    assert flag_label("preliminary") == "preliminär" and flag_marker("preliminary") == "P"
    assert flag_label("incomplete-followup") == "ofullständig uppföljning" and flag_marker("incomplete-followup") == "U"
    assert flag_label("dq:indicators.interval_contains_value") == \
        "datakvalitetsvarning: indicators.interval_contains_value"
    assert flag_marker("dq:x") == "DQ"
    assert flag_label("regions-left-out:09,12") == "regioner utelämnade: 09, 12" and flag_marker("missing-report") == "*"
    rows = [{"approximate": False, "quality_flags": "dq:a;missing-report;incomplete-followup"},
            {"approximate": True, "quality_flags": "preliminary;dq:b"}, None]
    assert _marks(rows) == '<td class="flag">≈ P U DQ *</td>'


def test_measure_without_sex_strata_and_quality_link(tmp_path, make_output):
    import json

    out = make_output(tmp_path / "o", quality={"status": "warnings", "report": "quality/report.html",
                                               "flagged_rows": {"dq:indicators.a_long_check_name": 12}})
    # keep only the totals (T) of 7.4, as for a measure not stratified by sex (7.3)
    import shutil

    from indikatorer.output.table import read_indicators, write_partitions
    table = read_indicators(out)
    table = table[(table["measure_id"] != "7.4") | (table["sex"] == "T")]
    shutil.rmtree(out / "indicators")
    write_partitions(out, table)
    (out / "quality").mkdir()
    (out / "quality" / "report.html").write_text("<html></html>", encoding="utf-8")
    html = _html(write_report(out))
    sec = _section(html, "m-7-4")
    assert "Kvinnor och män" not in sec and "<th>Kvinnor</th>" not in sec
    assert _row(sec, "01")[:5] == ["Stockholm", "45,0\u00a0%", ci_text(45, 100), "45", "100"]
    assert "Kvinnor och män" in _section(html, "m-7-1")
    dq = html.split('<section id="datakvalitet">')[1]
    assert '<a href="../quality/report.html">quality/report.html</a>' in dq
    assert '<dd class="warn">warnings</dd>' in dq
    assert '<td class="txt">dq:indicators.a_long_check_name</td><td class="txt">12</td>' in dq
    assert json.loads((out / "manifest.json").read_text())["quality"]["status"] == "warnings"


@pytest.mark.parametrize("labels,latest,trend,table", [
    (["2020Q2", "2020Q1"], "2020Q2", ["2020Q1", "2020Q2"], ["2020Q1", "2020Q2"]),
    (["2020Q3", "2020", "2020Q1", "2020Q4", "2020Q2"], "2020", ["2020Q1", "2020Q2", "2020Q3", "2020Q4"],
     ["2020", "2020Q1", "2020Q2", "2020Q3", "2020Q4"]),
    (["2021", "2019", "2020"], "2021", ["2019", "2020", "2021"], ["2019", "2020", "2021"]),
    (["2019", "2020Q1"], "2020Q1", ["2020Q1"], ["2019", "2020Q1"]),
])
def test_which_periods_are_shown(labels, latest, trend, table):
    import pandas as pd
    got = charts.choose_periods(pd.DataFrame({"period": labels}))
    assert (got.latest, got.trend, got.all) == (latest, trend, table)
