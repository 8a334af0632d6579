"""``indikatorer export OUTPUT --format xlsx|csv|kolada``: the indicator table for other tools.

* ``xlsx`` – a workbook to paste from: a sheet "Om" (run, markers, sheet list), then one sheet
  per measure; per variant a block with regions as rows (länskod, name; Riket last) and a
  column per period × sex (Kvinnor, Män, Totalt), then the same block for the denominators.
  Top-level cells only (all ages, diagnoses, care levels). Markers: ``..`` suppressed,
  ``–`` nothing to report (denominator 0); periods flagged preliminary say ``prel.``.
* ``csv`` – the whole indicator table (every stratum), the columns of ``output/table.py``;
  ``;`` separated, UTF-8 with BOM (so Excel reads å, ä, ö), ``--decimal-comma`` for Swedish
  Excel. Booleans ``true``/``false``; suppressed cells have empty value and counts.
* ``kolada`` – JSON in the shape of Kolada's data API (see ``kolada.py`` for the mapping).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import JobError

FORMATS = ("xlsx", "csv", "kolada")
DEFAULT_NAMES = {"xlsx": "indikatorer.xlsx", "csv": "indikatorer.csv", "kolada": "kolada.json"}


def default_path(output: Path, fmt: str) -> Path:
    return Path(output) / "export" / DEFAULT_NAMES[fmt]


def export_output(output: Path, fmt: str, out: Path | None = None, *, decimal_comma: bool = False,
                  measures_dir: str | None = None) -> Path:
    """Write the export of the output folder ``output`` in ``fmt``; return the file written."""
    fmt = str(fmt).strip().lower()
    if fmt not in FORMATS:
        raise JobError(f"--format must be one of {', '.join(FORMATS)} (got `{fmt}`)")
    if decimal_comma and fmt != "csv":
        raise JobError("--decimal-comma applies to --format csv only (xlsx stores numbers, kolada is JSON)")
    target = Path(out) if out else default_path(output, fmt)
    if fmt == "csv":
        from .delimited import write_csv
        return write_csv(Path(output), target, decimal_comma=decimal_comma)
    from ..report.data import load_output
    data = load_output(Path(output), measures_dir=measures_dir)
    if fmt == "xlsx":
        from .xlsx import write_xlsx
        return write_xlsx(data, target)
    from .kolada import write_kolada
    return write_kolada(data, target)


__all__ = ["FORMATS", "default_path", "export_output"]
