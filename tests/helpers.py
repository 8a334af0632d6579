"""Helpers for tests: write tiny sources and job files, run jobs, read the indicator table."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd
import yaml

from indikatorer.engine.runner import run_job
from indikatorer.job import load_job
from indikatorer.output.table import read_indicators

MIDAS_COLUMNS = ["person_id", "startdatum", "slutdatum", "omfattning", "formanstyp", "diagnoskod", "kon",
                 "fodelsear", "hemlan_kod", "sysselsattning"]


def write_table(folder: Path, table: str, columns: Sequence[str], rows: Iterable[Sequence], *, sep: str = ";",
                encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.csv"
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=sep)
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


def midas_row(person, start, end, grade=100, diag="F43.2", sex="K", born=1980, region="05", empl="ANST",
              typ="SJP"):
    return [person, start, end, grade, typ, diag, sex, born, region, empl]


def write_midas(root: Path, periods: Iterable[Sequence], arenden: Iterable[Sequence] | None = None) -> Path:
    folder = root / "midas"
    write_table(folder, "perioder", MIDAS_COLUMNS, periods)
    if arenden is not None:
        write_table(folder, "arenden", ["person_id", "datum", "handelse", "lan_kod", "vardenhet_id"], arenden)
    return folder


INTYG_COLUMNS = ["intyg_id", "patient_id", "intygstyp", "signeringsdatum", "vardgivare_id", "vardenhet_id", "lan_kod",
                 "vardniva", "kon", "alder", "diagnoskod"]


def intyg_row(intyg_id, patient, signed, vg="VG1", ve="VE1", lan="05", niva="PV", sex="K", age=40, diag="F43.2",
              typ="FK7804"):
    return [intyg_id, patient, typ, signed, vg, ve, lan, niva, sex, age, diag]


def write_intygsstatistik(root: Path, intyg, perioder, meddelanden=()) -> Path:
    folder = root / "intyg"
    write_table(folder, "intyg", INTYG_COLUMNS, intyg)
    write_table(folder, "intyg_perioder", ["intyg_id", "grad", "startdatum", "slutdatum"], perioder)
    write_table(folder, "meddelanden", ["meddelande_id", "intyg_id", "typ", "skickat_datum"], meddelanden)
    return folder


def write_job(root: Path, sources: Mapping[str, Mapping], *, data_as_of="2021-06-30", periods=("2020",),
              measures="all", strata=None, min_count=0, **extra) -> Path:
    job = {"name": "test", "data_as_of": data_as_of, "periods": list(periods), "sources": dict(sources),
           "measures": measures, "disclosure": {"min_count": min_count}, "output": "output/", **extra}
    if strata is not None:
        job["strata"] = list(strata)
    path = root / "job.yaml"
    path.write_text(yaml.safe_dump(job, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run(job_path: Path) -> pd.DataFrame:
    job = load_job(job_path)
    run_job(job, report=False)
    return read_indicators(job.output_dir)


def cell(df: pd.DataFrame, measure: str, variant: str | None = None, period: str = "2020", **dims) -> pd.Series:
    """The one row of ``measure`` with the given dims (defaults: totals)."""
    want = {"region_code": "00", "sex": "T", "age_group": "T", "diagnosis_group": "T", "care_level": "T"}
    want.update(dims)
    m = (df.measure_id == measure) & (df.period == period)
    if variant is not None:
        m &= df.variant == variant
    for k, v in want.items():
        m &= df[k] == v
    rows = df[m]
    assert len(rows) == 1, f"{len(rows)} rows for {measure} {variant} {period} {want}"
    return rows.iloc[0]


# --- PAS, units survey, NPE and population (areas 2–6, N) -----------------------------------

PAS_COLUMNS = ["kontakt_id", "person_id", "kontaktdatum", "utskrivningsdatum", "vardgivare_id", "vardenhet_id",
               "lan_kod", "vardniva", "kontakttyp", "yrkeskategori", "hdia", "dia", "op"]


def pas_row(kontakt_id, person, date, op="", typ="BESOK", lan="05", niva="PV", ve="VE1", vg="VG1", yrke="LAK",
            hdia="F43.2", discharged=None):
    return [kontakt_id, person, date, discharged, vg, ve, lan, niva, typ, yrke, hdia, hdia, op]


def write_pas(root: Path, contacts: Iterable[Sequence]) -> Path:
    folder = root / "pas"
    write_table(folder, "kontakter", PAS_COLUMNS, contacts)
    return folder


ENHETER_COLUMNS = ["period", "enhet_id", "lan_kod", "vardniva", "agarform", "rehabkoordinator_antal",
                   "rehabkoordinator_fte", "koordinering_patienter", "sakkunnig_lakare_tillgang",
                   "sakkunnig_lakare_fte", "fm_utbildning"]


def unit_row(period, unit, lan="05", niva="PV", coord_n=0, coord_fte=0.0, coord_patients=None, expert=False,
             expert_fte=0.0, fm="", owner="OFF"):
    return [period, unit, lan, niva, owner, coord_n, coord_fte, coord_patients,
            None if expert is None else ("true" if expert else "false"), expert_fte, fm]


def write_enheter(root: Path, units: Iterable[Sequence]) -> Path:
    folder = root / "enheter"
    write_table(folder, "enheter", ENHETER_COLUMNS, units, sep=",")
    return folder


NPE_COLUMNS = ["respondent_id", "undersokning", "lan_kod", "enhet_id", "kon", "alder", "sjukskriven_senaste_aret",
               "fraga_id", "svar", "vikt"]


def npe_row(respondent, question, answer, sick=True, survey="PV2020", lan="05", unit="VE1", sex="K", age=40,
            weight=None):
    return [respondent, survey, lan, unit, sex, age, "true" if sick else "false", question, answer, weight]


def write_npe(root: Path, answers: Iterable[Sequence]) -> Path:
    folder = root / "npe"
    write_table(folder, "svar", NPE_COLUMNS, answers, sep=",")
    return folder


def write_population(root: Path, rows: Iterable[Sequence]) -> Path:
    """rows: (lan_kod, kon, alder, datum, antal)."""
    folder = root / "population"
    write_table(folder, "befolkning", ["lan_kod", "kon", "alder", "datum", "antal"], rows)
    return folder


def load_and_check(job, source: str, out: Path):
    """Read ``source`` of the loaded ``job`` and run the gate's source checks on it (a critical
    failure is kept in the results, not raised): (the loaded source, the gate)."""
    from indikatorer.engine.session import open_session
    from indikatorer.errors import QualityError
    from indikatorer.quality import QualityGate
    from indikatorer.sources import load_source
    with open_session() as s:
        src = load_source(s, job, source)
        gate = QualityGate(job, "validate", out)
        try:
            gate.check_sources(s, {source: src}, exclude=False)
        except QualityError:
            pass
    return src, gate
