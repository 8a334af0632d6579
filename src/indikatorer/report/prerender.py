"""Charts rendered while a run computes its measures, into the report's SVG cache.

The report is written from the published output, after the run; rendering its charts
(vl-convert: ~0.1–0.3 s each, 100 at national size) used to be the run's last ~10 s. Instead,
the runner hands each variant's cells, as soon as they are finished, to one background process
(``python -m indikatorer.report.prerender CACHE``) running at low priority (nice 10: it takes
what the database leaves of the cores). That process builds the chart spec the report will build
(``html.make_view`` over the top-level cells, read from Arrow in the order and types the report
reads the published Parquet in) and renders it into the cache folder ``svg.render_many`` reads,
under the hash of the cells and the chart code (``html.chart_key``). When the report is written, a chart whose spec is unchanged
is read from the cache; one that changed since — a data-quality warning flagged its cells after
the measures, or some of its periods were carried over from the previous version instead of
computed — or that was not rendered in time is rendered then, as before. So the cache can only
save time, never change a chart (the report finds a chart by the same key, without building its
spec); and nothing here can fail a run: any error costs the cache hits."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: niceness of the background process: it should use idle cores, not slow the database
NICE = 10


class Prerenderer:
    """The parent's side: ``add`` a finished variant's rows; ``stop`` before the report is written."""

    def __init__(self, cache: Path) -> None:
        self.cache = Path(cache)
        self.tmp: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.sent = 0

    def start(self) -> "Prerenderer":
        try:
            self.cache.mkdir(parents=True, exist_ok=True)
            self.tmp = Path(tempfile.mkdtemp(prefix="indikatorer-charts-"))
            self.proc = subprocess.Popen([sys.executable, "-m", "indikatorer.report.prerender", str(self.cache)],
                                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, text=True, encoding="utf-8", bufsize=1)
        except Exception:  # noqa: BLE001 - the report renders everything itself
            self.stop()
        return self

    def add(self, measure_id: str, variant: str, rows, statistic: str | None) -> None:
        """Queue the chart of ``rows`` (a variant's indicator rows, the output table's columns)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            import pyarrow.feather as feather
            from ..output.table import to_arrow
            from .data import TOP_LEVEL
            top = rows["unit_id"].isna()
            for col, val in TOP_LEVEL.items():
                top &= rows[col] == val
            if not top.any():
                return
            path = self.tmp / f"{self.sent}.arrow"
            feather.write_feather(to_arrow(rows[top]), path, compression="uncompressed")
            self.proc.stdin.write(json.dumps([measure_id, variant, statistic, str(path)]) + "\n")
            self.proc.stdin.flush()
            self.sent += 1
        except Exception:  # noqa: BLE001 - this chart is rendered with the report
            self.stop()

    def published(self) -> None:
        """The run has published; its report is written next and renders what is not cached yet,
        with all cores: the background process ends now (``stop``)."""
        self.stop()

    def drain(self, timeout: float = 120) -> None:
        """Wait until every queued chart is in the cache (tests), then ``stop``."""
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=timeout)
            except Exception:  # noqa: BLE001
                pass
        self.stop()

    def stop(self) -> None:
        """End the background process at once (a chart it is writing is written whole or not at
        all: the cache writes are atomic) and remove the queued cells."""
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                proc.kill()
                proc.wait(timeout=10)
                if not proc.stdin.closed:
                    proc.stdin.close()
            except Exception:  # noqa: BLE001
                pass
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


def render_one(cache: Path, measure_id: str, variant: str, statistic: str | None, path: Path) -> str | None:
    """Render the chart of the cells in ``path`` into ``cache`` (unless it is there); its file name."""
    import pyarrow.feather as feather
    from .data import ROW_ORDER
    from .html import chart_key, make_view
    from .svg import _write_cached, to_svg
    rows = feather.read_table(path).to_pandas()
    rows = rows.sort_values(ROW_ORDER, kind="stable").reset_index(drop=True)
    view = make_view(rows, measure_id, variant, statistic)
    name = f"{chart_key(view)}.svg"
    if not (cache / name).is_file():
        _write_cached(cache / name, to_svg(view.chart, view.prefix), 0o644)
    return name


def main() -> None:
    cache = Path(sys.argv[1])
    try:
        os.nice(NICE)
    except OSError:
        pass
    from .svg import _WARM_SPEC, to_svg
    try:
        to_svg(_WARM_SPEC, "warm")
    except Exception:  # noqa: BLE001
        pass
    for line in sys.stdin:
        try:
            measure_id, variant, statistic, path = json.loads(line)
        except ValueError:
            continue
        try:
            render_one(cache, measure_id, variant, statistic, Path(path))
        except Exception:  # noqa: BLE001 - rendered with the report instead
            pass
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass


if __name__ == "__main__":
    main()
