"""Vega-Lite spec -> SVG with vl-convert, offline; many at once in worker processes.

This module imports nothing heavy: ``python -m indikatorer.report.svg`` is the worker that
reads ``[[prefix, spec], …]`` as JSON on stdin and writes the SVGs as a JSON list on stdout.
Workers are plain subprocesses, not ``multiprocessing``: that would re-import the caller's
``__main__`` in every child (``spawn``) or fork a process holding DuckDB's threads (``fork``)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

_ID = re.compile(r'\bid="([^"]+)"')
_URL = re.compile(r"url\(#([^)]+)\)")
_HREF = re.compile(r'href="#([^"]+)"')
#: charts per worker process below which a worker does not pay for its start (~1 s)
PER_WORKER = 8


def to_svg(spec: dict, prefix: str) -> str:
    """Render offline (no URL may be fetched) with the Swedish number format; element ids get
    ``prefix`` so that many SVGs can live in one HTML page."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec, format_locale="sv-SE", allowed_base_urls=[])
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = _HREF.sub(lambda m: f'href="#{prefix}-{m.group(1)}"', svg)
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:]
    return svg.strip()


def default_workers(n_items: int) -> int:
    env = os.environ.get("INDIKATORER_REPORT_WORKERS", "").strip()
    if env.isdigit():
        return max(1, int(env))
    return max(1, min(4, os.cpu_count() or 1, n_items // PER_WORKER))


def render_many(items: list[tuple[str, dict]], workers: int | None = None) -> list[str]:
    """The SVGs of ``[(prefix, spec), …]`` in order. vl-convert renders on one JavaScript
    runtime per process (threads do not help), so many charts are split over worker processes;
    ``INDIKATORER_REPORT_WORKERS`` sets their number (1: render here). A worker that fails is
    redone here."""
    workers = default_workers(len(items)) if workers is None else workers
    if workers <= 1 or len(items) < 2:
        return [to_svg(spec, prefix) for prefix, spec in items]
    chunks = [items[i::workers] for i in range(workers)]          # interleaved: similar sizes

    def run(chunk):
        try:
            res = subprocess.run([sys.executable, "-m", "indikatorer.report.svg"], input=json.dumps(chunk),
                                 capture_output=True, text=True, encoding="utf-8", timeout=1800)
            if res.returncode == 0:
                out = json.loads(res.stdout)
                if len(out) == len(chunk):
                    return out
        except (OSError, ValueError, subprocess.SubprocessError):
            pass
        return [to_svg(spec, prefix) for prefix, spec in chunk]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(run, chunks))
    out: list[str] = [""] * len(items)
    for w, chunk_out in enumerate(done):
        out[w::workers] = chunk_out
    return out


def main() -> None:
    items = json.loads(sys.stdin.read())
    sys.stdout.write(json.dumps([to_svg(spec, prefix) for prefix, spec in items]))


if __name__ == "__main__":
    main()
