"""``python -m indikatorer.synth --out DIR [--persons N] [--seed S] [--year Y] ...``"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from . import write_synthetic


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m indikatorer.synth", description=__doc__)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--persons", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--year", type=int, default=2020)
    ap.add_argument("--years", type=int, default=1)
    ap.add_argument("--fmt", choices=("parquet", "csv"), default="parquet")
    ap.add_argument("--pas-contacts-per-person", type=float, default=None)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    job = write_synthetic(a.out, persons=a.persons, seed=a.seed, year=a.year, years=a.years, fmt=a.fmt,
                          pas_contacts_per_person=a.pas_contacts_per_person)
    print(f"wrote {job} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
