"""Where the declarative data of the project lives (measures/, sources/, config/, expectations/)."""
from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("INDIKATORER_HOME")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2]


def data_dir(name: str) -> Path:
    return project_root() / name
