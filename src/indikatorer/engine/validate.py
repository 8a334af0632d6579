"""``indikatorer validate``: read every source (structural checks) and report."""
from __future__ import annotations

from ..job import Job
from ..sources import load_source
from .runner import backend_url
from .session import open_session


def validate_job(job: Job) -> str:
    url, password = backend_url(job)
    lines = []
    with open_session(url, password=password) as session:
        for name in job.sources:
            src = load_source(session, job, name)
            for tname, t in src.tables.items():
                lines.append(f"ok {name}.{tname}: {t.rows} rows")
            lines.extend(f"note: {n}" for n in src.notes)
    return "\n".join(lines)
