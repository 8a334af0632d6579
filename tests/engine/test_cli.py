"""End-to-end: `indikatorer run` as a subprocess — output layout, exit codes, one-line errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from helpers import intyg_row, midas_row as r, write_intygsstatistik, write_job, write_midas

EXE = str(Path(sys.executable).with_name("indikatorer"))


def _cli(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def _job(tmp_path, **kw):
    rows = [r(f"P{n}", "2020-01-01", f"2020-0{1 + n % 5}-2{n % 9}", 50 if n % 3 else 100,
              diag=["F43.2", "M54.5", "J06"][n % 3], sex="KM"[n % 2], region=["01", "05", "12"][n % 3])
            for n in range(40)]
    write_midas(tmp_path, rows)
    write_intygsstatistik(tmp_path, [intyg_row("c1", "X", "2020-02-01")], [["c1", 100, "2020-02-01", "2020-03-01"]],
                          [["m1", "c1", "KOMPLT", "2020-02-10"]])
    return write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas/"},
                                "inera": {"kind": "intygsstatistik", "path": "intyg/"}},
                     periods=["2020", "2020Q1"], min_count=5, **kw)


def test_run_writes_partitioned_table_and_manifest(tmp_path):
    job = _job(tmp_path)
    res = _cli("run", "--no-report", str(job))
    assert res.returncode == 0, res.stderr
    assert "manifest" in res.stdout
    out = tmp_path / "output"
    table = ds.dataset(out / "indicators").to_table()
    from indikatorer.output.table import COLUMNS
    assert table.schema.names == COLUMNS
    parts = sorted(p.relative_to(out / "indicators").as_posix() for p in (out / "indicators").rglob("data.parquet"))
    assert "measure_id=7.1/period=2020/data.parquet" in parts
    assert "measure_id=7.2b/period=2020Q1/data.parquet" in parts
    assert "measure_id=1.1/period=2020/data.parquet" in parts
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["data_as_of"] == "2021-06-30"
    assert manifest["inputs"]["fk.perioder"]["fingerprint"].startswith("sha256:")
    assert manifest["measures"]["7.1"]["variants"]["midas"]["rows"] > 0
    # no person id anywhere in the output
    blob = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    for pid in ("P1", "P17", "P39"):
        assert f"\x00{pid}\x00".encode() not in blob and f'"{pid}"'.encode() not in blob
    df = table.to_pandas()
    assert not any(df[c].astype(str).isin(["P1", "P17", "P39"]).any() for c in df.columns)
    # margins and suppression: region 00 totals are computed from cases, suppressed cells are null
    sup = df[df.suppressed]
    assert len(sup) and sup.value.isna().all() and sup.numerator.isna().all()


def test_rerun_replaces_partitions(tmp_path):
    job = _job(tmp_path)
    assert _cli("run", "--no-report", str(job)).returncode == 0
    first = json.loads((tmp_path / "output" / "manifest.json").read_text())["run_id"]
    res = _cli("run", "--no-report", str(job))                          # nothing changed: nothing recomputed
    assert res.returncode == 0 and "nothing changed" in res.stdout
    assert json.loads((tmp_path / "output" / "manifest.json").read_text())["run_id"] == first
    assert _cli("run", "--no-report", "--force", str(job)).returncode == 0
    df = ds.dataset(tmp_path / "output" / "indicators").to_table().to_pandas()
    assert df.run_id.nunique() == 1 and df.run_id.iloc[0] != first
    assert not list((tmp_path / "output").rglob("*.tmp"))


@pytest.mark.parametrize("measures,code,words", [
    (["9.9"], 2, "unknown measure id `9.9`"),
    (["7.5"], 0, None),
])
def test_exit_codes(tmp_path, measures, code, words):
    job = _job(tmp_path, measures=measures)
    res = _cli("run", "--no-report", str(job))
    assert res.returncode == code, res.stderr
    if words:
        assert res.stderr.strip().splitlines()[-1] == f"error: {words} (see `indikatorer measures`)"


def test_refused_measure_and_unreadable_source(tmp_path):
    write_intygsstatistik(tmp_path, [intyg_row("c1", "X", "2020-02-01")], [["c1", 100, "2020-02-01", "2020-03-01"]])
    job = write_job(tmp_path, {"inera": {"kind": "intygsstatistik", "path": "intyg/"}}, measures=["7.5"])
    res = _cli("run", "--no-report", str(job))
    assert res.returncode == 2
    assert "person-linked" in res.stderr and "Traceback" not in res.stderr
    (tmp_path / "intyg" / "intyg_perioder.csv").write_text("intyg_id;grad;startdatum;slutdatum\nc1;100;2020-02-01;x\n")
    res = _cli("run", "--no-report", str(write_job(tmp_path, {"inera": {"kind": "intygsstatistik", "path": "intyg/"}}, measures=["7.1"])))
    assert res.returncode == 3
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("error: file ") and "column `slutdatum`, row 1" in last and "Traceback" not in res.stderr


def test_bad_command_line_and_missing_job(tmp_path):
    assert _cli("run").returncode == 2
    res = _cli("run", "--no-report", str(tmp_path / "nope.yaml"))
    assert res.returncode == 2 and "not found" in res.stderr


def test_measures_lists_catalogue():
    res = _cli("measures")
    assert res.returncode == 0
    for mid in ("7.1", "7.2a", "7.5", "1.1", "1.2"):
        assert mid in res.stdout
