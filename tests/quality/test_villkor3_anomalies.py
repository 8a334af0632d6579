"""The known anomalies of the 2020 villkor 3 reports (Försäkringskassan, seed 000, "Kända
avvikelser") are caught by the villkor 3 suites on the hand-typed seed fixture: Gotland sent no
report, Skåne reported treatments but no contacts, Kronoberg's contact share is 99 %."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import write_job
from indikatorer.engine.validate import validate_job
from indikatorer.job import load_job

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "villkor3_2020"
ANOMALIES = {"v3.behandlingar/region_reported": ["09"], "v3.kontakter/contacts_reported": ["12"],
             "v3.kontakter/contact_share_plausible": ["07"]}


def _job(root: Path, **extra) -> Path:
    shutil.copytree(FIXTURE / "villkor3", root / "villkor3")
    shutil.copytree(FIXTURE / "population", root / "population")
    return write_job(root, {"v3": {"kind": "villkor3", "path": "villkor3/"},
                            "pop": {"kind": "population", "path": "population/"}},
                     data_as_of="2021-10-18", periods=["2020"], measures=["V3.4"], **extra)


def _failed(root: Path) -> dict[str, list[str]]:
    s = json.loads((root / "output" / "quality" / "summary.json").read_text())
    return {c["id"]: c["regions"] for c in s["checks"] if c["status"] != "passed"}


def test_the_three_known_anomalies_and_nothing_else(tmp_path):
    text = validate_job(load_job(_job(tmp_path)))
    assert _failed(tmp_path) == ANOMALIES
    assert "data quality: warnings" in text


def test_skane_without_any_contact_row_values_is_caught_too(tmp_path):
    job = _job(tmp_path)
    path = tmp_path / "villkor3" / "kontakter.csv"
    lines = [("2020;Skåne;;" if ";Skåne;" in line else line) for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    validate_job(load_job(job))
    assert _failed(tmp_path)["v3.kontakter/contacts_reported"] == ["12"]


def test_the_contact_share_limit_is_a_job_option(tmp_path):
    validate_job(load_job(_job(tmp_path, options={"implausible_contact_share": 0.995})))   # 203/205 = 99.0 %
    assert "v3.kontakter/contact_share_plausible" not in _failed(tmp_path)


def test_agrees_with_the_villkor3_engine_s_findings(tmp_path):
    """Cross-check with ``villkor3_findings`` (the engine's own compilation of the reports)."""
    villkor3 = pytest.importorskip("indikatorer.villkor3")
    from indikatorer.engine.session import open_session
    from indikatorer.sources import load_source
    job = load_job(_job(tmp_path))
    with open_session() as s:
        findings = villkor3.villkor3_findings(villkor3.read_reports(s, load_source(s, job, "v3")), 2020)
    theirs = {(f["check"], f["region"]) for f in findings}
    assert ("missing-report", "09") in theirs
    assert ("no-contacts-reported", "12") in theirs
    assert ("implausible-contact-share", "07") in theirs


def test_warnings_flag_only_the_county_s_rows_and_riket(tmp_path, monkeypatch):
    import indikatorer.engine.runner as runner
    from indikatorer.engine.runner import run_job
    from indikatorer.output.table import read_indicators
    monkeypatch.setattr(runner, "write_report_logged", lambda out: None, raising=False)
    run_job(load_job(_job(tmp_path)))
    df = read_indicators(tmp_path / "output")
    flags = df.set_index(["variant", "region_code"])["quality_flags"].fillna("")
    share = "dq:villkor3.kontakter.contact_share_plausible"
    assert all(share in f for f in flags.xs("07", level="region_code"))
    assert all(share in f for f in flags.xs("00", level="region_code"))
    assert not any(share in f for f in flags.xs("01", level="region_code"))
    gotland = "dq:villkor3.behandlingar.region_reported"
    assert all(gotland in f for f in flags.xs("09", level="region_code"))
    assert not any(gotland in f for f in flags.xs("07", level="region_code"))
