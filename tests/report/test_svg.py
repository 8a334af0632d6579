"""The chart renderer: worker processes fed one chart at a time (warmed at their start), charts from
a generator, and the SVG cache by content hash."""
from __future__ import annotations

import pytest

from indikatorer.report import svg


def spec(label: str, x: float = 1.0) -> dict:
    return {"data": {"values": [{"a": x, "b": label}]}, "mark": "text",
            "encoding": {"x": {"field": "a", "type": "quantitative"}, "text": {"field": "b"}}}


ITEMS = [(f"p{i}", spec(f"label-{i}", i)) for i in range(6)]


@pytest.fixture(scope="module")
def here():
    return svg.render_many(ITEMS, workers=1)


def test_generator_and_workers_give_the_same_svgs(here):
    assert [f"label-{i}" in s for i, s in enumerate(here)] == [True] * 6
    assert svg.render_many(iter(ITEMS), workers=2, expected=len(ITEMS)) == here
    assert svg.render_many((x for x in ITEMS), workers=1, expected=len(ITEMS)) == here


def test_a_chart_a_worker_fails_on_is_rendered_here(here, monkeypatch):
    real = svg._Worker.render

    def flaky(self, prefix, spec_):
        if prefix in ("p1", "p4"):
            raise ValueError("worker failed")
        return real(self, prefix, spec_)
    monkeypatch.setattr(svg._Worker, "render", flaky)
    assert svg.render_many(ITEMS, workers=2) == here


def test_cache_renders_each_chart_once_and_keeps_only_the_latest(here, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    (cache).mkdir()
    (cache / "stale.svg").write_text("<svg></svg>")
    assert svg.render_many(ITEMS, workers=1, cache=cache) == here
    names = sorted(p.name for p in cache.iterdir())
    assert len(names) == 6 and "stale.svg" not in names

    def boom(spec_, prefix):
        raise AssertionError("rendered again")
    monkeypatch.setattr(svg, "to_svg", boom)
    assert svg.render_many(ITEMS, workers=2, cache=cache) == here            # nothing rendered, no worker
    assert svg.render_many(ITEMS[:3], workers=1, cache=cache) == here[:3]
    assert len(list(cache.iterdir())) == 3                                   # pruned to the latest charts
    monkeypatch.undo()

    # a changed spec, another prefix and a damaged file are rendered again
    (cache / f"{svg.cache_key('p0', ITEMS[0][1])}.svg").write_text("<svg")
    changed = [ITEMS[0], ("p1", spec("label-1", 2.5)), ("q2", ITEMS[2][1])]
    got = svg.render_many(changed, workers=1, cache=cache)
    assert got[0] == here[0]
    assert got[1] != here[1] and "label-1" in got[1]
    assert got[2] == here[2]                          # (this chart has no element ids to prefix)
    assert svg.cache_key("p0", ITEMS[0][1]) != svg.cache_key("p1", ITEMS[0][1])


def test_a_report_rerun_renders_no_chart(small_output, monkeypatch):
    import re

    from indikatorer.report import CACHE_DIR, write_report

    def page(path):
        return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "TS", path.read_text(encoding="utf-8"))
    first = page(write_report(small_output))
    cache = small_output / "report" / CACHE_DIR
    n = len(list(cache.glob("*.svg")))
    assert n == first.count("<svg ") > 0

    def boom(spec_, prefix):
        raise AssertionError("rendered again")
    monkeypatch.setattr(svg, "to_svg", boom)
    monkeypatch.setattr(svg, "_start", lambda n: pytest.fail("worker started"))
    # a cached chart is found by its cells (html.chart_key): its spec is not even built
    from indikatorer.report import charts
    monkeypatch.setattr(charts, "measure_chart", lambda *a, **k: pytest.fail("chart spec built"))
    assert page(write_report(small_output)) == first
    assert len(list(cache.glob("*.svg"))) == n


def test_the_chart_key_follows_the_cells_and_the_chart_code(small_output, monkeypatch):
    """``html.chart_key``: another value in any cell, another variant, or another version of
    the chart code gives another key; the run id alone does not (a re-run hits the cache)."""
    from indikatorer.report import html
    from indikatorer.report.data import load_output
    data = load_output(small_output)
    view = html._view(data, "7.4", "midas")
    key = html.chart_key(view)
    rerun = html.make_view(view.rows.assign(run_id="another-run"), "7.4", "midas", "proportion")
    assert html.chart_key(rerun) == key
    for col, value in (("value", 0.123), ("quality_flags", "dq:x"), ("region_name", "X"), ("suppressed", True)):
        rows = view.rows.copy()
        rows.iloc[0, rows.columns.get_loc(col)] = value
        assert html.chart_key(html.make_view(rows, "7.4", "midas", "proportion")) != key, col
    assert html.chart_key(html.make_view(view.rows, "7.4", "midas:persons", "proportion")) != key
    assert html.chart_key(html.make_view(view.rows, "7.4", "midas", "mean")) != key      # not a proportion
    monkeypatch.setattr(svg, "_code_version", None)
    monkeypatch.setattr(svg, "RENDER_VERSION", svg.RENDER_VERSION + "-next")
    assert html.chart_key(view) != key


def _dejavu_installed() -> bool:
    from pathlib import Path
    dirs = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts",
            Path.home() / ".local/share/fonts"]
    return any(next(d.rglob("DejaVuSans.ttf"), None) for d in dirs if d.is_dir())


def _text_chart(rng, font: str = "DejaVu Sans, Liberation Sans, Arial, sans-serif") -> dict:
    """A chart whose layout depends on the width of every text: labels of random characters of
    ``MEASURE_CHARS`` (kerned pairs among them), a bold title, a legend, Swedish numbers."""
    chars = [chr(c) for c in sorted(svg.MEASURE_CHARS)]
    words = ["AV", "To", "Ty", "Västra Götaland", "Örebro", "W.A.", "LT", "yr", "–", "1 234,5"]

    def label():
        n = int(rng.integers(1, 18))
        return (rng.choice(words) + "".join(rng.choice(chars, n))).strip() or "x"
    rows = [{"region": f"{i} {label()}", "v": float(rng.normal(0, 10 ** int(rng.integers(0, 6)))),
             "g": label()[:8]} for i in range(int(rng.integers(3, 12)))]
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "data": {"values": rows},
            "config": {"font": font, "axis": {"labelOverlap": False}, "legend": {"labelLimit": 0}},
            "title": {"text": label(), "subtitle": label(), "fontWeight": "bold"}, "width": 200,
            "mark": {"type": "point", "filled": True},
            "encoding": {"y": {"field": "region", "type": "nominal", "axis": {"labelLimit": 0}},
                         "x": {"field": "v", "type": "quantitative", "axis": {"format": ",.4~g"}, "title": label()},
                         "color": {"field": "g", "type": "nominal", "title": label()}}}


@pytest.mark.skipif(not _dejavu_installed(), reason="the comparison needs the system's DejaVu Sans")
def test_the_small_measuring_font_lays_charts_out_as_dejavu_sans():
    """The fast path (text measured with the cut-down IndikatorSans) gives the same SVG, byte for
    byte, as measuring with the system's DejaVu Sans, on random text of every character it has."""
    import numpy as np
    rng = np.random.default_rng(6)
    assert svg._register_fonts()
    for i in range(12):
        spec_ = _text_chart(rng)
        assert svg.measure_with_small_font(spec_) is not None
        fast, slow = svg.to_svg(spec_, f"t{i}"), svg.to_svg(spec_, f"t{i}", small_font=False)
        assert svg.MEASURE_FONT not in fast
        assert fast == slow, i


def test_the_small_font_is_only_used_where_it_measures_as_dejavu_sans():
    import numpy as np
    rng = np.random.default_rng(1)
    spec_ = _text_chart(rng)
    small = svg.measure_with_small_font(spec_)
    assert small["config"]["font"].startswith(f"{svg.MEASURE_FONT}, DejaVu Sans")
    assert spec_["config"]["font"].startswith("DejaVu Sans")                       # not changed in place
    assert svg.measure_with_small_font(_text_chart(rng, font="Liberation Sans, sans-serif")) is None
    assert svg.measure_with_small_font({**spec_, "config": {}}) is None
    other = _text_chart(rng)
    other["data"]["values"][0]["region"] += "\u2211"                              # a character it lacks
    assert svg.measure_with_small_font(other) is None
    other = _text_chart(rng)
    other["title"]["text"] = "a\nb"                                               # a control character
    assert svg.measure_with_small_font(other) is None
