"""What the report and the exports read from an output folder, and the Swedish labels they share.

Only the *top-level* cells are read (age group, diagnosis group and care level ``T``, no
vårdenhet): the regional comparison, the K/M split and the trend need nothing else, and on a
large output this keeps the reading cheap (a filter pushed down into the Parquet scan)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..codes import REGION_NAMES, RIKET, UNKNOWN_REGION
from ..errors import JobError
from ..output.manifest import read_manifest
from ..output.table import COLUMNS
from ..periods import parse_period
from ..spec.measures import MeasureSpec, _sort_key, load_catalogue

#: Markers (as in SCB's and Kolada's tables). Used by the HTML report and the Excel export.
SUPPRESSED = ".."            # suppressed by disclosure control (röjandeskydd)
NO_DATA = "–"                # nothing to report: the denominator is 0 (or no row)
SUPPRESSED_TEXT = "undertryckt (röjandeskydd)"
NO_DATA_TEXT = "inget underlag (nämnaren är 0)"

SEX_LABELS = {"K": "Kvinnor", "M": "Män", "T": "Totalt"}
SEX_ORDER = ("K", "M", "T")
UNIT_LABELS = {
    "andel": "Andel (%)", "per_1000": "Per 1 000", "per_10000": "Per 10 000", "per_100000": "Per 100 000",
    "dagar": "Dagar", "antal": "Antal", "kvot": "Kvot", "kronor": "Kronor",
}
STATISTIC_LABELS = {"proportion": "andel", "mean": "medelvärde", "rate": "kvot per befolkning",
                    "ratio": "kvot", "value": "värde"}
SOURCE_LABELS = {
    "midas": "MiDAS (Försäkringskassan)", "intygsstatistik": "Intygsstatistik (Inera)", "pas": "PAS (regionen)",
    "enheter": "Vårdenheter", "npe": "Nationell patientenkät", "population": "Befolkning (SCB)",
    "villkor3": "Villkor 3 (SKR)",
}
#: quality_flags values that mark a row as not final, with their Swedish text and marker.
FLAG_LABELS = {"preliminary": "preliminär", "incomplete-followup": "ofullständig uppföljning",
               "incomplete-report": "ofullständig rapportering", "missing-report": "rapport saknas",
               "incomplete-total": "ofullständig total"}
FLAG_MARKERS = {"preliminary": "P", "incomplete-followup": "U"}
#: the flags that make a period's values not final (trend: drawn as "preliminär")
NOT_FINAL = frozenset({"preliminary", "incomplete-followup"})
DQ_MARKER = "DQ"       # a data-quality check flagged the row (``dq:<check>``)
OTHER_MARKER = "*"     # any other flag
APPROXIMATE_TEXT = "ungefärlig (täljare och nämnare från olika källor)"
CI_METHOD_LABELS = {"wilson": "Wilson", "wilson-kish": "Wilson med Kish effektiva urvalsstorlek",
                    "t-mean": "t-fördelning", "byar": "Byar", "exact": "exakt Poisson",
                    "dobson": "Dobson, åldersstandardiserad"}

TOP_LEVEL = {"age_group": "T", "diagnosis_group": "T", "care_level": "T"}
#: the order of the cells ``load_output`` reads (unique among top-level cells)
ROW_ORDER = ["measure_id", "variant", "period", "region_code", "sex"]


@dataclass
class OutputData:
    """An output folder: its top-level indicator rows, its manifest and the measure catalogue."""
    root: Path
    cells: pd.DataFrame
    manifest: dict | None
    catalogue: dict[str, MeasureSpec] = field(default_factory=dict)
    _groups: dict | None = field(default=None, init=False, repr=False, compare=False)

    def measure_ids(self) -> list[str]:
        return sorted(self.cells["measure_id"].unique(), key=_sort_key)

    def variants(self, measure_id: str) -> list[str]:
        found = self.cells.loc[self.cells["measure_id"] == measure_id, "variant"].unique()
        return sorted(found, key=variant_sort_key)

    def rows(self, measure_id: str, variant: str) -> pd.DataFrame:
        """The cells of one measure/variant (grouped once: a mask over all cells per chart is slow)."""
        if self._groups is None:
            self._groups = {k: g for k, g in self.cells.groupby(["measure_id", "variant"], sort=False)}
        found = self._groups.get((measure_id, variant))
        return found.copy() if found is not None else self.cells.iloc[0:0].copy()

    @property
    def min_count(self) -> int | None:
        disclosure = (self.manifest or {}).get("disclosure") or {}
        return disclosure.get("min_count")


def variant_sort_key(variant: str):
    """Default definitions (``midas``) before named variants (``midas:persons``)."""
    return (":" in variant, variant)


def period_span(label: str):
    """(start, end) of a period label; far in the future when it cannot be parsed."""
    try:
        p = parse_period(label)
        return (p.start, p.end)
    except Exception:
        return (pd.Timestamp.max.date(), pd.Timestamp.max.date())


def period_sort_key(label: str):
    """Years, then quarters, then months (then anything else), each in time order: a table over
    ``2020`` and its quarters reads 2020, 2020Q1 … 2020Q4."""
    start, end = period_span(label)
    rank = 0 if label.isdigit() else 1 if "Q" in label else 2 if "M" in label else 3
    return (rank, start, end, label)


def load_output(root: Path, *, measures_dir: str | None = None) -> OutputData:
    """Read the top-level cells of ``root/indicators`` (all measures, periods, regions, K/M/T)."""
    import pyarrow.dataset as ds

    root = Path(root)
    folder = root / "indicators"
    if not folder.is_dir():
        raise JobError(f"no indicator table in {root} (expected the folder {folder}); run `indikatorer run` first")
    dataset = ds.dataset(folder, format="parquet")
    expr = None
    for col, val in TOP_LEVEL.items():
        term = ds.field(col) == val
        expr = term if expr is None else expr & term
    expr = expr & ds.field("unit_id").is_null()
    cells = dataset.to_table(filter=expr, columns=COLUMNS).to_pandas()
    cells = cells.sort_values(ROW_ORDER, kind="stable")
    return OutputData(root, cells.reset_index(drop=True), read_manifest(root), definitions(measures_dir))


def definitions(measures_dir: str | None = None) -> dict[str, MeasureSpec]:
    """The measure specs for the definitions. A report of published output must not fail
    because one spec file is broken today: then every readable spec is used, one by one."""
    try:
        return load_catalogue(measures_dir)
    except Exception:
        pass
    from ..paths import data_dir
    from ..spec.yamlfile import load_model
    out: dict[str, MeasureSpec] = {}
    for path in sorted((Path(measures_dir) if measures_dir else data_dir("measures")).glob("*.yaml")):
        try:
            spec = load_model(path, MeasureSpec, spec_file=path.name)
        except Exception:
            continue
        out.setdefault(spec.id, spec)
    return out


def flags_of(value) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [f for f in str(value).split(";") if f]


def flag_label(flag: str) -> str:
    """Swedish text of a quality flag (``dq:<check>``, ``regions-left-out:09,12`` included)."""
    if flag in FLAG_LABELS:
        return FLAG_LABELS[flag]
    name, _, arg = flag.partition(":")
    if name == "dq":
        return f"datakvalitetsvarning: {arg}"
    if name == "regions-left-out":
        return f"regioner utelämnade: {arg.replace(',', ', ')}"
    return flag


def flag_marker(flag: str) -> str:
    if flag in FLAG_MARKERS:
        return FLAG_MARKERS[flag]
    return DQ_MARKER if flag.startswith("dq:") else OTHER_MARKER


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def row_state(row) -> str:
    """``value``, ``suppressed`` or ``nodata``."""
    if bool(row["suppressed"]):
        return "suppressed"
    if is_missing(row["value"]):
        return "nodata"
    return "value"


def keep_region(rows: pd.DataFrame, code: str) -> bool:
    """Every real region is shown; ``99`` (okänt län) only when it has something to show."""
    if code != UNKNOWN_REGION:
        return True
    sub = rows[rows["region_code"] == code]
    return bool(sub["suppressed"].any() or (sub["denominator"].fillna(0) > 0).any())


def region_label(code: str, name=None) -> str:
    if not is_missing(name) and name:
        return str(name)
    return REGION_NAMES.get(code, code)


def region_order(codes) -> list[str]:
    """Regions by länskod, Riket last."""
    codes = list(dict.fromkeys(codes))
    return sorted([c for c in codes if c != RIKET]) + ([RIKET] if RIKET in codes else [])


def source_label(variant: str) -> str:
    kind, _, name = variant.partition(":")
    kinds = " + ".join(SOURCE_LABELS.get(k, k) for k in kind.split("+"))
    return f"{kinds}, variant {name}" if name else kinds


def _sv_number(x: float, decimals: int) -> str:
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def format_value(value, unit: str, decimals: int = 1) -> str:
    """A value as a Swedish reader expects it: ``12,3 %`` for shares, ``1 234,5`` otherwise."""
    if is_missing(value):
        return ""
    if unit == "andel":
        return _sv_number(float(value) * 100, decimals) + "\u00a0%"
    if unit in ("antal", "kronor"):
        return _sv_number(float(value), 0)
    if unit == "kvot":
        return _sv_number(float(value), 2)
    return _sv_number(float(value), decimals)


def format_count(value) -> str:
    if is_missing(value):
        return ""
    v = float(value)
    return _sv_number(v, 0) if v == int(v) else _sv_number(v, 1)
