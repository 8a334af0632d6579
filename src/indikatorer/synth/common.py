"""Vectorised helpers shared by the generator modules: random streams, dates, group
arithmetic and fast construction of Arrow string columns (no per-row Python objects)."""
from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

_EPOCH = dt.date(1970, 1, 1)


def day(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 (the int32 behind Arrow's date32)."""
    return (dt.date(y, m, d) - _EPOCH).days


def to_date(days: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(days))


def rng_for(seed: int, stream: str, *extra: int) -> np.random.Generator:
    """An independent, reproducible stream per purpose (and chunk): no hash randomisation."""
    return np.random.default_rng([int(seed), zlib.crc32(stream.encode("utf-8")), *map(int, extra)])


@dataclass(frozen=True)
class Window:
    """The time frame of a synthetic extract (all values are days since the epoch)."""

    year: int
    years: int
    history_start: int      # Jan 1 of year - 1: the spells' history begins here
    period_start: int       # Jan 1 of year
    period_end: int         # Dec 31 of the last year
    data_as_of: int         # June 30 of the year after the last year: the extracts' cut-off

    @classmethod
    def of(cls, year: int, years: int) -> "Window":
        last = year + years - 1
        return cls(year, years, day(year - 1, 1, 1), day(year, 1, 1), day(last, 12, 31),
                   day(last + 1, 6, 30))

    @property
    def years_list(self) -> list[int]:
        return list(range(self.year, self.year + self.years))


def year_of(days: np.ndarray) -> np.ndarray:
    """Calendar year of day numbers (vectorised)."""
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def group_starts(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts) - counts


def pos_in_group(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., c-1 for every group of a flat array laid out group after group."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(group_starts(counts), counts)


def group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at every group."""
    cs = np.cumsum(values)
    before = np.concatenate(([0], cs))[group_starts(counts)]
    return cs - np.repeat(before, counts)


def choice(rng: np.random.Generator, p, size: int) -> np.ndarray:
    """Categorical draws (indices into ``p``), vectorised through the cumulative weights."""
    p = np.asarray(p, dtype=np.float64)
    cum = np.cumsum(p / p.sum())
    cum[-1] = 1.0
    return np.searchsorted(cum, rng.random(size), side="right").astype(np.int64)


def round_to(x: np.ndarray, decimals: int = 2) -> np.ndarray:
    return np.round(np.asarray(x, dtype=np.float64), decimals)


# ---------------------------------------------------------------- ids -------------------

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix64(x: np.ndarray, salt: int) -> np.ndarray:
    """A bijection of uint64 (splitmix64 finaliser of x xor salt): distinct inputs give
    distinct outputs, so ids made from row numbers are unique without a collision check."""
    z = np.asarray(x, dtype=np.uint64) ^ np.uint64(salt & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return z


def salt_for(seed: int, purpose: str) -> int:
    base = np.array([(int(seed) << 20) ^ zlib.crc32(purpose.encode("utf-8"))], dtype=np.uint64)
    return int(mix64(base, 0x5EED)[0])


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_MAX_BYTES = 2**31 - 1


def strings_from_matrix(mat: np.ndarray) -> pa.Array:
    """An Arrow string array from an (n, width) uint8 matrix of ASCII bytes."""
    mat = np.ascontiguousarray(mat, dtype=np.uint8)
    n, w = mat.shape
    if n * w > _MAX_BYTES:
        raise ValueError("string column chunk too large; generate it in smaller chunks")
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32) if w else np.zeros(n + 1, np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(mat.tobytes()))


def _prefix(n: int, prefix: str) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(prefix.encode("ascii"), np.uint8), (n, len(prefix)))


def hex_matrix(values: np.ndarray, width: int = 16) -> np.ndarray:
    """(n, width) ASCII hex digits of the low ``width`` nibbles (width even, <= 16)."""
    v = np.asarray(values, dtype=np.uint64)
    raw = v.astype(">u8").view(np.uint8).reshape(len(v), 8)[:, 8 - width // 2:]
    mat = np.empty((len(v), width), np.uint8)
    mat[:, 0::2] = _HEX[raw >> 4]
    mat[:, 1::2] = _HEX[raw & 0x0F]
    return mat


def hex_ids(values: np.ndarray, width: int = 16, prefix: str = "") -> pa.Array:
    v = np.asarray(values, dtype=np.uint64)
    parts = [_prefix(len(v), prefix)] if prefix else []
    parts.append(hex_matrix(v, width))
    return strings_from_matrix(np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0])


def dec_ids(values: np.ndarray, width: int, prefix: str = "") -> pa.Array:
    """Zero-padded decimal ids, e.g. ``K00000012345`` (values < 10**width, width <= 18)."""
    v = np.asarray(values, dtype=np.int64)
    n = len(v)
    pre = len(prefix)
    mat = np.empty((n, pre + width), np.uint8)
    if pre:
        mat[:, :pre] = np.frombuffer(prefix.encode("ascii"), np.uint8)
    # two int32 halves keep the per-digit divisions cheap
    halves = [(v // 10**9).astype(np.int32), (v % 10**9).astype(np.int32)]
    col = pre + width - 1
    for h_i, part in ((1, halves[1]), (0, halves[0])):
        digits = 9 if h_i == 1 else width - 9
        for _ in range(min(digits, width)):
            if col < pre:
                break
            part, r = np.divmod(part, 10)
            mat[:, col] = r + 48
            col -= 1
    return strings_from_matrix(mat)


def uuid_ids(index: np.ndarray, seed: int, purpose: str) -> pa.Array:
    """UUID-shaped ids (8-4-4-4-12 hex); unique because the first 16 digits are a bijection
    of the row number."""
    idx = np.asarray(index, dtype=np.uint64)
    a = hex_matrix(mix64(idx, salt_for(seed, purpose)), 16)
    b = hex_matrix(mix64(idx, salt_for(seed, purpose + "/2")), 16)
    n = len(idx)
    dash = np.full((n, 1), ord("-"), np.uint8)
    mat = np.concatenate([a[:, :8], dash, a[:, 8:12], dash, a[:, 12:16], dash, b[:, :4], dash, b[:, 4:16]],
                         axis=1)
    return strings_from_matrix(mat)


def b36(n: int, width: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = []
    for _ in range(width):
        n, r = divmod(n, 36)
        out.append(digits[r])
    return "".join(reversed(out))


# ---------------------------------------------------------------- Arrow columns ---------

def take(vocab, idx: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Strings by index into a small vocabulary (Arrow's C++ take; no Python per row)."""
    arr = vocab if isinstance(vocab, pa.Array) else pa.array(list(vocab), pa.string())
    ind = pa.array(np.asarray(idx, dtype=np.int32), mask=None if null is None else np.asarray(null, bool))
    return arr.take(ind)


def date_col(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(np.asarray(days, dtype=np.int32), type=pa.int32(),
                   mask=None if null is None else np.asarray(null, bool))
    return arr.view(pa.date32())


def int_col(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), type=pa.int64(),
                    mask=None if null is None else np.asarray(null, bool))


def float_col(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.float64), type=pa.float64(),
                    mask=None if null is None else np.asarray(null, bool))


def bool_col(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool), type=pa.bool_())
