"""Run one command as a child and report its cost as one JSON line on stdout.

    python bench/measure.py [--stdout FILE] [--stderr FILE] [--env K=V ...] -- CMD ARGS...

Prints {"rc", "wall_s", "user_s", "sys_s", "cpu_s", "maxrss_mb", "t_start", "t_end",
"other_cores"}: ``other_cores`` is the mean number of cores other processes kept busy meanwhile
(machine-wide busy time from /proc/stat minus the command's own CPU, over the wall time) —
on a shared 2-core machine it says how much a timing was disturbed. This process is started
fresh for every measurement, so ``getrusage(RUSAGE_CHILDREN)`` covers exactly the command
(and any grandchildren it waited for): user+sys CPU of all of them, and the peak resident set
size of the largest one (ru_maxrss, KiB on Linux)."""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def _busy_seconds() -> float | None:
    """Machine-wide busy CPU seconds since boot (all cores), from /proc/stat."""
    try:
        with open("/proc/stat") as fh:
            f = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = f[3] + (f[4] if len(f) > 4 else 0)           # idle + iowait
    busy = sum(f[:8]) - idle                             # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print("usage: measure.py [--stdout F] [--stderr F] [--env K=V] -- CMD...", file=sys.stderr)
        return 2
    i = argv.index("--")
    ap = argparse.ArgumentParser()
    ap.add_argument("--stdout")
    ap.add_argument("--stderr")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--cwd")
    opts = ap.parse_args(argv[:i])
    cmd = argv[i + 1:]
    env = dict(os.environ)
    for kv in opts.env:
        k, _, v = kv.partition("=")
        env[k] = v
    out = open(opts.stdout, "wb") if opts.stdout else subprocess.DEVNULL
    err = open(opts.stderr, "wb") if opts.stderr else subprocess.DEVNULL
    busy0 = _busy_seconds()
    t_start = time.time()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=opts.cwd)
    rc = proc.wait()
    wall = time.perf_counter() - t0
    t_end = time.time()
    busy1 = _busy_seconds()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ru.ru_utime + ru.ru_stime
    other = max(0.0, (busy1 - busy0) - cpu) / wall if busy0 is not None and busy1 is not None and wall > 0 else None
    print(json.dumps({"rc": rc, "wall_s": round(wall, 3), "user_s": round(ru.ru_utime, 3),
                      "sys_s": round(ru.ru_stime, 3), "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
                      "maxrss_mb": round(ru.ru_maxrss / 1024, 1),
                      "t_start": round(t_start, 3), "t_end": round(t_end, 3),
                      "other_cores": None if other is None else round(other, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
