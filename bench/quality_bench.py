"""Cost of the data-quality checks on a (national-size) synthetic data set.

    python bench/quality_bench.py DATA_DIR/job.yaml [--indicators OUTPUT_DIR] [--json FILE]

Reads every source of the job into one embedded DuckDB session (as a run does), then runs each
suite of ``expectations/`` on its table through the same GX adapter as ``indikatorer run``, and
times: the GX import, every suite (rows, expectations, seconds), the two-column end >= start
check alone, and — with ``--indicators`` — the indicator-table suite on a published table
(staging into the session included). Prints a Markdown table and one JSON line."""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path


def machine() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("job")
    ap.add_argument("--indicators", help="an output folder whose indicator table to check")
    ap.add_argument("--json", help="write the results here too")
    ap.add_argument("--detail", help="time each expectation of this suite alone (e.g. pas.kontakter)")
    args = ap.parse_args()

    from indikatorer.engine.session import open_session
    from indikatorer.job import load_job
    from indikatorer.quality.checks import run_suite_on_table
    from indikatorer.quality.suites import SuiteFile, load_suites, parameters
    from indikatorer.sources import load_source
    from indikatorer.spec.layouts import load_layout

    t0 = time.perf_counter()
    from indikatorer.quality import gxengine
    gxengine.context()
    gx_import = time.perf_counter() - t0

    job = load_job(args.job)
    params = parameters(job.data_as_of, job.options)
    suites = load_suites()
    rows_out, total_rows, total_secs, details = [], 0, 0.0, {}
    with open_session() as s:
        sources, read_secs = {}, 0.0
        for name in job.sources:
            t = time.perf_counter()
            sources[name] = load_source(s, job, name)
            read_secs += time.perf_counter() - t
        for name, src in sources.items():
            layout = load_layout(src.kind)
            for tname, lt in src.tables.items():
                suite = suites[(src.kind, tname)]
                tables = {k: v.relation.name for k, v in src.tables.items()}
                ids = {c for c, cs in layout.tables[tname].columns.items() if cs.identifier}
                t, c = time.perf_counter(), time.process_time()
                run = run_suite_on_table(s.conn, suite, lt.relation.name, target=f"{name}.{tname}", params=params,
                                         tables=tables, identifiers=ids, rows=lt.rows, source=name)
                secs, cpu = time.perf_counter() - t, time.process_time() - c
                failed = [r.check for r in run.results if r.failed]
                rows_out.append({"suite": suite.name, "rows": lt.rows, "expectations": len(run.results),
                                 "seconds": round(secs, 2), "cpu_seconds": round(cpu, 2), "failed": failed})
                if args.detail == suite.name:              # each expectation alone
                    detail = []
                    for e in suite.data["expectations"]:
                        one = SuiteFile(suite.name, src.kind, tname, suite.path, {**suite.data, "expectations": [e]})
                        t1, c1 = time.perf_counter(), time.process_time()
                        run_suite_on_table(s.conn, one, lt.relation.name, target="x", params=params, tables=tables,
                                           identifiers=ids, rows=lt.rows)
                        detail.append({"check": e["meta"]["check"], "seconds": round(time.perf_counter() - t1, 2),
                                       "cpu_seconds": round(time.process_time() - c1, 2)})
                    details[suite.name] = sorted(detail, key=lambda d: -d["cpu_seconds"])
                total_rows += lt.rows
                total_secs += secs
        # the two-column end >= start check alone, on the largest table that has it
        pair = None
        for key in (("midas", "perioder"), ("intygsstatistik", "intyg_perioder")):
            src = next((x for x in sources.values() if x.kind == key[0]), None)
            if src is None:
                continue
            full = suites[key]
            exp = next(e for e in full.data["expectations"] if e["meta"]["check"] == "end_after_start")
            one = SuiteFile(full.name, *key, full.path, {**full.data, "expectations": [exp]})
            t = time.perf_counter()
            run_suite_on_table(s.conn, one, src.tables[key[1]].relation.name, target="x", params=params, tables={},
                               identifiers=set(), rows=src.tables[key[1]].rows)
            pair = {"suite": full.name, "rows": src.tables[key[1]].rows, "seconds": round(time.perf_counter() - t, 2)}
            break
        indicators = None
        if args.indicators:
            import pyarrow.dataset as ds
            from indikatorer.quality.gate import stage_frame
            frame = ds.dataset(Path(args.indicators) / "indicators", format="parquet").to_table().to_pandas()
            t = time.perf_counter()
            name = stage_frame(s, frame, "qc_bench")
            staged = time.perf_counter() - t
            run = run_suite_on_table(s.conn, suites[("indicators", "indicators")], name, target="indicators",
                                     params=params, tables={}, identifiers=set(), rows=len(frame), id_suffix=False)
            indicators = {"rows": len(frame), "expectations": len(run.results), "stage_seconds": round(staged, 2),
                          "seconds": round(time.perf_counter() - t, 2),
                          "failed": [r.check for r in run.results if r.failed]}
    result = {"machine": machine(), "job": str(args.job), "gx_import_seconds": round(gx_import, 2),
              "read_sources_seconds": round(read_secs, 2), "suites": rows_out, "total_rows": total_rows,
              "total_check_seconds": round(total_secs, 2), "end_after_start_alone": pair, "indicators": indicators,
              "details": details,
              "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    print(f"machine: {result['machine']}")
    print("| suite | rows | expectations | seconds | CPU seconds | failed |\n|---|---:|---:|---:|---:|---|")
    for r in rows_out:
        print(f"| {r['suite']} | {r['rows']:,} | {r['expectations']} | {r['seconds']:.2f} | {r['cpu_seconds']:.2f} | "
              f"{', '.join(r['failed'])} |")
    if indicators:
        print(f"| indicators | {indicators['rows']:,} | {indicators['expectations']} | {indicators['seconds']:.2f} "
              f"(staging {indicators['stage_seconds']:.2f}) | | {', '.join(indicators['failed'])} |")
    for name, detail in details.items():
        print(f"\n{name}, each expectation alone:")
        for d in detail:
            print(f"  {d['check']}: {d['seconds']:.2f} s ({d['cpu_seconds']:.2f} s CPU)")
    print(json.dumps(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
