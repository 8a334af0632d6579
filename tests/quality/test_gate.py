"""The quality gate in a run: a critical failure (sources or indicator table) raises
QualityError and leaves the published output byte-identical; warnings flag the rows of the
measures that use the source and go to the manifest; excluded rows are counted and left out;
the report is self-contained and never shows person ids; `validate` runs only the checks."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import intyg_row, midas_row, write_intygsstatistik, write_job, write_midas, write_npe, npe_row
from indikatorer.engine.runner import run_job
from indikatorer.errors import QualityError
from indikatorer.job import load_job
from indikatorer.output.table import read_indicators

EXE = str(Path(sys.executable).with_name("indikatorer"))
MEASURES = ["7.4", "1.1"]


@pytest.fixture(autouse=True)
def _no_html_report(monkeypatch):
    """The other report (OUTPUT/report/) is not under test here and takes most of a run's time."""
    import indikatorer.engine.runner as runner
    monkeypatch.setattr(runner, "write_report_logged", lambda out: None, raising=False)


def _periods(n=120, bad_end=0, benefit=None):
    rows = []
    for i in range(n):
        start = f"2020-{1 + i % 12:02d}-{1 + i % 20:02d}"
        end = f"2020-{1 + i % 12:02d}-{8 + i % 20:02d}"
        rows.append(midas_row(f"P{i}", start, end, [25, 50, 75, 100][i % 4], diag=["F43.2", "M54.5"][i % 2],
                              sex="KM"[i % 2], region=["01", "05", "12", "25"][i % 4]))
    for i in range(bad_end):          # a person of their own whose only period ends before it starts
        rows.append(midas_row(f"BAD{i}", "2020-05-10", "2020-05-01", 100, region="05"))
    for i in range(benefit or 0):
        rows[i][4] = "XYZ"
    return rows


def _intyg(dup_id=False):
    certs = [intyg_row(f"c{i}", f"pat{i % 30}", f"2020-{1 + i % 12:02d}-05", lan=["01", "05"][i % 2],
                       sex="KM"[i % 2]) for i in range(60)]
    if dup_id:
        certs[1][0] = "c0"
    periods = [[f"c{i}", 100, f"2020-{1 + i % 12:02d}-05", f"2020-{1 + i % 12:02d}-25"] for i in range(60)]
    msgs = [[f"m{i}", f"c{i}", "KOMPLT", f"2020-{1 + i % 12:02d}-15"] for i in range(0, 60, 3)]
    return certs, periods, msgs


def _job(root: Path, *, dup_id=False, bad_end=0, benefit=None, measures=MEASURES) -> Path:
    write_midas(root, _periods(bad_end=bad_end, benefit=benefit))
    write_intygsstatistik(root, *_intyg(dup_id))
    return write_job(root, {"fk": {"kind": "midas", "path": "midas/"},
                            "inera": {"kind": "intygsstatistik", "path": "intyg/"}},
                     periods=["2020"], measures=measures, min_count=0)


def _snapshot(out: Path) -> dict[str, bytes]:
    """Every file of the output folder, through its links (``indicators``, ``manifest.json``,
    ``current``), and where each link points — except the lock and the quality report."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(out, followlinks=True):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = p.relative_to(out).as_posix()
            if rel == ".lock" or rel.split("/")[0] == "quality":
                continue
            if p.is_symlink():
                files[rel + " ->"] = os.readlink(p).encode()
            if p.is_file():
                files[rel] = p.read_bytes()
    return files


def test_critical_source_failure_leaves_previous_output_byte_identical(tmp_path):
    job = _job(tmp_path)
    run_job(load_job(job))
    out = tmp_path / "output"
    before = _snapshot(out)
    assert "manifest.json" in before and any(k.startswith("indicators/") for k in before)
    assert json.loads(before["manifest.json"])["quality"]["status"] == "passed"

    _job(tmp_path, dup_id=True)                         # same job, a duplicated intyg_id now
    with pytest.raises(QualityError) as err:
        run_job(load_job(job))
    assert err.value.exit_code == 1
    assert "inera.intyg/unique_intyg_id" in str(err.value) and "publication blocked" in str(err.value)
    after = _snapshot(out)
    assert after.keys() == before.keys()
    assert all(after[k] == before[k] for k in before), [k for k in before if after[k] != before[k]]
    summary = json.loads((out / "quality" / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["stage"] == "sources"
    assert not list((out / "versions").glob(".tmp-*"))


def test_critical_indicator_failure_blocks_publication(tmp_path, monkeypatch):
    import indikatorer.engine.runner as runner
    job = _job(tmp_path)
    run_job(load_job(job))
    out = tmp_path / "output"
    before = _snapshot(out)
    real = runner.compute

    def broken(*a, **k):              # a proportion whose numerator exceeds its denominator
        table = real(*a, **k)
        i = table.index[(table["value_unit"] == "andel") & (table["denominator"] > 0)][0]
        table.loc[i, "numerator"] = table.loc[i, "denominator"] + 1
        return table
    monkeypatch.setattr(runner, "compute", broken)
    with pytest.raises(QualityError, match="indicators/numerator_le_denominator"):
        run_job(load_job(job), force=True)
    assert _snapshot(out) == before
    summary = json.loads((out / "quality" / "summary.json").read_text())
    assert summary["stage"] == "indicators" and summary["status"] == "failed"


def test_warning_flags_the_rows_of_measures_using_the_source_and_the_manifest(tmp_path):
    job = _job(tmp_path, benefit=5)                     # 5 benefit periods of an unknown type
    run_job(load_job(job))
    df = read_indicators(tmp_path / "output")
    flag = "dq:midas.perioder.benefit_type"
    midas_rows = df[df["variant"].str.split(":").str[0].str.split("+").apply(lambda ks: "midas" in ks)]
    other = df[~df.index.isin(midas_rows.index)]
    assert len(midas_rows) and len(other)
    assert midas_rows["quality_flags"].fillna("").str.split(";").apply(lambda f: flag in f).all()
    assert not other["quality_flags"].fillna("").str.contains(flag, regex=False).any()
    manifest = json.loads((tmp_path / "output" / "manifest.json").read_text())
    q = manifest["quality"]
    assert q["status"] == "warnings" and "fk.perioder/benefit_type" in q["warnings"]
    assert q["flagged_rows"][flag] == len(midas_rows)
    assert q["critical_failed"] == [] and q["checks"] > 100


def test_excluded_rows_are_counted_in_the_manifest_and_left_out_of_the_measures(tmp_path):
    clean, dirty = tmp_path / "clean", tmp_path / "dirty"
    run_job(load_job(_job(clean, measures=["7.4", "7.2a"])))
    run_job(load_job(_job(dirty, bad_end=1, measures=["7.4", "7.2a"])))
    a = read_indicators(clean / "output")
    b = read_indicators(dirty / "output")
    manifest = json.loads((dirty / "output" / "manifest.json").read_text())
    assert manifest["quality"]["excluded_rows"] == [
        {"source": "fk", "table": "perioder", "check": "end_after_start", "reason": manifest["quality"]
         ["excluded_rows"][0]["reason"], "rows": 1}]
    assert "BAD0" not in json.dumps(manifest)
    key = ["measure_id", "variant", "period", "region_code", "sex", "age_group", "diagnosis_group", "care_level"]
    merged = a.merge(b, on=key, suffixes=("_a", "_b"))
    assert len(merged) == len(a) == len(b)
    for c in ("numerator", "denominator", "value"):
        pd.testing.assert_series_equal(merged[f"{c}_a"], merged[f"{c}_b"], check_names=False)
    # and the exclusion changed something: without it the bad row would count
    flags = b["quality_flags"].fillna("")
    assert flags.str.contains("dq:midas.perioder.end_after_start", regex=False).any()


def test_report_is_self_contained_and_summary_has_every_check(tmp_path):
    run_job(load_job(_job(tmp_path, benefit=5)))
    qdir = tmp_path / "output" / "quality"
    page = (qdir / "report.html").read_text(encoding="utf-8")
    for banned in ("http://", "https://", "<script", "<link", "<img", "@import"):
        assert banned not in page
    s = json.loads((qdir / "summary.json").read_text())
    assert s["overview"]["checks"] == len(s["checks"]) == s["overview"]["passed"] + s["overview"]["failed"] + \
        s["overview"]["errors"] + s["overview"]["skipped"]
    c = next(c for c in s["checks"] if c["id"] == "fk.perioder/benefit_type")
    assert (c["status"], c["severity"], c["unexpected_count"], c["element_count"]) == ("failed", "warning", 5, 120)
    assert c["unexpected_percent"] == pytest.approx(100 * 5 / 120, abs=1e-3)
    assert c["examples"] == [{"value": "XYZ", "count": 5}]
    assert {x["suite"] for x in s["suites"]} >= {"midas.perioder", "intygsstatistik.intyg", "indicators"}
    assert "fk.perioder/benefit_type" in page and "XYZ" in page


def test_person_ids_never_reach_the_report_or_the_terminal(tmp_path):
    secret = {"intyg": "INTYG-SECRET-1", "patient": "PAT-SECRET-1", "resp": "RESP-SECRET-1"}
    certs, periods, msgs = _intyg()
    certs[0][0] = certs[1][0] = secret["intyg"]            # duplicated certificate id (critical)
    certs[0][1] = secret["patient"]
    msgs.append(["m999", "INTYG-SECRET-2", "KOMPLT", "2020-03-01"])   # a message without certificate
    write_intygsstatistik(tmp_path, certs, periods, msgs)
    write_npe(tmp_path, [npe_row(secret["resp"], "BEMOTANDE", 4), npe_row(secret["resp"], "BEMOTANDE", 5),
                         npe_row("R2", "BEMOTANDE", 9, sex="X")])
    job = write_job(tmp_path, {"inera": {"kind": "intygsstatistik", "path": "intyg/"},
                               "npe": {"kind": "npe", "path": "npe/"}}, periods=["2020"], measures=["1.1"])
    res = subprocess.run([EXE, "validate", str(job)], capture_output=True, text=True, timeout=300,
                         env={k: v for k, v in os.environ.items() if k != "COLUMNS"})
    assert res.returncode == 1, res.stderr[-2000:]
    qdir = tmp_path / "output" / "quality"
    texts = [res.stdout, res.stderr, (qdir / "report.html").read_text(), (qdir / "summary.json").read_text()]
    for t in texts:
        for v in (*secret.values(), "INTYG-SECRET-2"):
            assert v not in t
    s = json.loads(texts[3])
    by = {c["id"]: c for c in s["checks"]}
    assert by["inera.intyg/unique_intyg_id"]["unexpected_count"] == 1                   # one value twice
    assert by["inera.intyg/unique_intyg_id"]["examples"] == [{"rows_with_the_same_value": 2}]
    assert by["npe.svar/one_answer_per_question"]["status"] == "failed"
    assert by["npe.svar/one_answer_per_question"]["examples_withheld"] is True
    assert by["npe.svar/sex_code"]["examples"] == [{"value": "X", "count": 1}]      # other columns: shown
    assert "identifier columns are not shown" in texts[2]
    assert "FAIL inera.intyg" in res.stdout
    assert len([line for line in res.stderr.splitlines() if line.startswith("error: ")]) == 1


def test_validate_runs_only_the_checks(tmp_path):
    job = _job(tmp_path, benefit=5)
    from indikatorer.engine.validate import validate_job
    text = validate_job(load_job(job))
    assert "data quality: warnings" in text and "benefit_type" in text
    out = tmp_path / "output"
    assert (out / "quality" / "summary.json").is_file() and (out / "quality" / "report.html").is_file()
    assert not (out / "indicators").exists() and not (out / "manifest.json").exists()
    assert json.loads((out / "quality" / "summary.json").read_text())["command"] == "validate"


def test_run_cli_exits_1_on_a_critical_failure(tmp_path):
    job = _job(tmp_path, dup_id=True)
    res = subprocess.run([EXE, "run", str(job)], capture_output=True, text=True, timeout=300,
                         env={k: v for k, v in os.environ.items() if k != "COLUMNS"})
    assert res.returncode == 1
    errors = [line for line in res.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "critical data-quality" in errors[0] and "report:" in errors[0]
    assert not (tmp_path / "output" / "manifest.json").exists()
    assert (tmp_path / "output" / "quality" / "report.html").is_file()


def test_a_critical_check_that_cannot_run_blocks_publication(tmp_path, monkeypatch):
    """An expectation that errors (here: SQL naming a missing column) is a failure of its
    severity, never a silent pass."""
    import indikatorer.quality.gate as gate
    from indikatorer.quality.suites import SuiteFile, load_suites
    real = load_suites()
    key = ("midas", "perioder")
    broken = {"type": "unexpected_rows_expectation", "meta": {"severity": "critical", "check": "broken",
                                                              "description": "d"},
              "kwargs": {"unexpected_rows_query": "SELECT _row FROM {batch} WHERE no_such_column = 1"}}
    s = real[key]
    patched = dict(real)
    patched[key] = SuiteFile(s.name, s.kind, s.table, s.path, {**s.data, "expectations": [broken]})
    monkeypatch.setattr(gate, "load_suites", lambda: patched)
    with pytest.raises(QualityError, match="fk.perioder/broken"):
        run_job(load_job(_job(tmp_path)))
    summary = json.loads((tmp_path / "output" / "quality" / "summary.json").read_text())
    c = next(c for c in summary["checks"] if c["check"] == "broken")
    assert c["status"] == "error" and c["error"]


@pytest.mark.parametrize("relation", ["TABLE", "VIEW"])     # Parquet sources are read in place as views
def test_exclusions_remove_exactly_the_failing_rows(session, relation):
    import sqlalchemy as sa
    from indikatorer.quality.checks import exclude_rows
    name = f"src_t_ex_{relation.lower()}"
    session.execute(sa.text(f"CREATE TEMPORARY {relation} {name} AS SELECT i AS _row, i % 5 AS g, "
                            "DATE '2020-01-10' AS s, DATE '2020-01-01' + CAST(i AS INTEGER) AS e FROM range(30) t(i)"))
    pair = {"type": "expect_column_pair_values_a_to_be_greater_than_b", "meta": {"severity": "warning"},
            "kwargs": {"column_A": "e", "column_B": "s", "or_equal": True}}
    in_set = {"type": "expect_column_values_to_be_in_set", "meta": {"severity": "warning"},
              "kwargs": {"column": "g", "value_set": [0, 1, 2, 3]}}
    rows = {"type": "unexpected_rows_expectation", "meta": {"severity": "warning"},
            "kwargs": {"unexpected_rows_query": "SELECT _row FROM {batch} WHERE _row >= 28"}}
    assert exclude_rows(session.conn, name, pair, {}, {}) == 9          # e < s for i = 0..8
    assert exclude_rows(session.conn, name, in_set, {}, {}) == 5        # g = 4: i = 9, 14, 19, 24, 29
    assert exclude_rows(session.conn, name, rows, {}, {}) == 1          # 28 (29 is gone)
    left = [r[0] for r in session.execute(sa.text(f"SELECT _row FROM {name} ORDER BY _row")).fetchall()]
    assert left == [i for i in range(9, 28) if i % 5 != 4]
    assert exclude_rows(session.conn, name, pair, {}, {}) == 0          # nothing left to exclude


def test_exclusions_work_on_parquet_sources_read_in_place(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from helpers import MIDAS_COLUMNS
    rows = _periods(bad_end=1)
    table = {c: [r[i] for r in rows] for i, c in enumerate(MIDAS_COLUMNS)}
    for c in ("startdatum", "slutdatum"):
        table[c] = [__import__("datetime").date.fromisoformat(v) for v in table[c]]
    (tmp_path / "midas").mkdir()
    pq.write_table(pa.table(table), tmp_path / "midas" / "perioder.parquet")
    job = write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas/"}}, periods=["2020"], measures=["7.4"])
    run_job(load_job(job))
    q = json.loads((tmp_path / "output" / "manifest.json").read_text())["quality"]
    assert [(x["check"], x["rows"]) for x in q["excluded_rows"]] == [("end_after_start", 1)]
