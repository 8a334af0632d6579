"""Deterministic, vectorised synthetic data in every source layout of spec/sources.md.

``write_synthetic(out_dir)`` writes ``out_dir/<kind>/<table>.<parquet|csv>`` for midas,
intygsstatistik, pas, enheter, npe, population and villkor3, and ``out_dir/job.yaml``.
The same arguments give byte-identical files.

Modules: ``population`` (regions, SCB counts), ``units`` (HSA-like unit registry),
``persons`` (the sick-listed population and pseudonyms), ``sickleave`` (true spells,
certificates, certificate periods), ``midas``, ``intygsstatistik``, ``pas`` (chunked),
``enheter``, ``npe``, ``villkor3``, ``writer`` (Parquet/CSV), ``job``.
"""
from __future__ import annotations

from pathlib import Path

from . import enheter, intygsstatistik, midas, npe, pas, population, villkor3
from .job import write_job
from .world import World, build_world
from .writer import FORMATS, write_table

__all__ = ["write_synthetic", "build_world", "World", "TABLES_WRITTEN"]

TABLES_WRITTEN = [
    ("midas", "perioder"), ("midas", "arenden"),
    ("intygsstatistik", "intyg"), ("intygsstatistik", "intyg_perioder"), ("intygsstatistik", "meddelanden"),
    ("pas", "kontakter"), ("enheter", "enheter"), ("npe", "svar"), ("population", "befolkning"),
    ("villkor3", "behandlingar"), ("villkor3", "fordelning"), ("villkor3", "kontakter"),
]


def write_synthetic(out_dir: Path, *, persons: int = 20_000, seed: int = 1, year: int = 2020,
                    years: int = 1, fmt: str = "parquet", pas_contacts_per_person: float | None = None) -> Path:
    """Write every source layout under out_dir/<kind>/<table>.<parquet|csv> and out_dir/job.yaml;
    return the job path.

    ``persons`` is the number of sick-listed persons (at least one spell); the spells run
    from Jan 1 of ``year - 1`` (history) to the cut-off June 30 after the last of ``years``.
    ``pas_contacts_per_person`` is the mean number of PAS contacts per sick-listed person
    (default 8); as many never-sick-listed patients get half as many each, so PAS holds
    about 1.5 x persons x that number of contacts (persons=1_000_000 with 20 gives ~30 M).
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(persons, seed=seed, year=year, years=years)

    write_table(out, "population", "befolkning", population.befolkning(world.window, seed), fmt)
    write_table(out, "enheter", "enheter", enheter.table(world), fmt)
    write_table(out, "npe", "svar", npe.table(world), fmt)
    for name, t in villkor3.tables(world).items():
        write_table(out, "villkor3", name, t, fmt)
    for name, t in intygsstatistik.tables(world).items():
        write_table(out, "intygsstatistik", name, t, fmt)
    write_table(out, "midas", "perioder", midas.perioder(world), fmt)
    write_table(out, "midas", "arenden", midas.arenden(world), fmt)
    world.cache.clear()
    write_table(out, "pas", "kontakter", pas.chunks(world, pas_contacts_per_person), fmt)
    return write_job(out, world.window, fmt)
