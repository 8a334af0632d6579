"""Past runs of an output folder, from the manifests kept in ``OUTPUT/history/``."""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import JobError
from .manifest import read_manifest


def list_runs(output: Path) -> list[dict]:
    if not output.is_dir():
        raise JobError(f"output folder {output} does not exist")
    current = (read_manifest(output) or {}).get("run_id")
    runs = []
    for path in sorted((output / "history").glob("*.json"), reverse=True):
        try:
            m = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        runs.append({"run_id": m.get("run_id"), "finished_at": str(m.get("finished_at", ""))[:19],
                     "job": m.get("job"), "data_as_of": m.get("data_as_of"),
                     "recomputed": len(m.get("recomputed", [])), "unchanged": len(m.get("unchanged", [])),
                     "seconds": m.get("seconds"), "current": m.get("run_id") == current})
    return runs
