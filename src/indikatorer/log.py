"""Messages to the operator: plain lines on a terminal, JSON lines otherwise (cron, systemd).
Never pass person ids here."""
from __future__ import annotations

import datetime as dt
import json
import sys


def _tty() -> bool:
    return sys.stderr.isatty()


def info(message: str, **fields) -> None:
    emit("info", message, **fields)


def warn(message: str, **fields) -> None:
    emit("warning", message, **fields)


def emit(level: str, message: str, **fields) -> None:
    if _tty():
        extra = " ".join(f"{k}={v}" for k, v in fields.items())
        print(f"{message}{(' ' + extra) if extra else ''}", file=sys.stderr)
    else:
        rec = {"ts": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "level": level, "msg": message}
        rec.update(fields)
        print(json.dumps(rec, ensure_ascii=False, default=str), file=sys.stderr)
