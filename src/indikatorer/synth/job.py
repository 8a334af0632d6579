"""The job file written next to the synthetic extracts (job.md)."""
from __future__ import annotations

from pathlib import Path

from .common import Window, to_date

SOURCE_KINDS = ("midas", "intygsstatistik", "pas", "enheter", "npe", "population", "villkor3")


def periods(window: Window) -> list[str]:
    """Every year of the data set, then the four quarters of the first year."""
    return [str(y) for y in window.years_list] + [f"{window.year}Q{q}" for q in range(1, 5)]


def job_text(window: Window, fmt: str) -> str:
    lines = [
        "# Synthetic data set written by indikatorer.synth (deterministic for its arguments)",
        "name: synthetic",
        f"data_as_of: {to_date(window.data_as_of).isoformat()}",
        "periods: [" + ", ".join(f'"{p}"' for p in periods(window)) + "]",
        "sources:",
    ]
    for kind in SOURCE_KINDS:
        lines += [f"  {kind}:", f"    kind: {kind}", f"    path: {kind}/"]
        if fmt == "csv":
            # `;`-separated, decimal comma, UTF-8 with BOM (the reader's default encoding)
            lines.append('    csv: {sep: ";", decimal: ","}')
    lines += [
        "measures: all",
        "strata: [region, sex, age_group, diagnosis_group]",
        "disclosure: {min_count: 5}",
        "output: output/",
    ]
    return "\n".join(lines) + "\n"


def write_job(out_dir: Path, window: Window, fmt: str) -> Path:
    path = Path(out_dir) / "job.yaml"
    path.write_text(job_text(window, fmt), encoding="utf-8")
    return path
