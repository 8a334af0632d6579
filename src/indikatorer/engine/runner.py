"""Run a job: plan what changed, read the sources, compute the measures, check, publish.

Incremental: every partition (measure × period) carries a key — a hash of the measure's spec
and options, the input fingerprints, data_as_of, strata, disclosure and software version.
A partition whose key equals the published one is not recomputed (``force`` recomputes all);
it is carried into the new version by a hard link. Sources behind a database URL have no
fingerprint, so their measures are always recomputed."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__, log
from ..errors import CapabilityError, JobError
from ..job import Job
from ..output.lock import output_lock
from ..output.manifest import read_manifest, versions
from ..output.store import begin_version, carry_over, current_version, output_mode, publish
from ..output.table import write_partitions
from ..periods import Period
from ..quality import QualityGate
from ..sources import load_source
from ..sources.files import find_table_file, fingerprint
from ..spec.layouts import load_layout
from ..spec.measures import MeasureSpec, load_catalogue, resolve_strata, select_measures
from .context import RunContext
from .evaluate import evaluate, plan_variants, refusal_message
from .finish import to_indicator_rows
from .options import resolve_options
from .session import open_session
from ..stats.lazy import MODULES as LAZY_MODULES


@dataclass
class RunResult:
    run_id: str
    output: Path
    rows: int
    measures: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    manifest: Path | None = None
    published: bool = False
    report: Path | None = None


def backend_url(job: Job) -> tuple[str | None, str | None]:
    urls = {s.url for s in job.sources.values() if s.url}
    if not urls:
        return None, None
    if len(urls) > 1:
        raise JobError("sources name more than one database URL; the computation runs in one database")
    if any(s.path for s in job.sources.values()):
        raise JobError("a job mixes file sources and a database URL; put all sources in the database, or "
                       "export the database tables to files")
    src = next(s for s in job.sources.values() if s.url)
    password = None
    if src.password_env:
        password = os.environ.get(src.password_env)
        if password is None:
            raise JobError(f"environment variable `{src.password_env}` (password_env) is not set")
    return src.url, password


def spec_hash(spec: MeasureSpec, options: dict[str, Any]) -> str:
    payload = json.dumps({"spec": spec.model_dump(mode="json"), "options": options}, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()[:16]


def input_fingerprints(job: Job) -> dict[str, str | None]:
    """``source.table`` -> sha256 of the file(s) for folder sources; None for database tables
    (and for tables not delivered)."""
    out: dict[str, str | None] = {}
    for name, cfg in job.sources.items():
        layout = load_layout(cfg.kind)
        for tname in layout.tables:
            if cfg.url:
                out[f"{name}.{tname}"] = None
                continue
            path = find_table_file(job.source_path(name), cfg.tables.get(tname, tname))
            out[f"{name}.{tname}"] = fingerprint(path) if path else "absent"
    return out


def _used_inputs(spec: MeasureSpec, job: Job, inputs: dict[str, str | None]) -> dict[str, str | None]:
    """The fingerprints of the sources whose kind the spec can use."""
    import re
    kinds = {k for entry in spec.sources for k in re.split(r"[+,\s]+", str(entry)) if k}
    names = {n for n, cfg in job.sources.items() if cfg.kind in kinds}
    return {k: v for k, v in inputs.items() if k.split(".", 1)[0] in names}


def crash_point(name: str) -> None:
    """Test hook: ``INDIKATORER_CRASH_AT=name`` kills the process here (SIGKILL), so the tests
    can show that a run killed at any step leaves the published output intact."""
    if os.environ.get("INDIKATORER_CRASH_AT") == name:
        import signal
        os.kill(os.getpid(), signal.SIGKILL)


def partition_key(spec: MeasureSpec, shash: str, period: str, job: Job, inputs: dict[str, str | None],
                  strata: list[str]) -> str | None:
    inputs = _used_inputs(spec, job, inputs)
    if any(v is None for v in inputs.values()):
        return None
    payload = json.dumps({"spec": shash, "period": period, "data_as_of": job.data_as_of.isoformat(),
                          "inputs": inputs, "strata": strata, "min_count": job.disclosure.min_count,
                          "age_bands": job.options.get("age_bands", "default"), "version": __version__}, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()[:24]


@dataclass
class MeasurePlan:
    spec: MeasureSpec
    options: dict[str, Any]
    strata: list[str]
    shash: str
    keys: dict[str, str | None]          # period -> partition key
    todo: list[Period]                   # periods to compute


def runnable_on(spec: MeasureSpec, kinds: set[str]) -> bool:
    """Whether some source entry of the spec (``midas``, ``midas+pas``) has all its kinds in the
    job — the cheap check before sources are read; ``plan_variants`` makes the full one."""
    entries = [*spec.sources, *[e for v in spec.variants.values() for e in (v.sources or [])]]
    return any(set(e.split("+")) <= kinds for e in entries)


def plan_measures(job: Job, specs: list[MeasureSpec], periods: list[Period], inputs, previous: dict | None,
                  force: bool) -> list[MeasurePlan]:
    published = {**(previous or {}).get("empty_partitions", {}), **(previous or {}).get("partitions", {})}
    kinds = {cfg.kind for cfg in job.sources.values()}
    plans = []
    for spec in specs:
        if job.measures == "all" and not runnable_on(spec, kinds):
            continue                      # cannot run on these sources: no work, no partitions
        options = resolve_options(spec, job)
        strata = resolve_strata(spec, job.strata)
        shash = spec_hash(spec, options)
        keys = {p.label: partition_key(spec, shash, p.label, job, inputs, strata) for p in periods}
        todo = [p for p in periods if force or keys[p.label] is None
                or published.get(f"{spec.id}/{p.label}", {}).get("key") != keys[p.label]]
        plans.append(MeasurePlan(spec, options, strata, shash, keys, todo))
    return plans


def compute(ctx: RunContext, plans: list[MeasurePlan], explicit: bool, run_id: str, min_count: int,
            result: RunResult, charts=None) -> pd.DataFrame:
    """Evaluate every variant of the plans. The variants run grouped by the base they read
    (``base_order``), so that the run's few shared bases (``RunContext.shared_base``) are
    built once instead of once per measure; the rows and the manifest keep the plans' order.
    ``charts``: a ``report.prerender.Prerenderer`` that gets each variant's finished rows."""
    job = ctx.job
    todo = [mp for mp in plans if mp.todo]
    items: list[tuple[int, int, MeasurePlan, Any]] = []
    for i, mp in enumerate(todo):
        try:
            variants = plan_variants(ctx, mp.spec)
        except CapabilityError as exc:
            if explicit:
                raise
            result.skipped[mp.spec.id] = str(exc)
            log.info(f"skipped {mp.spec.id}: {exc}")
            continue
        items += [(i, j, mp, plan) for j, plan in enumerate(variants)]
    frames: dict[tuple[int, int], pd.DataFrame] = {}
    infos: dict[tuple[int, int], tuple[str, str, dict]] = {}

    def finish(key, spec, plan, mp, cells, seconds, cpu):
        """The pandas part of a variant (complete cube, statistics, disclosure); it runs in a
        second thread while the next variant's queries run in the database (they release the GIL)."""
        t0, c0 = time.perf_counter(), time.thread_time()
        rows = to_indicator_rows(cells, spec, mp.todo, mp.options, data_as_of=job.data_as_of,
                                 run_id=run_id, spec_hash=mp.shash, min_count=min_count, bands=ctx.age_bands,
                                 extra_flags=getattr(cells, "flags", None) or None)
        frames[key] = rows
        if charts is not None:
            charts.add(spec.id, plan.variant, rows, spec.statistic)
        infos[key] = (spec.id, plan.variant, {
            "rows": len(rows), "seconds": round(seconds + time.perf_counter() - t0, 3),
            "cpu_seconds": round(cpu + time.thread_time() - c0, 3), "exclusions": cells.exclusions,
            "notes": cells.notes})
        log.info(f"computed {spec.id} {plan.variant}", rows=len(rows), seconds=infos[key][2]["seconds"])

    with log.progress(len(items)) as bar, ThreadPoolExecutor(1, thread_name_prefix="finish") as pool:
        pending = None
        try:
            for i, j, mp, plan in base_order(items):
                spec = mp.spec
                bar.advance(f"{spec.id} {spec.name} {plan.variant}")
                sub = ctx.with_periods(mp.todo)
                t0, c0 = time.perf_counter(), time.process_time()
                cells = evaluate(sub, spec, plan, mp.options, mp.strata)
                # the process's CPU (the database's threads too; the previous variant's finishing
                # thread, when it overlaps) while evaluating, plus the finishing thread's own CPU
                seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
                if pending is not None:
                    pending.result()              # in order; an error stops the run here
                pending = pool.submit(finish, (i, j), spec, plan, mp, cells, seconds, cpu)
            if pending is not None:
                pending.result()
        except BaseException:
            if pending is not None:
                pending.cancel()
            raise
    ctx.release_bases()
    for key in sorted(infos):                 # the manifest in the plans' order
        mid, variant, info = infos[key]
        mp = todo[key[0]]
        entry = result.measures.setdefault(mid, {"variants": {}, "spec_hash": mp.shash, "options": mp.options,
                                                 "run_id": run_id})
        entry["variants"][variant] = info
    if not frames:
        return pd.DataFrame()
    return pd.concat([frames[k] for k in sorted(frames)], ignore_index=True)


def base_key(mp: MeasurePlan, plan) -> tuple:
    """What a variant's (main) base relation depends on, as far as the spec tells before it is
    evaluated: base, window, the entry's source kinds and the periods."""
    var = plan.override
    window = (var.window if var and var.window else None) or mp.spec.window
    return (mp.spec.shape, mp.spec.base, window, plan.entry, tuple(p.label for p in mp.todo))


def base_order(items: list) -> list:
    """``items`` (measure index, variant index, MeasurePlan, VariantPlan) grouped by ``base_key``:
    each group at the place of its first variant, in the plans' order within the group."""
    groups: dict[tuple, list] = {}
    for item in items:
        groups.setdefault(base_key(item[2], item[3]), []).append(item)
    return [item for group in groups.values() for item in group]


def run_job(job: Job, *, force: bool = False, wait_seconds: float = 0.0, measures_dir: str | None = None,
            report: bool = True) -> RunResult:
    catalogue = load_catalogue(measures_dir)
    specs = select_measures(job.measures, catalogue)
    periods = job.period_list
    url, password = backend_url(job)
    run_id = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]
    out = job.output_dir
    result = RunResult(run_id, out, 0)
    started = time.perf_counter()
    age_bands = str(job.options.get("age_bands", "default"))
    inputs = input_fingerprints(job)
    with output_lock(out, wait_seconds=wait_seconds, run_id=run_id):
        previous = read_manifest(out)
        plans = plan_measures(job, specs, periods, inputs, previous, force)
        planned = {mp.spec.id for mp in plans}
        for spec in specs:
            if spec.id not in planned:
                result.skipped[spec.id] = refusal_message(spec, {c.kind for c in job.sources.values()})
        result.unchanged = [f"{mp.spec.id}/{p.label}" for mp in plans for p in periods if p not in mp.todo]
        if result.unchanged:
            log.info(f"unchanged, not recomputed: {len(result.unchanged)} partitions",
                     partitions=",".join(result.unchanged[:20]) + ("…" if len(result.unchanged) > 20 else ""))
        if not any(mp.todo for mp in plans):
            result.manifest = out / "manifest.json"
            log.info("nothing changed since the published run; no new version")
            return result
        staging = begin_version(out, run_id)
        _warm_imports()
        charts = _chart_prerenderer(out) if report else None
        try:
            with open_session(url, password=password) as session:
                sources, tables, notes = {}, {}, []
                for name in job.sources:
                    t0 = time.perf_counter()
                    src = load_source(session, job, name)
                    sources[name] = src
                    notes.extend(src.notes)
                    for tname, t in src.tables.items():
                        tables[f"{name}.{tname}"] = {"origin": _shown_origin(t.origin, job), "rows": t.rows,
                                                     "fingerprint": t.fingerprint}
                    log.info(f"read source {name} ({src.kind})", seconds=round(time.perf_counter() - t0, 2))
                quality = QualityGate(job, run_id, out)           # data quality (quality/, expectations/)
                quality.check_sources(session, sources)           # critical failure: QualityError, nothing published
                session.unordered()                               # sources numbered and checked in file order
                ctx = RunContext(job, session, sources, periods, age_bands=age_bands)
                table = compute(ctx, plans, job.measures != "all", run_id, job.disclosure.min_count, result,
                                charts)
                table = quality.check_indicators(session, table)  # ... and warnings flag the rows
                backend = session.dialect
            mode = output_mode([job.source_path(n) for n, s in job.sources.items() if s.path])
            crash_point("before_write")
            t0 = time.perf_counter()
            written = write_partitions(staging, table, mode) if len(table) else []
            crash_point("after_write")
            result.rows = len(table)
            manifest = _manifest(job, run_id, periods, plans, result, previous, written, tables, notes, backend,
                                 time.perf_counter() - started)
            manifest["quality"] = quality.manifest_entry()
            quality.write_report()
            keep = set(manifest["partitions"]) - set(written)
            carry_over(staging, current_version(out), keep)
            crash_point("before_publish")
            publish(out, staging, run_id, manifest, mode, crash=crash_point)
            result.published = True
            if charts is not None:
                charts.published()
            log.info("wrote and published", partitions=len(written), seconds=round(time.perf_counter() - t0, 2))
        finally:
            if charts is not None:
                charts.stop()
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        if report and result.published:
            result.report = write_report_logged(out)
    result.manifest = out / "manifest.json"
    return result


def _warm_imports() -> None:
    """Import Great Expectations (about 2 s) and scipy/statsmodels (about 1 s, ``stats/lazy.py``)
    in a background thread while the sources are read:
    that work runs in the database, which releases the GIL. The data-quality gate imports it
    again when it needs it (a no-op by then, or the same error if it cannot be imported)."""
    def work():
        import importlib
        for module in ("indikatorer.quality.gxengine", *LAZY_MODULES):
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001 - raised again where it is used
                pass
    threading.Thread(target=work, name="warm-imports", daemon=True).start()


def _chart_prerenderer(out: Path):
    """The report's charts rendered in the background while the measures run (``report/prerender.py``),
    when the run will write the report; None otherwise."""
    if not _report_wanted():
        return None
    try:
        from ..report import CACHE_DIR, default_path
        from ..report.prerender import Prerenderer
        return Prerenderer(default_path(out).parent / CACHE_DIR).start()
    except Exception:  # noqa: BLE001 - the report renders its charts itself
        return None


def _report_wanted() -> bool:
    return os.environ.get("INDIKATORER_REPORT", "1").strip().lower() not in ("0", "false", "no", "off")


def write_report_logged(out: Path) -> Path | None:
    """The HTML report of the published output (``report/``). The results are already published:
    a failure here is logged and never fails the run. ``INDIKATORER_REPORT=0`` skips it."""
    if not _report_wanted():
        return None
    try:
        from ..report import write_report
        t0 = time.perf_counter()
        path = write_report(out)
        log.info("wrote the report", seconds=round(time.perf_counter() - t0, 2))
        return path
    except Exception as exc:  # noqa: BLE001 - the report must not fail a published run
        log.warn(f"report not written: {type(exc).__name__}: {str(exc).strip()[:300]}")
        return None


def _manifest(job, run_id, periods, plans, result, previous, written, tables, notes, backend, seconds) -> dict:
    prev_parts = dict((previous or {}).get("partitions", {}))
    parts = {k: v for k, v in prev_parts.items() if k not in written}
    key_of = {(mp.spec.id, p): k for mp in plans for p, k in mp.keys.items()}
    for w in written:
        mid, period = w.split("/", 1)
        parts[w] = {"key": key_of.get((mid, period)), "run_id": run_id}
    # partitions computed without rows (e.g. a yearly measure asked for a quarter) are remembered
    # with their key, so that an unchanged re-run does not compute them again
    empty = {k: v for k, v in (previous or {}).get("empty_partitions", {}).items() if k not in written}
    for mp in plans:
        if mp.spec.id in result.measures or mp.spec.id in result.skipped:
            for p in mp.todo:
                k = f"{mp.spec.id}/{p.label}"
                if k not in written:
                    empty[k] = {"key": mp.keys[p.label], "run_id": run_id}
                    parts.pop(k, None)
    measures = {k: v for k, v in (previous or {}).get("measures", {}).items() if k not in result.measures}
    measures.update(result.measures)
    return {
        "run_id": run_id, "job": job.name, "data_as_of": job.data_as_of.isoformat(),
        "periods": [p.label for p in periods], "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "seconds": round(seconds, 3), "software": versions(), "backend": backend, "inputs": tables,
        "measures": measures, "skipped": result.skipped, "partitions": dict(sorted(parts.items())),
        "empty_partitions": dict(sorted(empty.items())),
        "recomputed": written, "unchanged": result.unchanged,
        "disclosure": {"min_count": job.disclosure.min_count}, "notes": notes,
    }


def _shown_origin(origin: str, job: Job) -> str:
    try:
        return str(Path(origin).resolve().relative_to(job.base_dir))
    except ValueError:
        return origin
