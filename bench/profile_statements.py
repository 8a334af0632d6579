"""Time every SQL statement of a real ``indikatorer run`` (no change to src/):

    python bench/profile_statements.py OUT.json run JOB.yaml [--force …]

wraps each run session's connection, records (wall s, process CPU s, the engine functions
that sent it, the SQL for statements over 0.4 s) and writes them to OUT.json; then prints the
time per sending function and the slowest statements. Fetching results is not included."""
from __future__ import annotations

import collections
import json
import sys
import time
import traceback

import indikatorer.engine.session as S

STATS: list = []


def _instrument() -> None:
    orig_init = S.Session.__init__

    def init(self, engine, conn, work_dir):
        orig_init(self, engine, conn, work_dir)
        run_sa, run_driver = conn.execute, conn.exec_driver_sql

        def rec(fn, stmt, *a, **k):
            t0, c0 = time.perf_counter(), time.process_time()
            res = fn(stmt, *a, **k)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            where = "/".join([f.name for f in traceback.extract_stack()[:-2] if "indikatorer" in f.filename][-4:])
            text = stmt if isinstance(stmt, str) else type(stmt).__name__
            if dt > 0.4 and not isinstance(stmt, str):
                try:
                    text = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
                except Exception:  # noqa: BLE001 - only for display
                    text = str(stmt)
            STATS.append((dt, dc, where, text[:6000]))
            return res
        conn.execute = lambda stmt, *a, **k: rec(run_sa, stmt, *a, **k)
        conn.exec_driver_sql = lambda stmt, *a, **k: rec(run_driver, stmt, *a, **k)
    S.Session.__init__ = init


def main() -> int:
    out, args = sys.argv[1], sys.argv[2:]
    _instrument()
    sys.argv = ["indikatorer", *args]
    from indikatorer.cli import _main
    rc = _main()
    with open(out, "w") as fh:
        json.dump(STATS, fh)
    by = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for dt, dc, where, _ in STATS:
        a = by["/".join(where.split("/")[-2:])]
        a[0] += dt; a[1] += dc; a[2] += 1
    print(f"{len(STATS)} statements, {sum(s[0] for s in STATS):.1f} s wall, {sum(s[1] for s in STATS):.1f} s CPU")
    for k, (w, c, n) in sorted(by.items(), key=lambda x: -x[1][0])[:15]:
        print(f"{w:6.1f} {c:6.1f} {n:4d} {k}")
    for dt, dc, where, text in sorted(STATS, reverse=True)[:10]:
        print(f"{dt:5.2f} {dc:5.2f} {where[-60:]:60s} {text[:80]!r}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
