"""The cases are built ahead of the data-quality gate (``engine/prebuild.py``), while Great
Expectations is imported, and read by the measures without a second build; a failed build
is rolled back and left to the measures (the exclusion path: tests/quality/test_gate.py,
test_excluded_rows_…, fails when the cases built before an exclusion are kept)."""
from __future__ import annotations

import pytest

from helpers import midas_row, write_job, write_midas
from indikatorer.engine import context as context_mod
from indikatorer.engine import prebuild
from indikatorer.engine.runner import run_job
from indikatorer.job import load_job
from indikatorer.output.table import read_indicators
from indikatorer.quality.gate import QualityGate


@pytest.fixture(autouse=True)
def _no_html_report(monkeypatch):
    import indikatorer.engine.runner as runner
    monkeypatch.setattr(runner, "write_report_logged", lambda out: None, raising=False)


def _job(tmp_path, measures=("7.1", "7.4")):
    rows = [midas_row(f"P{i}", f"2020-{1 + i % 12:02d}-01", f"2020-{1 + i % 12:02d}-{10 + i % 15:02d}",
                      [25, 50, 100][i % 3], region=["01", "12"][i % 2]) for i in range(60)]
    src = write_midas(tmp_path, rows)
    return load_job(write_job(tmp_path, {"fk": {"kind": "midas", "path": str(src)}}, measures=list(measures)))


def test_cases_are_built_before_the_gate_and_once(tmp_path, monkeypatch):
    events = []
    real_build, real_gate = context_mod.build_cases, QualityGate.check_sources

    def build(*a, **k):
        events.append("build")
        return real_build(*a, **k)

    def gate(self, *a, **k):
        events.append("gate")
        return real_gate(self, *a, **k)
    monkeypatch.setattr(context_mod, "build_cases", build)
    monkeypatch.setattr(QualityGate, "check_sources", gate)
    run_job(_job(tmp_path))
    assert events == ["build", "gate"]


def test_a_failed_prebuild_is_rolled_back_and_the_measures_build_again(tmp_path, monkeypatch):
    reference = tmp_path / "ref"
    reference.mkdir()
    run_job(_job(reference))
    calls = []
    real_build = context_mod.build_cases

    def build(*a, **k):
        calls.append(k.get("prefix"))
        if len(calls) == 1:
            real_build(*a, **k)               # leaves its tables behind, then fails
            raise RuntimeError("boom")
        return real_build(*a, **k)
    monkeypatch.setattr(context_mod, "build_cases", build)
    failed = tmp_path / "failed"
    failed.mkdir()
    run_job(_job(failed))
    assert len(calls) == 2
    a, b = read_indicators(reference / "output"), read_indicators(failed / "output")
    cols = ["measure_id", "variant", "period", "region_code", "sex", "age_group", "diagnosis_group", "numerator",
            "denominator"]
    assert a[cols].sort_values(cols[:7]).reset_index(drop=True).equals(b[cols].sort_values(cols[:7]).reset_index(drop=True))


def test_only_the_cases_planned_measures_read_are_wanted(tmp_path):
    from indikatorer.engine.context import RunContext
    from indikatorer.engine.runner import plan_measures
    from indikatorer.spec.measures import load_catalogue, select_measures

    job = _job(tmp_path)

    class Src:
        def __init__(self, name, kind):
            self.name, self.kind = name, kind
    ctx = RunContext(job, None, {"fk": Src("fk", "midas"), "p": Src("p", "pas")}, job.period_list)
    plans = plan_measures(job, select_measures(["7.1", "7.4"], load_catalogue(None)), job.period_list, {}, None, True)
    assert [(s.name, g) for s, g in prebuild.wanted_cases(ctx, plans)] == [("fk", 5)]
    plans = plan_measures(job, select_measures(["2.2"], load_catalogue(None)), job.period_list, {}, None, True)
    assert prebuild.wanted_cases(ctx, plans) == []


def test_cases_built_before_an_exclusion_are_discarded(tmp_path):
    """A row the gate excludes (grade 30: ``midas.perioder/grade``) was in the cases built ahead
    of the gate: the measures read cases built again without it (same table as a clean run)."""
    def job(root, extra):
        rows = [midas_row(f"P{i}", f"2020-{1 + i % 12:02d}-01", f"2020-{1 + i % 12:02d}-{10 + i % 15:02d}",
                          [25, 50, 100][i % 3], region=["01", "12"][i % 2]) for i in range(240)]
        rows += [midas_row("X1", "2020-03-01", "2020-03-20", 30, region="01")] if extra else []
        root.mkdir()
        src = write_midas(root, rows)
        return load_job(write_job(root, {"fk": {"kind": "midas", "path": str(src)}}, measures=["7.1", "7.4"]))
    run_job(job(tmp_path / "clean", False))
    run_job(job(tmp_path / "dirty", True))
    import json
    manifest = json.loads((tmp_path / "dirty" / "output" / "manifest.json").read_text())
    assert [(x["check"], x["rows"]) for x in manifest["quality"]["excluded_rows"]] == [("grade", 1)]
    cols = ["measure_id", "variant", "period", "region_code", "sex", "age_group", "diagnosis_group", "numerator",
            "denominator", "value"]
    a = read_indicators(tmp_path / "clean" / "output")[cols].sort_values(cols[:7]).reset_index(drop=True)
    b = read_indicators(tmp_path / "dirty" / "output")[cols].sort_values(cols[:7]).reset_index(drop=True)
    assert a.equals(b)
