"""Pseudonymisation at ingest: personnummer / samordningsnummer -> HMAC-SHA-256 pseudonym.

A source whose job entry names ``pseudonym_key_env`` carries personnummer (or
samordningsnummer) in its columns declared ``identifier: person``. For each such column the
adapter

1. reads the *distinct* raw values once (with their row counts) from the raw file view,
2. checks them in Python, vectorised: the format ``YYYYMMDDNNNC``, ``YYYYMMDD-NNNC``,
   ``YYMMDD-NNNC``, ``YYMMDD+NNNC`` (100 years or older) or ``YYMMDDNNNC``; a real calendar
   date, where a day of 61–91 is a samordningsnummer (day + 60); and the Luhn check digit over
   the ten digits YYMMDDNNNC,
3. computes ``HMAC-SHA-256(key, canonical 12-digit number)`` (hex) for each distinct value —
   the century of a 10-digit number is the one that makes the person at most 99 years old on
   ``data_as_of`` (``+``: 100 or older), so ``197001011234`` and ``700101-1234`` link,
4. joins the mapping back in SQL, so the normalised table ``src_<source>_<table>`` holds the
   pseudonym only. With DuckDB the mapping is an Arrow table registered as a view (scanned
   from Python memory, never stored in the database; under memory pressure DuckDB may spill
   the join's state to the run's temporary directory, which is removed when the run ends);
   other back-ends get a temporary table (in the database that already holds the raw
   numbers), dropped right after.

Numbers that fail a check are not dropped: their rows are kept under a pseudonym of their own
(HMAC of ``invalid:`` + the raw text, so they link to no valid number), counted, and reported
in the source's notes (rows, distinct values, reason) — never with the value. The key comes
from the environment variable only; a missing or empty key is a JobError (exit 2): plain
numbers are never used as a fallback. Nothing here logs or prints a value."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import uuid
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from ..errors import JobError

_FORMATS = r"^(?:(?P<c12>[0-9]{8})-?(?P<n12>[0-9]{4})|(?P<c10>[0-9]{6})(?P<sep>[-+]?)(?P<n10>[0-9]{4}))$"
_PATTERN = re.compile(_FORMATS)


def read_key(env: str, source: str) -> bytes:
    value = os.environ.get(env)
    if not value:
        raise JobError(f"source `{source}`: environment variable `{env}` (pseudonym_key_env) is not set or empty; "
                       f"personnummer are never read without the pseudonymisation key")
    return value.encode("utf-8")


def key_id(key: bytes) -> str:
    """A non-secret fingerprint of the key: two sources link only when theirs are equal."""
    return hmac.new(key, b"indikatorer pseudonym key id", hashlib.sha256).hexdigest()[:16]


@dataclass
class Checked:
    canonical: np.ndarray          # object array: 12-digit number, or None when invalid
    reason: np.ndarray             # object array: None, "format", "date" or "check digit"


def check_numbers(values, on: dt.date) -> Checked:
    """Validate and canonicalise personnummer / samordningsnummer: one compiled-regex pass
    gives the 12-digit form, then date and Luhn checks are numpy operations on a digit matrix."""
    n = len(values)
    reason = np.full(n, None, dtype=object)
    canonical = np.full(n, None, dtype=object)
    twelve = []
    idx = []
    century, yy_now = on.year // 100, on.year % 100
    match = _PATTERN.match
    for i, value in enumerate(values):
        m = match(str(value).strip()) if value is not None else None
        if m is None:
            reason[i] = "format"
            continue
        c12, n12, c10, sep, n10 = m.groups()
        if c12 is not None:
            twelve.append(c12 + n12)
        else:
            yy = int(c10[:2])
            cc = century if yy <= yy_now else century - 1
            if sep == "+":
                cc -= 1
            twelve.append(f"{cc:02d}{c10}{n10}")
        idx.append(i)
    if not idx:
        return Checked(canonical, reason)
    idx = np.array(idx)
    d = (np.frombuffer("".join(twelve).encode("ascii"), dtype=np.uint8).reshape(-1, 12).astype(np.int64) - 48)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month = d[:, 4] * 10 + d[:, 5]
    day = d[:, 6] * 10 + d[:, 7]
    day = np.where(day > 60, day - 60, day)                 # samordningsnummer: day + 60
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    last = np.where((month == 2) & leap, 29, month_days[np.clip(month, 0, 12)])
    bad_date = (month < 1) | (month > 12) | (day < 1) | (day > last)
    ten = d[:, 2:]
    prod = ten[:, :9] * np.array([2, 1, 2, 1, 2, 1, 2, 1, 2])
    total = (prod // 10 + prod % 10).sum(axis=1)
    bad_luhn = (10 - total % 10) % 10 != ten[:, 9]
    reason[idx[bad_date]] = "date"
    reason[idx[~bad_date & bad_luhn]] = "check digit"
    good = ~bad_date & ~bad_luhn
    canonical[idx[good]] = np.array(twelve, dtype=object)[good]
    return Checked(canonical, reason)


def pseudonyms(raw: list[str], key: bytes, on: dt.date) -> tuple[list[str], np.ndarray]:
    """Pseudonyms of distinct raw values and the reason each invalid one failed (None: valid)."""
    checked = check_numbers(raw, on)
    # HMAC-SHA-256 (RFC 2104) with the padded-key states computed once and copied per value:
    # the same digests as hmac.new(key, msg, sha256), about twice as fast
    block = hashlib.sha256(key).digest() if len(key) > 64 else key
    block = block.ljust(64, b"\0")
    inner0 = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer0 = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    out = []
    for value, canon in zip(raw, checked.canonical):
        inner = inner0.copy()
        inner.update((canon if canon is not None else "invalid:" + str(value).strip()).encode("utf-8"))
        outer = outer0.copy()
        outer.update(inner.digest())
        out.append(outer.hexdigest())
    return out, checked.reason


def looks_like_personnummer(values: list[str], on: dt.date) -> bool:
    """Most values are valid 12-digit or dashed personnummer (a source that should be
    pseudonymised at ingest but has no key)."""
    vals = [v for v in values if v is not None]
    if len(vals) < 20:
        return False
    checked = check_numbers(vals, on)
    s = pd.Series(vals, dtype=str).str.strip()
    strict = s.str.fullmatch(r"[0-9]{8}-?[0-9]{4}|[0-9]{6}[-+][0-9]{4}").to_numpy()
    valid = np.array([c is not None for c in checked.canonical]) & strict
    return valid.mean() >= 0.9


@dataclass
class Pseudonymiser:
    source: str
    env: str
    key: bytes
    on: dt.date
    notes: list[str] = field(default_factory=list)
    _cache: dict = field(default_factory=dict)      # raw -> pseudonym, across the source's tables

    @property
    def key_id(self) -> str:
        return key_id(self.key)

    def mapping(self, session, raw_rel, raw_text, table: str, column: str):
        """A relation (raw, pseudonym) for the distinct values of ``raw_text`` in ``raw_rel``,
        and a cleanup function to call once the normalised table is materialised."""
        grouped = session.execute(sa.select(raw_text.label("v"), sa.func.count().label("n")).select_from(raw_rel)
                                  .where(raw_text.is_not(None)).group_by(raw_text)).fetchall()
        raw = [r[0] for r in grouped]
        counts = np.array([r[1] for r in grouped], dtype=np.int64)
        todo = [v for v in raw if v not in self._cache]
        if todo:
            made, reasons = pseudonyms(todo, self.key, self.on)
            self._cache.update(zip(todo, made))
            self._cache.update({("reason", v): r for v, r in zip(todo, reasons)})
        pseudo = [self._cache[v] for v in raw]
        reasons = np.array([self._cache[("reason", v)] for v in raw], dtype=object)
        bad = np.array([r is not None for r in reasons], dtype=bool)
        note = (f"source `{self.source}`, table `{table}`, column `{column}`: personnummer pseudonymised at ingest "
                f"(HMAC-SHA-256, key from `{self.env}`), {len(raw)} distinct")
        if bad.any():
            why = ", ".join(f"{k}: {int((reasons == k).sum())}" for k in ("format", "date", "check digit")
                            if (reasons == k).any())
            note += (f"; {int(counts[bad].sum())} rows ({int(bad.sum())} distinct values) are not valid "
                     f"personnummer/samordningsnummer ({why}) and are kept under pseudonyms of their own")
        self.notes.append(note)
        data = pa.table({"raw": pa.array(raw, pa.string()), "pseudonym": pa.array(pseudo, pa.string())})
        name = f"pseudonyms_{uuid.uuid4().hex[:12]}"
        if session.is_duckdb:
            con = session.conn.connection.driver_connection
            con.register(name, data)

            def cleanup():
                con.unregister(name)
        else:
            session.conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} (raw TEXT PRIMARY KEY, pseudonym TEXT)")
            tbl = sa.table(name, sa.column("raw"), sa.column("pseudonym"))
            if raw:
                session.execute(sa.insert(tbl), [{"raw": r, "pseudonym": p} for r, p in zip(raw, pseudo)])

            def cleanup():
                session.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        return sa.table(name, sa.column("raw"), sa.column("pseudonym")), cleanup
