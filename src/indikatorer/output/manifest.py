"""``output/manifest.json``: run id, job, data_as_of, input fingerprints, versions, per-measure
row counts and timings, exclusions, notes. Written last, atomically."""
from __future__ import annotations

import json
import os
import platform
import uuid
from pathlib import Path
from typing import Any


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": platform.python_version()}
    for pkg in ("indikatorer", "sqlalchemy", "duckdb", "pyarrow", "pandas", "statsmodels"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def write_json_atomic(path: Path, data: Any, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}-{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def read_manifest(output: Path) -> dict | None:
    path = output / "manifest.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
