"""Run a job: read the sources, compute the selected measures, check, write the output."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import log
from ..errors import CapabilityError, JobError
from ..job import Job
from ..output.manifest import versions, write_json_atomic
from ..output.table import write_partitions
from ..sources import load_source
from ..spec.measures import MeasureSpec, load_catalogue, resolve_strata, select_measures
from .context import RunContext
from .evaluate import evaluate, plan_variants
from .finish import to_indicator_rows
from .options import resolve_options
from .session import open_session


@dataclass
class RunResult:
    run_id: str
    output: Path
    rows: int
    measures: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    manifest: Path | None = None


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
        import os
        password = os.environ.get(src.password_env)
        if password is None:
            raise JobError(f"environment variable `{src.password_env}` (password_env) is not set")
    return src.url, password


def spec_hash(spec: MeasureSpec, options: dict[str, Any]) -> str:
    payload = json.dumps({"spec": spec.model_dump(mode="json"), "options": options}, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()[:16]


def compute(ctx: RunContext, specs: list[MeasureSpec], explicit: bool, run_id: str, min_count: int,
            result: RunResult) -> pd.DataFrame:
    job = ctx.job
    frames = []
    for spec in specs:
        try:
            plans = plan_variants(ctx, spec)
        except CapabilityError as exc:
            if explicit:
                raise
            result.skipped[spec.id] = str(exc)
            log.info(f"skipped {spec.id}: {exc}")
            continue
        options = resolve_options(spec, job)
        strata = resolve_strata(spec, job.strata)
        shash = spec_hash(spec, options)
        for plan in plans:
            t0, c0 = time.perf_counter(), time.process_time()
            cells = evaluate(ctx, spec, plan, options, strata)
            rows = to_indicator_rows(cells, spec, ctx.periods_list, options, data_as_of=job.data_as_of,
                                     run_id=run_id, spec_hash=shash, min_count=min_count, bands=ctx.age_bands)
            frames.append(rows)
            info = result.measures.setdefault(spec.id, {"variants": {}, "spec_hash": shash, "options": options})
            info["variants"][plan.variant] = {
                "rows": len(rows), "seconds": round(time.perf_counter() - t0, 3),
                "cpu_seconds": round(time.process_time() - c0, 3), "exclusions": cells.exclusions,
                "notes": cells.notes}
            log.info(f"computed {spec.id} {plan.variant}", rows=len(rows),
                     seconds=info["variants"][plan.variant]["seconds"])
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def run_job(job: Job, *, measures_dir: str | None = None) -> RunResult:
    catalogue = load_catalogue(measures_dir)
    specs = select_measures(job.measures, catalogue)
    periods = job.period_list
    url, password = backend_url(job)
    run_id = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
    out = job.output_dir
    result = RunResult(run_id, out, 0)
    started = time.perf_counter()
    age_bands = str(job.options.get("age_bands", "default"))
    with open_session(url, password=password) as session:
        sources, fingerprints, notes = {}, {}, []
        for name in job.sources:
            t0 = time.perf_counter()
            src = load_source(session, job, name)
            sources[name] = src
            notes.extend(src.notes)
            for tname, t in src.tables.items():
                fingerprints[f"{name}.{tname}"] = {"origin": _shown_origin(t.origin, job), "rows": t.rows,
                                                   "fingerprint": t.fingerprint}
            log.info(f"read source {name} ({src.kind})", seconds=round(time.perf_counter() - t0, 2))
        ctx = RunContext(job, session, sources, periods, age_bands=age_bands)
        table = compute(ctx, specs, job.measures != "all", run_id, job.disclosure.min_count, result)
    written = write_partitions(out, table) if len(table) else []
    result.rows = len(table)
    manifest = {
        "run_id": run_id, "job": job.name, "data_as_of": job.data_as_of.isoformat(),
        "periods": [p.label for p in periods], "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "seconds": round(time.perf_counter() - started, 3), "software": versions(),
        "backend": "duckdb" if url is None else session.dialect, "inputs": fingerprints,
        "measures": result.measures, "skipped": result.skipped, "partitions": written,
        "disclosure": {"min_count": job.disclosure.min_count}, "notes": notes,
    }
    result.manifest = out / "manifest.json"
    write_json_atomic(result.manifest, manifest)
    return result


def _shown_origin(origin: str, job: Job) -> str:
    try:
        return str(Path(origin).resolve().relative_to(job.base_dir))
    except ValueError:
        return origin
