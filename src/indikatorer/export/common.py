"""Writing an export file atomically (temporary file beside it, then ``os.replace``)."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Callable


def write_atomic(target: Path, write: Callable[[Path], None]) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}-{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
