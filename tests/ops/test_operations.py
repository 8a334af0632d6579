"""Operations: incremental re-runs, crash safety (SIGKILL at each step), the output lock,
history, hostile names and file permissions."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from helpers import intyg_row, midas_row as r, write_intygsstatistik, write_job, write_midas, write_table, MIDAS_COLUMNS

EXE = str(Path(sys.executable).with_name("indikatorer"))


def _cli(*args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=env, timeout=300)


def _data(tmp_path, n=30):
    rows = [r(f"P{k}", "2020-01-01", f"2020-0{1 + k % 5}-2{k % 9}", 50 if k % 3 else 100, sex="KM"[k % 2])
            for k in range(n)]
    write_midas(tmp_path, rows)
    write_intygsstatistik(tmp_path, [intyg_row("c1", "X", "2020-02-01")], [["c1", 100, "2020-02-01", "2020-03-01"]])


def _job(tmp_path, **kw):
    kw.setdefault("measures", ["7.1", "7.4", "1.1"])
    return write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas/"},
                                "inera": {"kind": "intygsstatistik", "path": "intyg/"}}, **kw)


def _manifest(tmp_path):
    return json.loads((tmp_path / "output" / "manifest.json").read_text())


def _snapshot(out: Path) -> dict[str, bytes]:
    cur = out / "current"
    root = cur.resolve()
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _consistent(out: Path) -> str:
    """The published output reads, and its manifest lists exactly the partitions present."""
    m = json.loads((out / "manifest.json").read_text())
    files = {f"{p.parent.parent.name.split('=')[1]}/{p.parent.name.split('=')[1]}"
             for p in (out / "indicators").rglob("data.parquet")}
    assert files == set(m["partitions"]), (files, set(m["partitions"]))
    t = ds.dataset(out / "indicators").to_table()
    assert t.num_rows > 0
    return m["run_id"]


def test_incremental_recomputes_only_what_changed(tmp_path):
    from helpers import run
    from indikatorer.engine.runner import run_job
    from indikatorer.job import load_job
    _data(tmp_path)
    res = run_job(load_job(_job(tmp_path, periods=["2020Q1"])))
    assert sorted(res.measures) == ["1.1", "7.1", "7.4"] and not res.unchanged
    # a new period: only it is computed
    res = run_job(load_job(_job(tmp_path, periods=["2020Q1", "2020Q2"])))
    assert sorted(res.unchanged) == ["1.1/2020Q1", "7.1/2020Q1", "7.4/2020Q1"]
    assert set(_manifest(tmp_path)["recomputed"]) == {"1.1/2020Q2", "7.1/2020Q2", "7.4/2020Q2"}
    before = _snapshot(tmp_path / "output")
    # a changed MiDAS file: the MiDAS measures are recomputed, 1.1 (Intygsstatistik) is not
    time.sleep(0.01)
    rows = [r("P1", "2020-01-01", "2020-03-01")]
    write_midas(tmp_path, rows)
    res = run_job(load_job(_job(tmp_path, periods=["2020Q1", "2020Q2"])))
    assert sorted(res.unchanged) == ["1.1/2020Q1", "1.1/2020Q2"]
    after = _snapshot(tmp_path / "output")
    key = "indicators/measure_id=1.1/period=2020Q1/data.parquet"
    assert after[key] == before[key]                          # carried over byte-identical
    # a changed option of one measure: only that measure
    res = run_job(load_job(_job(tmp_path, periods=["2020Q1", "2020Q2"], options={"7.1": {"min_length_days": 20}})))
    assert sorted(res.measures) == ["7.1"]
    # nothing changed: no new version; --force recomputes all
    res = run_job(load_job(_job(tmp_path, periods=["2020Q1", "2020Q2"], options={"7.1": {"min_length_days": 20}})))
    assert not res.published and len(res.unchanged) == 6
    res = run_job(load_job(_job(tmp_path, periods=["2020Q1", "2020Q2"], options={"7.1": {"min_length_days": 20}})),
                  force=True)
    assert res.published and not res.unchanged
    _consistent(tmp_path / "output")


@pytest.mark.parametrize("point", ["before_write", "after_write", "before_publish", "before_switch", "after_switch"])
def test_sigkill_at_each_step_keeps_output_consistent(tmp_path, point):
    _data(tmp_path)
    job = _job(tmp_path, measures=["7.4", "1.1"])
    assert _cli("run", "--no-report", str(job)).returncode == 0
    first = _consistent(tmp_path / "output")
    before = _snapshot(tmp_path / "output")
    res = _cli("run", "--no-report", "--force", str(job), env_extra={"INDIKATORER_CRASH_AT": point})
    assert res.returncode == -9                                  # killed
    run_id = _consistent(tmp_path / "output")                    # readable and consistent
    if point == "after_switch":
        assert run_id != first                                   # the new version was complete
    else:
        assert run_id == first and _snapshot(tmp_path / "output") == before
    res = _cli("run", "--no-report", "--force", str(job))                       # the next run completes
    assert res.returncode == 0, res.stderr
    _consistent(tmp_path / "output")
    assert not list((tmp_path / "output" / "versions").glob(".tmp-*"))


def test_second_run_is_refused_or_waits_for_the_lock(tmp_path):
    from indikatorer.output.lock import output_lock
    _data(tmp_path)
    job = _job(tmp_path)
    with output_lock(tmp_path / "output", run_id="holder"):
        res = _cli("run", "--no-report", str(job))
        assert res.returncode == 5
        line = res.stderr.strip().splitlines()[-1]
        assert "is locked by another run" in line and f"pid {os.getpid()}" in line

    # waiting: a holder that lets go after a moment
    holder = subprocess.Popen([sys.executable, "-c",
                               "import sys,time; from pathlib import Path; from indikatorer.output.lock import output_lock\n"
                               f"with output_lock(Path({str(tmp_path / 'output')!r})):\n"
                               "    print('held', flush=True); time.sleep(1.5)"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    res = _cli("run", "--no-report", "--wait", "30", str(job))
    holder.wait()
    assert res.returncode == 0, res.stderr


def test_stale_lock_of_a_killed_process_does_not_block(tmp_path):
    _data(tmp_path)
    job = _job(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c",
                               "import time; from pathlib import Path; from indikatorer.output.lock import output_lock\n"
                               f"with output_lock(Path({str(tmp_path / 'output')!r})):\n"
                               "    print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait()
    assert (tmp_path / "output" / ".lock").exists()              # the file stays, the lock does not
    assert _cli("run", "--no-report", str(job)).returncode == 0


def test_history_lists_runs(tmp_path):
    _data(tmp_path)
    job = _job(tmp_path)
    assert _cli("run", "--no-report", str(job)).returncode == 0
    assert _cli("run", "--no-report", "--force", str(job)).returncode == 0
    res = _cli("history", str(tmp_path / "output"))
    assert res.returncode == 0
    runs = sorted(p.stem for p in (tmp_path / "output" / "history").glob("*.json"))
    assert len(runs) == 2 and all(rid[:15] in res.stdout for rid in runs)


def test_json_log_lines_without_a_terminal(tmp_path):
    _data(tmp_path)
    res = _cli("run", "--no-report", str(_job(tmp_path)))
    lines = [json.loads(x) for x in res.stderr.strip().splitlines()]
    assert lines and all({"ts", "level", "msg"} <= set(x) for x in lines)


def test_hostile_column_and_table_names_are_quoted(tmp_path):
    evil_col = 'x"; DROP TABLE src_fk_perioder; --'
    evil_table = "per'ioder; DROP"
    cols = [evil_col if c == "person_id" else c for c in MIDAS_COLUMNS]
    write_table(tmp_path / "midas", evil_table, cols, [r("P1", "2020-01-01", "2020-02-01")])
    job = write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas/", "tables": {"perioder": evil_table},
                                      "columns": {"perioder": {"person_id": evil_col}}}}, measures=["7.1"])
    from helpers import cell, run
    df = run(job)
    assert cell(df, "7.1", "midas").denominator == 1


def test_output_permissions_do_not_widen_the_inputs(tmp_path):
    _data(tmp_path)
    for f in (tmp_path / "midas").iterdir():
        os.chmod(f, 0o600)
    for f in (tmp_path / "intyg").iterdir():
        os.chmod(f, 0o600)
    assert _cli("run", "--no-report", str(_job(tmp_path))).returncode == 0
    files = [p for p in (tmp_path / "output" / "current").resolve().rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in files)


def test_finishing_thread_keeps_the_table_and_raises_its_errors(tmp_path, monkeypatch):
    """The variants' pandas finishing runs in a second thread while the next variant is
    evaluated: the table must not depend on which finishes first, and an error there stops the
    run with nothing published."""
    import random

    from indikatorer.engine import runner
    from indikatorer.engine.runner import run_job
    from indikatorer.job import load_job
    from indikatorer.output.table import read_indicators
    _data(tmp_path)
    job = load_job(_job(tmp_path, periods=["2020Q1"]))
    run_job(job, report=False)
    plain = read_indicators(job.output_dir).drop(columns=["run_id"])
    real = runner.to_indicator_rows
    rnd = random.Random(7)

    def slow(*a, **k):                      # finishing slower than the next evaluation, at random
        time.sleep(rnd.choice([0.0, 0.05, 0.2]))
        return real(*a, **k)
    monkeypatch.setattr(runner, "to_indicator_rows", slow)
    res = run_job(job, report=False, force=True)
    again = read_indicators(job.output_dir).drop(columns=["run_id"])
    assert len(again) == len(plain) > 0
    assert again.equals(plain)
    assert list(res.measures) == ["7.1", "7.4", "1.1"]          # the manifest in the job's order
    before = _snapshot(tmp_path / "output")
    calls = []

    def fail_second(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("finishing failed")
        return real(*a, **k)
    monkeypatch.setattr(runner, "to_indicator_rows", fail_second)
    with pytest.raises(RuntimeError, match="finishing failed"):
        run_job(job, report=False, force=True)
    assert _snapshot(tmp_path / "output") == before              # nothing published
