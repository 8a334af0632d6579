"""The report as a person sees it: rendered by headless Chromium (Debian's ``chromium``).

The DOM Chromium builds is checked (titles, one chart per measure/variant, suppressed cells),
the browser's console must stay silent (no errors, no blocked loads), and a screenshot is kept
in ``tests/artifacts/report.png``. Console messages reach stderr with ``--enable-logging=stderr
--v=0`` as ``INFO:CONSOLE…`` lines; the first test shows that this detection works."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from indikatorer.report import write_report

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (`make test` installs it with apt-get when run as root)")


def chromium(tmp_path: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'chromium-profile'}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def console_lines(stderr: str) -> list[str]:
    """What the page wrote to the console: errors, warnings, uncaught exceptions, CSP refusals."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@needs_chromium
def test_console_detection_works(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><p>x</p><script>console.error("boom-error");'
                    'throw new Error("boom-uncaught");</script></body></html>', encoding="utf-8")
    res = chromium(tmp_path, "--dump-dom", page.as_uri())
    lines = console_lines(res.stderr)
    assert any("boom-error" in x for x in lines) and any("Uncaught Error: boom-uncaught" in x for x in lines)


@needs_chromium
def test_report_blocks_any_network_load(tmp_path, small_output):
    """The report's Content-Security-Policy: an external resource would be refused (and seen)."""
    html = write_report(small_output).read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</main>", '<img src="http://example.invalid/x.png"></main>'), encoding="utf-8")
    lines = console_lines(chromium(tmp_path, "--dump-dom", probe.as_uri()).stderr)
    assert any("Content Security Policy" in x and "example.invalid" in x for x in lines)


@needs_chromium
def test_report_in_chromium(tmp_path, small_output_quality):
    path = write_report(small_output_quality)
    res = chromium(tmp_path, "--dump-dom", path.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert console_lines(res.stderr) == []
    assert "<title>Indikatorrapport – testjobb</title>" in dom
    assert "<h1>Uppföljning av sjukskrivningsprocessen – indikatorrapport</h1>" in dom
    assert "<h2>7.1 Sjukskrivningsdagar per sjukfall</h2>" in dom and "<h2>7.4 Andel deltidssjukskrivna</h2>" in dom
    figures = re.findall(r'<figure class="chart" data-measure="([^"]+)" data-variant="([^"]+)".*?</figure>', dom, re.S)
    assert figures == [("7.1", "intygsstatistik"), ("7.4", "midas")]
    for fig in re.findall(r'<figure class="chart".*?</figure>', dom, re.S):
        assert fig.count("<svg") == 1 and "Regional jämförelse med 95 % KI" in fig
    # suppressed cells are shown as suppressed: in the tables and as ".." text in the charts
    assert dom.count('<td class="suppressed" title="undertryckt (röjandeskydd)">..</td>') >= 8
    assert re.search(r"<text[^>]*>\.\.</text>", dom)
    assert '<h2>Datakvalitet</h2>' in dom and "intyg.kon in K/M" in dom
    assert "needs a source of kind intygsstatistik" in dom

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    if shot.exists():
        shot.unlink()
    res = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", path.as_uri())
    assert res.returncode == 0 and shot.is_file() and shot.stat().st_size > 20_000
    assert console_lines(res.stderr) == []
