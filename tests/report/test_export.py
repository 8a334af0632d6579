"""Exports of the hand-made output of conftest.py, with exact expected content."""
from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from indikatorer.errors import JobError
from indikatorer.export import default_path, export_output
from indikatorer.export.xlsx import sheet_name

S = ".."
PRE = "20200901T000000Z-test;sha256:test"


# ---------------------------------------------------------------- xlsx

def _rows(ws, first, last, width=8):
    return [tuple(ws.cell(r, c).value for c in range(1, width + 1)) for r in range(first, last + 1)]


def test_xlsx_layout(small_output):
    path = export_output(small_output, "xlsx")
    assert path == default_path(small_output, "xlsx") == small_output / "export" / "indikatorer.xlsx"
    wb = load_workbook(path)
    assert wb.sheetnames == ["Om", "7.1 Sjukskrivningsdagar per sju", "7.4 Andel deltidssjukskrivna"]
    assert all(len(n) <= 31 for n in wb.sheetnames)

    ws = wb["7.4 Andel deltidssjukskrivna"]
    assert ws["A1"].value == "7.4 Andel deltidssjukskrivna"
    assert ws["A3"].value == "Källa: MiDAS (Försäkringskassan) (midas)"
    assert ws["A4"].value == "Andel (%). Alla åldrar, diagnoser och vårdnivåer."
    assert _rows(ws, 5, 10) == [
        ("Länskod", "Region", "2020Q1", None, None, "2020Q2 (prel.)", None, None),
        (None, None, "Kvinnor", "Män", "Totalt", "Kvinnor", "Män", "Totalt"),
        ("01", "Stockholm", 0.4, 0.4, 0.4, 0.4, 0.5, 0.45),
        ("03", "Uppsala", S, S, 0.2, S, S, 0.25),
        ("05", "Östergötland", S, S, S, S, S, S),                 # suppressed: "..", never 0
        ("00", "Riket", 0.3, 0.3, 0.3, 0.33, 0.33, 0.33),          # okänt län (no data) left out
    ]
    assert ws["A12"].value == "Antal i nämnaren"
    assert _rows(ws, 15, 18) == [
        ("01", "Stockholm", 50, 50, 100, 50, 50, 100),
        ("03", "Uppsala", S, S, 60, S, S, 60),
        ("05", "Östergötland", S, S, S, S, S, S),
        ("00", "Riket", 100, 100, 200, 100, 100, 200),
    ]
    assert ws["C7"].number_format == "0.0%" and ws["C15"].number_format == "#,##0"
    assert ws["A10"].font.bold and not ws["A7"].font.bold          # Riket in bold
    assert "C5:E5" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A20"].value.startswith(".. = undertryckt (röjandeskydd); – = inget underlag")

    ws = wb["7.1 Sjukskrivningsdagar per sju"]
    assert ws["A3"].value == "Källa: Intygsstatistik (Inera) (intygsstatistik) – ungefärlig"
    assert _rows(ws, 5, 10, width=5) == [
        ("Länskod", "Region", "2020Q2 (ofullst. uppf., prel.)", None, None),
        (None, None, "Kvinnor", "Män", "Totalt"),
        ("01", "Stockholm", 38, 42, 40),
        ("03", "Uppsala", S, S, 60.25),
        ("00", "Riket", 48, 53, 50.5),
        (None, None, None, None, None),
    ]
    assert ws["C7"].number_format == "0.0"

    about = wb["Om"]
    values = [c for row in about.iter_rows(values_only=True) for c in row if c is not None]
    for expected in ("Jobb", "testjobb", "Data till och med", "2020-08-31",
                     "celler med färre än 5 personer/fall undertrycks", S, "Flikar", "7.1",
                     "Sjukskrivningsdagar per sjukfall", "7.4", "Andel deltidssjukskrivna"):
        assert expected in values, expected


@pytest.mark.parametrize("text,taken,expected", [
    ("7.1 Sjukskrivningsdagar per sjukfall", set(), "7.1 Sjukskrivningsdagar per sju"),
    ("V3.1 Ersättning: [del]/*?\\", set(), "V3.1 Ersättning del"),
    ("'citat'", set(), "citat"),
    ("7.4 Andel", {"7.4 andel"}, "7.4 Andel (2)"),
    ("x" * 40, {"x" * 31}, "x" * 27 + " (2)"),
])
def test_sheet_names_are_valid_and_unique(text, taken, expected):
    got = sheet_name(text, set(taken))
    assert got == expected and len(got) <= 31


# ---------------------------------------------------------------- csv

HEADER = ("measure_id;variant;period;period_start;period_end;reference_date;region_code;region_name;sex;age_group;"
          "diagnosis_group;care_level;unit_id;numerator;denominator;value;value_unit;ci_lower;ci_upper;ci_method;"
          "suppressed;suppression_reason;approximate;quality_flags;data_as_of;run_id;spec_hash")
Q2 = "2020Q2;2020-04-01;2020-06-30;2020-06-30"
Q1 = "2020Q1;2020-01-01;2020-03-31;2020-03-31"
FLAGS71 = '"incomplete-followup;preliminary"'


def test_csv_exact_lines(small_output):
    path = export_output(small_output, "csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                         # UTF-8 BOM for Excel
    text = raw.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[-1] == "" and len(lines) == 1 + 41 + 1             # header, every row (all strata), final CRLF
    assert lines[0] == HEADER
    assert lines[1] == f"7.1;intygsstatistik;{Q2};00;Riket;K;T;T;T;;2400;50;48;dagar;46;50;t-mean;false;;true;{FLAGS71};2020-08-31;{PRE}"
    assert lines[3] == (f"7.1;intygsstatistik;{Q2};00;Riket;T;T;T;T;;5050;100;50.5;dagar;48.5;52.5;t-mean;false;;"
                        f"true;{FLAGS71};2020-08-31;{PRE}")
    # a unit row (not top-level) is exported, after the region's total
    assert lines[6].startswith("7.1;intygsstatistik;2020Q2;") and ";01;Stockholm;T;T;T;T;;2000;50;40;" in lines[6]
    assert ";01;Stockholm;T;T;T;T;VE1;300;10;30;" in lines[7]
    # suppressed: empty value, counts and interval; suppressed=true with its reason
    assert lines[8] == (f"7.1;intygsstatistik;{Q2};03;Uppsala;K;T;T;T;;;;;dagar;;;t-mean;true;primary: count < 5;"
                        f"true;{FLAGS71};2020-08-31;{PRE}")
    # 7.4 follows 7.1; 2020Q1 before 2020Q2; okänt län: 0 of 0, no value
    assert lines[11].startswith(f"7.4;midas;{Q1};00;Riket;K;")
    assert f"7.4;midas;{Q1};99;Okänt län;T;T;T;T;;0;0;;andel;;;wilson;false;;false;;2020-08-31;{PRE}" in lines
    assert f"7.4;midas;{Q1};01;Stockholm;T;16-29;T;T;;10;20;0.5;andel;" in "\n".join(lines)
    assert sum(1 for x in lines if x.startswith("7.4;midas;2020Q2;")) == 15
    assert all(";preliminary;" in x or x.endswith(PRE) for x in lines[1:-1])


def test_csv_decimal_comma(small_output, tmp_path):
    path = export_output(small_output, "csv", tmp_path / "x.csv", decimal_comma=True)
    lines = path.read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[3] == (f"7.1;intygsstatistik;{Q2};00;Riket;T;T;T;T;;5050;100;50,5;dagar;48,5;52,5;t-mean;false;;"
                        f"true;{FLAGS71};2020-08-31;{PRE}")
    assert lines[0] == HEADER
    row = next(x for x in lines if x.startswith(f"7.4;midas;{Q2};01;Stockholm;T;T;"))
    assert ";45;100;0,45;andel;0," in row and "." not in row.split(";")[15]


# ---------------------------------------------------------------- kolada

def test_kolada_json(small_output):
    path = export_output(small_output, "kolada")
    assert path == small_output / "export" / "kolada.json"
    recs = json.loads(path.read_text(encoding="utf-8"))
    assert [(r["kpi"], r["variant"], r["period"], r["municipality"]) for r in recs] == (
        [("7.1", "intygsstatistik", "2020Q2", c) for c in ("00", "01", "03")]
        + [("7.4", "midas", p, c) for p in ("2020Q1", "2020Q2") for c in ("00", "01", "03", "05", "99")])
    assert recs[0] == {"kpi": "7.1", "variant": "intygsstatistik", "municipality": "00", "period": "2020Q2",
                       "values": [{"gender": "K", "value": 48.0, "count": 50, "status": ""},
                                  {"gender": "M", "value": 53.0, "count": 50, "status": ""},
                                  {"gender": "T", "value": 50.5, "count": 100, "status": ""}]}
    by = {(r["kpi"], r["period"], r["municipality"]): r["values"] for r in recs}
    assert by[("7.4", "2020Q2", "03")] == [{"gender": "K", "value": None, "count": None, "status": "Suppressed"},
                                           {"gender": "M", "value": None, "count": None, "status": "Suppressed"},
                                           {"gender": "T", "value": 0.25, "count": 60, "status": ""}]
    assert by[("7.4", "2020Q1", "99")] == [{"gender": g, "value": None, "count": 0, "status": "Missing"}
                                           for g in "KMT"]
    assert all(v["status"] == "Suppressed" for v in by[("7.4", "2020Q1", "05")])
    assert by[("7.4", "2020Q2", "01")][2] == {"gender": "T", "value": 0.45, "count": 100, "status": ""}


# ---------------------------------------------------------------- errors and CLI

def test_bad_format_and_options(small_output):
    with pytest.raises(JobError, match="--format must be one of xlsx, csv, kolada"):
        export_output(small_output, "pdf")
    with pytest.raises(JobError, match="--decimal-comma applies to --format csv only"):
        export_output(small_output, "xlsx", decimal_comma=True)
    with pytest.raises(JobError, match="no indicator table"):
        export_output(small_output / "nope", "csv")


def test_cli_export_and_report(small_output, tmp_path):
    from typer.testing import CliRunner

    from indikatorer.cli import app
    runner = CliRunner()
    res = runner.invoke(app, ["export", str(small_output), "--format", "csv", "--decimal-comma",
                              "--out", str(tmp_path / "a.csv")])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == f"wrote {tmp_path / 'a.csv'}"
    res = runner.invoke(app, ["export", str(small_output), "--format", "kolada"])
    assert res.exit_code == 0 and (small_output / "export" / "kolada.json").is_file()
    res = runner.invoke(app, ["export", str(small_output), "--format", "xlsx", "--decimal-comma"])
    assert res.exit_code == 2 and "--decimal-comma applies to --format csv only" in res.output
    res = runner.invoke(app, ["report", str(small_output)])
    assert res.exit_code == 0 and res.output.strip() == f"report: {small_output / 'report' / 'index.html'}"
    res = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert res.exit_code == 2 and res.output.startswith("error: no indicator table")
