"""Messages to the operator: plain lines on a terminal, JSON lines otherwise (cron, systemd).
Never pass person ids here."""
from __future__ import annotations

import datetime as dt
import json
import sys
import threading

_write = threading.Lock()   # a line is written whole, whichever thread logs it


def _tty() -> bool:
    return sys.stderr.isatty()


def info(message: str, **fields) -> None:
    emit("info", message, **fields)


def warn(message: str, **fields) -> None:
    emit("warning", message, **fields)


def emit(level: str, message: str, **fields) -> None:
    if _tty():
        extra = " ".join(f"{k}={v}" for k, v in fields.items())
        line = f"{message}{(' ' + extra) if extra else ''}"
    else:
        rec = {"ts": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "level": level, "msg": message}
        rec.update(fields)
        line = json.dumps(rec, ensure_ascii=False, default=str)
    with _write:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


class _NoProgress:
    def advance(self, description: str = "") -> None:
        pass


class progress:
    """A rich progress bar over the measures on a terminal; nothing under cron/systemd."""

    def __init__(self, total: int, description: str = "measures"):
        self.total, self.description, self._bar = total, description, None

    def __enter__(self):
        if not _tty() or self.total <= 0:
            return _NoProgress()
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), transient=True)
        self._bar.__enter__()
        self._task = self._bar.add_task(self.description, total=self.total)
        bar, task = self._bar, self._task

        class _P:
            def advance(self, description: str = "") -> None:
                bar.update(task, advance=1, description=description or None)
        return _P()

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.__exit__(*exc)
        return False
