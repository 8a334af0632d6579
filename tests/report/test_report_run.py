"""The report at the end of `run`: written after the manifest, path printed; a report failure
is logged and does not fail the run."""
from __future__ import annotations

import pytest

from helpers import midas_row as r, write_job, write_midas
from indikatorer.engine.runner import run_job
from indikatorer.job import load_job

ROWS = [r("A", "2020-02-01", "2020-06-20"), r("B", "2020-02-01", "2020-03-20", sex="M", region="01"),
        r("C", "2020-03-01", "2020-09-10", region="01"), r("D", "2020-01-10", "2020-02-28", sex="M")]


def _job(tmp_path):
    write_midas(tmp_path, ROWS)
    return write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas/"}}, periods=["2020"], measures=["7.3", "7.4"],
                     min_count=0)


def test_run_writes_the_report(tmp_path, monkeypatch):
    monkeypatch.delenv("INDIKATORER_REPORT", raising=False)
    result = run_job(load_job(_job(tmp_path)))
    assert result.published and result.report == result.output / "report" / "index.html"
    html = result.report.read_text(encoding="utf-8")
    assert html.count('<figure class="chart"') == 2                     # 7.3 midas, 7.4 midas
    assert result.run_id in html


def test_cli_run_prints_the_report_path(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from indikatorer.cli import app
    monkeypatch.delenv("INDIKATORER_REPORT", raising=False)
    job = _job(tmp_path)
    res = CliRunner().invoke(app, ["run", str(job)])
    assert res.exit_code == 0, res.output
    assert f"report: {tmp_path / 'output' / 'report' / 'index.html'}" in res.output


def test_report_failure_does_not_fail_the_run(tmp_path, monkeypatch, capsys):
    import indikatorer.report

    def broken(*a, **k):
        raise RuntimeError("chart engine exploded")
    monkeypatch.delenv("INDIKATORER_REPORT", raising=False)
    monkeypatch.setattr(indikatorer.report, "write_report", broken)
    result = run_job(load_job(_job(tmp_path)))
    assert result.published and result.report is None
    assert (result.output / "manifest.json").is_file()
    assert "report not written: RuntimeError: chart engine exploded" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "false"])
def test_report_can_be_switched_off(tmp_path, monkeypatch, value):
    monkeypatch.setenv("INDIKATORER_REPORT", value)
    result = run_job(load_job(_job(tmp_path)))
    assert result.published and result.report is None and not (result.output / "report").exists()
