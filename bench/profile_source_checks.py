"""CPU of reading and checking one source of a job, and its slowest SQL statements.

    INDIKATORER_THREADS=1 python bench/profile_source_checks.py JOB.yaml SOURCE [-v] [RESULTS.json]

Runs only ``load_source`` and ``QualityGate.check_sources`` (no exclusions) for SOURCE and
prints one JSON line: read_cpu / check_cpu (user+sys of this process, seconds) and the wall
times; ``-v`` also times every SQL statement (CPU, wall, text); RESULTS.json receives the check
results (``CheckResult.as_dict``) to compare two versions."""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from indikatorer.engine.session import open_session
from indikatorer.job import load_job
from indikatorer.quality import gxengine  # noqa: F401  (GX imported before timing)
from indikatorer.quality.gate import QualityGate
from indikatorer.sources import load_source


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str]) -> int:
    job, name = load_job(Path(argv[0])), argv[1]
    verbose = "-v" in argv
    out = next((a for a in argv[2:] if a.endswith(".json")), None)
    stats: list[tuple[float, float, str]] = []
    with open_session(None) as session:
        if verbose:
            @sa.event.listens_for(session.conn, "before_cursor_execute")
            def before(conn, cursor, statement, parameters, context, executemany):
                conn.info["t"] = (time.perf_counter(), cpu())

            @sa.event.listens_for(session.conn, "after_cursor_execute")
            def after(conn, cursor, statement, parameters, context, executemany):
                t0, c0 = conn.info.pop("t")
                stats.append((cpu() - c0, time.perf_counter() - t0, " ".join(statement.split())[:300]))
        c0, t0 = cpu(), time.perf_counter()
        src = load_source(session, job, name)
        c1, t1 = cpu(), time.perf_counter()
        gate = QualityGate(job, "profile", Path(session.work_dir) / "gate")
        gate.check_sources(session, {name: src}, exclude=False)
        c2, t2 = cpu(), time.perf_counter()
    print(json.dumps({"read_cpu": round(c1 - c0, 2), "read_wall": round(t1 - t0, 2), "check_cpu": round(c2 - c1, 2),
                      "check_wall": round(t2 - t1, 2), "total_cpu": round(c2 - c0, 2), "status": gate.status}))
    if out:
        Path(out).write_text(json.dumps([r.as_dict() for r in gate.results], indent=1, default=str, sort_keys=True))
    for c, w, s in sorted(stats, reverse=True)[:25]:
        print(f"{c:6.2f} {w:6.2f} {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
