"""``indikatorer report OUTPUT``: one self-contained HTML file, ``OUTPUT/report/index.html``.

Per measure: its definition (from ``measures/<id>.yaml``), and per variant one chart (regional
comparison with 95 % intervals and the national value, K/M split, funnel plot for proportions,
trend when several periods exist) and the numbers behind it; then the data-quality summary,
skipped measures and notes from ``manifest.json``. Reads only aggregated cells."""
from __future__ import annotations

import os
import uuid
from pathlib import Path


#: rendered charts by content hash, pruned to those of the latest report: a re-run whose cells
#: did not change renders no chart again
CACHE_DIR = ".svg-cache"


def default_path(output: Path) -> Path:
    return Path(output) / "report" / "index.html"


def write_report(output: Path, out: Path | None = None, *, measures_dir: str | None = None) -> Path:
    """Write the report of the output folder ``output``; return its path (written atomically)."""
    from .data import load_output
    from .html import render_report

    data = load_output(Path(output), measures_dir=measures_dir)
    target = Path(out) if out else default_path(output)
    cache = None
    if out is None:                         # the output's own report (a page written elsewhere: no cache)
        cache = target.parent / CACHE_DIR
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError:
            cache = None                    # a read-only output folder: render everything
    text = render_report(data, base=target.parent, cache=cache)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}-{uuid.uuid4().hex}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target


__all__ = ["write_report", "default_path"]
