"""``indikatorer validate``: read every source and run only the data-quality checks (the
suites of ``expectations/``); writes ``OUTPUT/quality/`` and returns the summary lines. A
critical failure raises ``QualityError`` (exit 1) carrying the same lines in ``details``."""
from __future__ import annotations

import datetime as dt
import uuid

from ..job import Job
from ..quality import QualityGate
from ..sources import load_source
from .runner import backend_url
from .session import open_session


def validate_job(job: Job) -> str:
    url, password = backend_url(job)
    run_id = "validate-" + dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    gate = QualityGate(job, run_id, job.output_dir, command="validate")
    lines = []
    with open_session(url, password=password) as session:
        sources = {}
        for name in job.sources:
            src = load_source(session, job, name)
            sources[name] = src
            for tname, t in src.tables.items():
                lines.append(f"read {name}.{tname}: {t.rows} rows")
            lines.extend(f"note: {n}" for n in src.notes)
        gate.check_sources(session, sources, exclude=False)     # raises QualityError on a critical failure
    gate.write_report()
    return "\n".join(lines + [gate.text()])
