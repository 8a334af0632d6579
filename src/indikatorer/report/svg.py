"""Vega-Lite spec -> SVG with vl-convert, offline; many at once in worker processes.

This module imports nothing heavy: ``python -m indikatorer.report.svg`` is the worker. It
warms vl-convert's JavaScript runtime (~1 s) first, then reads one ``[prefix, spec]`` JSON line
at a time on stdin and answers each with one JSON line (the SVG) on stdout, until stdin closes.
Workers are plain subprocesses, not ``multiprocessing``: that would re-import the caller's
``__main__`` in every child (``spawn``) or fork a process holding DuckDB's threads (``fork``).

``render_many`` hands charts to whichever worker is free (no fixed chunks: a chart costs
0.05–0.5 s, and the machine may be busy with other work). With a cache folder, an SVG whose
spec (and prefix) was rendered before is read from ``<hash>.svg`` instead: a re-run whose cells
did not change renders nothing."""
from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Iterable

_ID = re.compile(r'\bid="([^"]+)"')
_URL = re.compile(r"url\(#([^)]+)\)")
_HREF = re.compile(r'href="#([^"]+)"')
#: charts per worker process below which a worker does not pay for its start (~1 s)
PER_WORKER = 8
#: the version of the rendering in the cache key: change it when ``to_svg`` changes its output
RENDER_VERSION = "1"
#: the family vl-convert measures the charts' text with (``fonts/``: DejaVu Sans cut down to
#: ``MEASURE_CHARS``, see ``fonts/make_fonts.py``). vl-convert opens and maps the font file once
#: per measured glyph (thousands per chart): the small file halves that system time. The SVG
#: keeps the spec's own font list (the name is taken out again), and a chart with a character the
#: small font lacks, or whose font list does not start with DejaVu Sans, is measured as before.
MEASURE_FONT = "IndikatorSans"
MEASURED_FAMILY = "DejaVu Sans"
FONT_DIR = Path(__file__).resolve().parent / "fonts"
MEASURE_CHARS = frozenset(
    [*range(0x20, 0x7F), *range(0xA0, 0x180), 0x2009, 0x200A, *range(0x2010, 0x2016), *range(0x2018, 0x201F),
     0x2020, 0x2021, 0x2022, 0x2026, 0x202F, 0x2030, 0x2032, 0x2033, 0x2039, 0x203A, 0x2044, 0x20AC, 0x2122,
     *range(0x2190, 0x2194), 0x2212, 0x2248, 0x2260, 0x2264, 0x2265])
_fonts: bool | None = None                    # registered in this process (None: not tried yet)
_FAMILY = re.compile(r'font-family="' + MEASURE_FONT + r', ')
_WARM_SPEC = {"data": {"values": [{"a": 1, "b": "x"}]}, "mark": "text",
              "encoding": {"x": {"field": "a", "type": "quantitative"}, "text": {"field": "b"}}}


def _register_fonts() -> bool:
    global _fonts
    if _fonts is None:
        _fonts = False
        if all((FONT_DIR / f"{MEASURE_FONT}-{s}.ttf").is_file() for s in ("Book", "Bold")):
            try:
                import vl_convert as vlc
                vlc.register_font_directory(str(FONT_DIR))
                _fonts = True
            except Exception:  # noqa: BLE001 - measured with the system font, as before
                pass
    return _fonts


def _chars(obj, out: set[str]) -> None:
    if isinstance(obj, str):
        out.update(obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out.update(k)
            _chars(v, out)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _chars(v, out)


def measure_with_small_font(spec: dict) -> dict | None:
    """``spec`` with ``MEASURE_FONT`` first in its font list, or None when the small font would
    not measure it as DejaVu Sans does (another font first, or a character it lacks)."""
    config = spec.get("config")
    font = config.get("font") if isinstance(config, dict) else None
    if not isinstance(font, str) or font.split(",")[0].strip() != MEASURED_FAMILY:
        return None
    chars: set[str] = set()
    _chars(spec, chars)
    if any(ord(c) not in MEASURE_CHARS for c in chars):
        return None
    return {**spec, "config": {**config, "font": f"{MEASURE_FONT}, {font}"}}


def to_svg(spec: dict, prefix: str, small_font: bool = True) -> str:
    """Render offline (no URL may be fetched) with the Swedish number format; element ids get
    ``prefix`` so that many SVGs can live in one HTML page. ``small_font``: measure the text
    with ``MEASURE_FONT`` where it gives the same layout (see there)."""
    import vl_convert as vlc

    small = measure_with_small_font(spec) if small_font and _register_fonts() else None
    svg = vlc.vegalite_to_svg(small or spec, format_locale="sv-SE", allowed_base_urls=[])
    if small is not None:
        svg = _FAMILY.sub('font-family="', svg)
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


# --------------------------------------------------------------------------- worker processes

class _Worker:
    """One ``python -m indikatorer.report.svg`` process speaking the line protocol."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "indikatorer.report.svg"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     encoding="utf-8", bufsize=1)

    def render(self, prefix: str, spec: dict) -> str:
        self.proc.stdin.write(json.dumps([prefix, spec]) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        out = json.loads(line)
        if not isinstance(out, str):
            raise ValueError("worker failed")
        return out

    def close(self, kill: bool = False) -> None:
        """End the worker: at once (``kill``: it holds nothing), or when it has read all it was sent."""
        if kill and self.proc.poll() is None:
            self.proc.kill()
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdout,):
            try:
                f.close()
            except OSError:
                pass


def _start(n: int) -> list[_Worker]:
    """Up to ``n`` new workers (fewer when one cannot start: the charts are then rendered here)."""
    got: list[_Worker] = []
    while len(got) < n:
        try:
            got.append(_Worker())
        except OSError:
            break
    return got


# --------------------------------------------------------------------------- cache

_code_version: str | None = None
#: the modules whose code makes a chart's SVG out of its cells (``html.chart_key``)
CHART_CODE = ("charts.py", "data.py", "html.py", "svg.py")


def code_version() -> str:
    """A hash of the code that turns cells into an SVG (``CHART_CODE``, the bundled fonts'
    names and sizes, vl-convert's version, ``RENDER_VERSION``): a cached chart keyed by its cells
    is not reused after any of it changed."""
    global _code_version
    if _code_version is None:
        import vl_convert as vlc
        h = hashlib.sha256(json.dumps([RENDER_VERSION, getattr(vlc, "__version__", "")]).encode())
        here = Path(__file__).resolve().parent
        for name in CHART_CODE:
            h.update(name.encode() + b"\0" + (here / name).read_bytes())
        for font in sorted(FONT_DIR.glob("*.ttf")):
            h.update(f"{font.name}:{font.stat().st_size}".encode())
        _code_version = h.hexdigest()
    return _code_version


def cache_key(prefix: str, spec: dict) -> str:
    import vl_convert as vlc
    text = json.dumps([RENDER_VERSION, getattr(vlc, "__version__", ""), prefix, spec], sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_cached(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return text if text.startswith("<svg") and text.endswith("</svg>") else None


def _write_cached(path: Path, svg: str, mode: int) -> None:
    try:
        tmp = path.with_name(f".{path.name}-{uuid.uuid4().hex}.tmp")
        tmp.write_text(svg, encoding="utf-8")
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError:
        pass


def prune_cache(cache: Path, keep: set[str]) -> None:
    """Remove every cached SVG but ``keep`` (the names of the latest report's charts)."""
    try:
        entries = list(cache.iterdir())
    except OSError:
        return
    for f in entries:
        if f.name not in keep:
            try:
                f.unlink()
            except OSError:
                pass


# --------------------------------------------------------------------------- rendering

def render_many(items: Iterable[tuple], workers: int | None = None, cache: Path | None = None,
                mode: int = 0o644, expected: int | None = None) -> list[str]:
    """The SVGs of ``[(prefix, spec), …]`` in order; an item may also be ``(prefix, make_spec,
    key)``: a function that builds the spec, called only when the chart is not in the cache
    under ``key`` (see ``html.chart_key``). vl-convert renders on one JavaScript
    runtime per process (threads do not help), so many charts are rendered by worker processes,
    each taking the next chart when it is free; ``INDIKATORER_REPORT_WORKERS`` sets their number
    (1: render here). A chart a worker fails on is redone here. ``items`` may be a generator
    (``expected``: how many it yields): the charts are rendered while it builds the next ones.
    ``cache``: a folder of SVGs by content hash; it is left holding exactly the charts of ``items``."""
    if expected is None:
        items = list(items)
        expected = len(items)
    workers = default_workers(expected) if workers is None else workers
    if cache is not None:
        cache = Path(cache)
        cache.mkdir(parents=True, exist_ok=True)
    got: list[tuple[str, dict]] = []
    out: list[str | None] = []
    keys: list[str] = []
    rendered: list[int] = []
    lock = threading.Lock()                  # vl-convert in this process: one chart at a time
    pending: queue.Queue[int | None] = queue.Queue()
    threads: list[threading.Thread] = []

    def local(i: int) -> None:
        with lock:
            out[i] = to_svg(got[i][1], got[i][0])

    def drain(worker: _Worker) -> None:
        alive: _Worker | None = worker
        while (i := pending.get()) is not None:
            if alive is not None:
                try:
                    out[i] = alive.render(got[i][0], got[i][1])
                    continue
                except (OSError, ValueError, TypeError):
                    alive.close()
                    alive = None
            local(i)
        if alive is not None:
            alive.close()

    try:
        for i, item in enumerate(items):
            prefix, spec = item[0], item[1]
            key = item[2] if len(item) > 2 else None
            got.append((prefix, spec))
            out.append(None)
            if cache is not None:
                if key is None:
                    spec = spec() if callable(spec) else spec
                    key = cache_key(prefix, spec)
                keys.append(f"{key}.svg")
                out[i] = _read_cached(cache / keys[i])
                if out[i] is not None:
                    continue
            got[i] = (prefix, spec() if callable(spec) else spec)
            rendered.append(i)
            if workers > 1 and not threads and expected - i > 1:
                for w in _start(workers):            # at the first chart to render
                    t = threading.Thread(target=drain, args=(w,), daemon=True)
                    t.start()
                    threads.append(t)
                if not threads:
                    workers = 1                      # no worker could start: render here
            if threads:
                pending.put(i)
            else:
                local(i)
    finally:
        for _ in threads:
            pending.put(None)
        for t in threads:
            t.join()
    for i, svg in enumerate(out):
        if svg is None:                              # a chart the workers failed on and … (raises here)
            out[i] = to_svg(got[i][1], got[i][0])
    if cache is not None:
        for i in rendered:
            _write_cached(cache / keys[i], out[i], mode)
        prune_cache(cache, set(keys))
    return out  # type: ignore[return-value]


def main() -> None:
    try:
        to_svg(_WARM_SPEC, "warm")                 # the runtime's start, before the first chart is sent
    except Exception:  # noqa: BLE001 - a real chart reports the failure
        pass
    for line in sys.stdin:
        try:
            prefix, spec = json.loads(line)
            res = to_svg(spec, prefix)
        except Exception:  # noqa: BLE001 - the parent renders this chart itself
            res = None
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
