"""Charts rendered in the background while a run computes (report/prerender.py): the report of
the run then finds every chart in its cache and renders none itself; a broken pre-renderer
costs only the cache hits."""
from __future__ import annotations

from helpers import midas_row as r, write_job, write_midas
from indikatorer.engine import runner
from indikatorer.job import load_job
from indikatorer.report import prerender, svg

ROWS = [r("A", "2020-02-01", "2020-06-20"), r("B", "2020-02-01", "2020-03-20", sex="M", region="01"),
        r("C", "2020-03-01", "2020-09-10", region="01"), r("D", "2020-01-10", "2020-02-28", sex="M"),
        r("E", "2020-05-01", "2020-11-30", region="03")]


def _job(tmp_path):
    write_midas(tmp_path, ROWS)
    return write_job(tmp_path, {"fk": {"kind": "midas", "path": "midas/"}}, periods=["2020", "2020Q2"],
                     measures=["7.1", "7.3", "7.4"], min_count=0)


def _count_renders(monkeypatch) -> list:
    """Charts the report renders itself (in this process: INDIKATORER_REPORT_WORKERS=1)."""
    calls = []
    real = svg.to_svg
    monkeypatch.setenv("INDIKATORER_REPORT_WORKERS", "1")
    monkeypatch.setattr(svg, "to_svg", lambda spec, prefix, *a, **k: calls.append(prefix) or real(spec, prefix, *a, **k))
    return calls


def test_the_report_finds_every_prerendered_chart(tmp_path, monkeypatch):
    monkeypatch.delenv("INDIKATORER_REPORT", raising=False)
    # the run ends the background process when it has published: here it first renders all it got
    monkeypatch.setattr(prerender.Prerenderer, "published", prerender.Prerenderer.drain)
    calls = _count_renders(monkeypatch)
    result = runner.run_job(load_job(_job(tmp_path)))
    html = result.report.read_text(encoding="utf-8")
    charts = html.count('<figure class="chart"')
    assert charts >= 5                                  # 7.1 midas and its variants, 7.3, 7.4
    assert calls == []                                  # every chart came from the cache
    cache = result.output / "report" / ".svg-cache"
    assert len(list(cache.glob("*.svg"))) == charts


def test_without_prerendering_the_report_renders_every_chart(tmp_path, monkeypatch):
    monkeypatch.delenv("INDIKATORER_REPORT", raising=False)
    monkeypatch.setattr(runner, "_chart_prerenderer", lambda out: None)
    calls = _count_renders(monkeypatch)
    result = runner.run_job(load_job(_job(tmp_path)))
    assert len(calls) == result.report.read_text(encoding="utf-8").count('<figure class="chart"') >= 5


def test_a_broken_prerenderer_does_not_fail_the_run(tmp_path, monkeypatch):
    import indikatorer.output.table as table

    def broken(*a, **k):
        raise RuntimeError("no arrow today")
    monkeypatch.delenv("INDIKATORER_REPORT", raising=False)
    monkeypatch.setattr(table, "to_arrow", broken)      # what the pre-renderer converts the rows with
    monkeypatch.setattr(prerender.Prerenderer, "published", prerender.Prerenderer.drain)
    calls = _count_renders(monkeypatch)
    result = runner.run_job(load_job(_job(tmp_path)))
    assert result.published
    assert len(calls) == result.report.read_text(encoding="utf-8").count('<figure class="chart"') >= 5
