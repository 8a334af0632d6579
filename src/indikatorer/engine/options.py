"""Named decisions: a measure's options with their defaults, overridden by the job
(``options: {name: value}`` for every measure, or ``options: {"7.1": {name: value}}``)."""
from __future__ import annotations

from typing import Any

from ..errors import JobError
from ..job import Job
from ..spec.measures import MeasureSpec


def resolve_options(spec: MeasureSpec, job: Job) -> dict[str, Any]:
    opts = {name: o.default for name, o in spec.options.items()}
    for key, value in job.options.items():
        if isinstance(value, dict):
            if key == spec.id:
                for name, v in value.items():
                    if name not in spec.options:
                        raise JobError(f"options for `{spec.id}`: unknown option `{name}` "
                                       f"(have: {', '.join(sorted(spec.options)) or 'none'})")
                    opts[name] = v
        elif key in spec.options:
            opts[key] = value
    return opts
