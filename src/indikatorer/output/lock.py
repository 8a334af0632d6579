"""One writer per output folder: an exclusive ``flock`` on ``OUTPUT/.lock``.

The kernel drops the lock when its process dies (also on SIGKILL), so a stale lock from a
killed run never blocks: the file may remain, the lock does not. The file records the
holder's pid, host and start time for the message the second run prints."""
from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import LockError


@contextmanager
def output_lock(output: Path, *, wait_seconds: float = 0.0, run_id: str = "") -> Iterator[None]:
    output.mkdir(parents=True, exist_ok=True)
    path = output / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(0.0, wait_seconds)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(path)
                    raise LockError(f"output {output} is locked by another run{holder}; try again later "
                                    f"or use --wait SECONDS") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "run_id": run_id,
                                 "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}).encode())
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return ""
    if not info:
        return ""
    return f" (pid {info.get('pid')} on {info.get('host')} since {info.get('since')})"
