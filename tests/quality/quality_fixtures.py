"""Passing and failing fixtures for every check of ``expectations/``.

``baseline(kind, table)`` gives valid rows (every check of the table's suite passes on them);
``MUTATIONS["<kind>.<table>/<check>"]`` turns them into rows on which that check fails. The
structural checks (``columns``, ``type_<col>``, ``not_null_<col>``) are derived from the layouts.
Rows are dicts keyed by the layout's columns; tables are created with the layout's types."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import sqlalchemy as sa

from indikatorer.codes import REGION_NAMES, REGIONS
from indikatorer.output.table import COLUMNS
from indikatorer.spec.layouts import load_layout

DATA_AS_OF = dt.date(2021, 6, 30)
N = 200
REG = sorted(REGIONS)
SQL_TYPES = {"string": "VARCHAR", "int": "BIGINT", "date": "DATE", "float": "DOUBLE", "bool": "BOOLEAN"}
WRONG_TYPE = {"string": "BIGINT", "int": "VARCHAR", "date": "VARCHAR", "float": "VARCHAR", "bool": "VARCHAR"}
FORMS = ["KBT", "IKBT", "IPT", "PDT", "EMDR", "ANNAN_PSYK", "MMR1", "MMR2", "BETEENDEMED", "AKTIV_TRANING",
         "ANNAN_SMARTA"]


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def day(i: int, base: str = "2020-01-01") -> dt.date:
    return d(base) + dt.timedelta(days=i % 360)


# ---------------------------------------------------------------------------------- baselines
def _perioder():
    return [{"person_id": f"P{i % 50}", "startdatum": day(i), "slutdatum": day(i) + dt.timedelta(days=10 + i % 30),
             "omfattning": [25, 50, 75, 100][i % 4], "formanstyp": "SJP",
             "diagnoskod": ["F43.2", "M54.5", "F32.1", "J06.9"][i % 4], "kon": "KM"[i % 2],
             "fodelsear": 1960 + i % 40, "hemlan_kod": REG[i % 21], "sysselsattning": "ANST"} for i in range(N)]


def _arenden():
    return [{"person_id": f"P{i % 50}", "datum": day(i), "handelse": "IMPULS_INTYG", "lan_kod": REG[i % 21],
             "vardenhet_id": f"VE{i % 7}"} for i in range(N)]


def _intyg():
    return [{"intyg_id": f"I{i}", "patient_id": f"X{i % 60}", "intygstyp": "FK7804", "signeringsdatum": day(i),
             "vardgivare_id": "VG1", "vardenhet_id": f"VE{i % 7}", "lan_kod": REG[i % 21], "vardniva": "PV",
             "kon": "KM"[i % 2], "alder": 20 + i % 40, "diagnoskod": ["F43.2", "M545", "f32.1"][i % 3]}
            for i in range(N)]


def _intyg_perioder():
    return [{"intyg_id": f"I{i}", "grad": [25, 50, 75, 100][i % 4], "startdatum": day(i),
             "slutdatum": day(i) + dt.timedelta(days=14)} for i in range(N)]


def _meddelanden():
    return [{"meddelande_id": f"M{i}", "intyg_id": f"I{i}", "typ": "KOMPLT",
             "skickat_datum": day(i) + dt.timedelta(days=5)} for i in range(N)]


def _kontakter_pas():
    return [{"kontakt_id": f"K{i}", "person_id": f"P{i % 50}", "kontaktdatum": day(i),
             "utskrivningsdatum": day(i) + dt.timedelta(days=2) if i % 5 == 0 else None, "vardgivare_id": "VG1",
             "vardenhet_id": f"VE{i % 7}", "lan_kod": REG[i % 21], "vardniva": "PV", "kontakttyp": "BESOK",
             "yrkeskategori": "LAK", "hdia": "F43.2", "dia": "F43.2 I10.9", "op": "GC001 ZV506" if i % 2 else "TJD20"}
            for i in range(N)]


def _enheter():
    return [{"period": f"2020Q{1 + i % 4}", "enhet_id": f"E{i // 4}", "lan_kod": REG[i % 21], "vardniva": "PV",
             "agarform": "OFF", "rehabkoordinator_antal": 2.0, "rehabkoordinator_fte": 1.5,
             "koordinering_patienter": 40, "sakkunnig_lakare_tillgang": True, "sakkunnig_lakare_fte": 0.2,
             "fm_utbildning": "LAK SSK"} for i in range(N)]


def _svar():
    qs = ["BEMOTANDE", "KOORD_BEHOV", "KOORD_ERBJUDEN", "KOORD_HJALP"]
    return [{"respondent_id": f"R{i // 4}", "undersokning": "PV2021", "lan_kod": REG[(i // 4) % 21],
             "enhet_id": "E1", "kon": "KM"[(i // 4) % 2], "alder": 45, "sjukskriven_senaste_aret": True,
             "fraga_id": qs[i % 4], "svar": 4 if i % 4 == 0 else 1, "vikt": 1.0} for i in range(N)]


def _befolkning():
    return [{"lan_kod": r, "kon": k, "alder": a, "datum": d("2019-11-01"), "antal": 1000}
            for r in REG for k in "KM" for a in (20, 30, 40, 50, 60)]


def _behandlingar():
    return [{"ar": 2020, "region": r, "behandlingsform": f, "antal": 10} for r in REG for f in FORMS]


def _fordelning():
    return [{"ar": 2020, "region": r, "kvinnor": 70, "man": 40, "privat": 60, "offentlig": 50} for r in REG]


def _kontakter_v3():
    return [{"ar": 2020, "region": r, "arbetsgivare": 5, "arbetsformedlingen": 1} for r in REG]


BASELINES: dict[tuple[str, str], Callable[[], list[dict]]] = {
    ("midas", "perioder"): _perioder, ("midas", "arenden"): _arenden,
    ("intygsstatistik", "intyg"): _intyg, ("intygsstatistik", "intyg_perioder"): _intyg_perioder,
    ("intygsstatistik", "meddelanden"): _meddelanden, ("pas", "kontakter"): _kontakter_pas,
    ("enheter", "enheter"): _enheter, ("npe", "svar"): _svar, ("population", "befolkning"): _befolkning,
    ("villkor3", "behandlingar"): _behandlingar, ("villkor3", "fordelning"): _fordelning,
    ("villkor3", "kontakter"): _kontakter_v3,
}
# other tables of the same source that a suite's SQL reads
COMPANIONS = {("intygsstatistik", "intyg_perioder"): ["intyg"], ("intygsstatistik", "meddelanden"): ["intyg"],
              ("villkor3", "fordelning"): ["behandlingar"], ("villkor3", "kontakter"): ["behandlingar"]}


def indicator_baseline() -> pd.DataFrame:
    rows = []
    for code in REG + ["00"]:
        rows.append({"measure_id": "T.1", "variant": "midas", "region_code": code, "numerator": 5.0,
                     "denominator": 10.0, "value": 0.5, "value_unit": "andel", "ci_lower": 0.24, "ci_upper": 0.76,
                     "ci_method": "wilson", "approximate": False})
    rows.append({"measure_id": "T.2", "variant": "pas+midas:aggregate", "region_code": "00", "numerator": 3.0,
                 "denominator": 10.0, "value": 0.3, "value_unit": "andel", "ci_lower": None, "ci_upper": None,
                 "ci_method": None, "approximate": True})
    rows.append({"measure_id": "T.3", "variant": "midas", "region_code": "00", "numerator": 200.0,
                 "denominator": 10.0, "value": 20.0, "value_unit": "dagar", "ci_lower": 15.0, "ci_upper": 25.0,
                 "ci_method": "t-mean", "approximate": False})
    frame = pd.DataFrame(rows)
    frame["period"], frame["period_start"], frame["period_end"] = "2020", d("2020-01-01"), d("2020-12-31")
    frame["reference_date"] = d("2020-12-31")
    frame["region_name"] = frame["region_code"].map(REGION_NAMES)
    for c in ("sex", "age_group", "diagnosis_group", "care_level"):
        frame[c] = "T"
    frame["unit_id"] = None
    frame["suppressed"], frame["suppression_reason"], frame["quality_flags"] = False, None, None
    frame["data_as_of"], frame["run_id"], frame["spec_hash"] = DATA_AS_OF, "r1", "sha256:x"
    return frame[COLUMNS].copy()


# ---------------------------------------------------------------------------------- mutations
@dataclass
class Fixture:
    """What to change in the baseline so that the check fails."""
    rows: Callable[[list[dict]], list[dict]] | None = None            # the checked table's rows
    companions: dict[str, Callable[[list[dict]], list[dict]]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)               # column -> SQL type
    drop: tuple[str, ...] = ()                                        # columns left out
    frame: Callable[[pd.DataFrame], pd.DataFrame] | None = None       # indicator table


def setv(col: str, value, k: int = 1, start: int = 0):
    """Set ``col`` to ``value`` in ``k`` rows (from ``start``)."""
    def f(rows):
        for r in rows[start:start + k]:
            r[col] = value(r) if callable(value) else value
        return rows
    return Fixture(rows=f)


def drop_where(pred):
    return Fixture(rows=lambda rows: [r for r in rows if not pred(r)])


def dup(k: int = 1):
    return Fixture(rows=lambda rows: rows + [dict(r) for r in rows[:k]])


def end_before_start(k):
    return setv("slutdatum", lambda r: r["startdatum"] - dt.timedelta(days=1), k)


def companion(table: str, fn) -> Fixture:
    return Fixture(companions={table: fn})


def frame_fn(fn) -> Fixture:
    return Fixture(frame=fn)


def _region_pair(prefix: str, col: str) -> dict[str, Fixture]:
    return {f"{prefix}/region_code": setv(col, "77", 3), f"{prefix}/region_code_share": setv(col, "77", 12)}


def _sex_pair(prefix: str, col: str = "kon") -> dict[str, Fixture]:
    return {f"{prefix}/sex_code": setv(col, "X", 1), f"{prefix}/sex_code_share": setv(col, "X", 12)}


MUTATIONS: dict[str, Fixture] = {
    # midas.perioder
    "midas.perioder/end_after_start": end_before_start(1),
    "midas.perioder/end_after_start_share": end_before_start(3),
    "midas.perioder/period_length": setv("slutdatum", lambda r: r["startdatum"] + dt.timedelta(days=1200)),
    "midas.perioder/date_range_startdatum": Fixture(rows=lambda rows: [
        {**rows[0], "startdatum": d("2021-12-01"), "slutdatum": d("2021-12-10")}] + rows[1:]),
    "midas.perioder/date_range_slutdatum": setv("slutdatum", d("2022-08-01")),
    "midas.perioder/grade": setv("omfattning", 60),
    "midas.perioder/grade_share": setv("omfattning", 60, 3),
    "midas.perioder/benefit_type": setv("formanstyp", "XYZ"),
    "midas.perioder/icd10_format": setv("diagnoskod", "XXX", 12),
    **_sex_pair("midas.perioder"),
    "midas.perioder/birth_year": setv("fodelsear", 1850),
    **_region_pair("midas.perioder", "hemlan_kod"),
    "midas.perioder/employment": setv("sysselsattning", "FOO"),
    "midas.perioder/complete_kon": setv("kon", None, 12),
    "midas.perioder/complete_fodelsear": setv("fodelsear", None, 12),
    "midas.perioder/complete_hemlan_kod": setv("hemlan_kod", None, 12),
    # midas.arenden
    "midas.arenden/date_range_datum": setv("datum", d("2021-07-01")),
    "midas.arenden/event_type": setv("handelse", "SAMTAL"),
    **_region_pair("midas.arenden", "lan_kod"),
    # intygsstatistik.intyg
    "intygsstatistik.intyg/unique_intyg_id": setv("intyg_id", "I1"),
    "intygsstatistik.intyg/certificate_type": setv("intygstyp", "FK9999"),
    "intygsstatistik.intyg/date_range_signeringsdatum": setv("signeringsdatum", d("2021-07-01")),
    **_region_pair("intygsstatistik.intyg", "lan_kod"),
    "intygsstatistik.intyg/care_level": setv("vardniva", "XX", 3),
    **_sex_pair("intygsstatistik.intyg"),
    "intygsstatistik.intyg/age_range": setv("alder", 150),
    "intygsstatistik.intyg/icd10_format": setv("diagnoskod", "UNK", 12),
    "intygsstatistik.intyg/complete_kon": setv("kon", None, 12),
    "intygsstatistik.intyg/complete_alder": setv("alder", None, 12),
    "intygsstatistik.intyg/complete_lan_kod": setv("lan_kod", None, 12),
    # intygsstatistik.intyg_perioder
    "intygsstatistik.intyg_perioder/end_after_start": end_before_start(1),
    "intygsstatistik.intyg_perioder/end_after_start_share": end_before_start(3),
    "intygsstatistik.intyg_perioder/period_length": setv("slutdatum", lambda r: r["startdatum"] + dt.timedelta(days=1100)),
    "intygsstatistik.intyg_perioder/date_range_startdatum": Fixture(rows=lambda rows: [
        {**rows[0], "startdatum": d("2022-08-01"), "slutdatum": d("2022-08-10")}] + rows[1:]),
    "intygsstatistik.intyg_perioder/date_range_slutdatum": setv("slutdatum", d("2022-08-01")),
    "intygsstatistik.intyg_perioder/grade": setv("grad", 33),
    "intygsstatistik.intyg_perioder/grade_share": setv("grad", 33, 3),
    "intygsstatistik.intyg_perioder/certificate_exists": companion("intyg", lambda rows: rows[1:]),
    # intygsstatistik.meddelanden
    "intygsstatistik.meddelanden/unique_meddelande_id": setv("meddelande_id", "M1"),
    "intygsstatistik.meddelanden/message_type": setv("typ", "HEJ"),
    "intygsstatistik.meddelanden/date_range_skickat_datum": setv("skickat_datum", d("2021-07-01")),
    "intygsstatistik.meddelanden/certificate_exists": setv("intyg_id", "NOPE"),
    "intygsstatistik.meddelanden/certificate_exists_share": setv("intyg_id", "NOPE", 12),
    "intygsstatistik.meddelanden/sent_after_signing": setv("skickat_datum", lambda r: d("2019-12-01")),
    # pas.kontakter
    "pas.kontakter/unique_kontakt_id": setv("kontakt_id", "K1"),
    "pas.kontakter/date_range_kontaktdatum": setv("kontaktdatum", d("2021-07-01")),
    "pas.kontakter/discharge_after_admission": setv("utskrivningsdatum", d("2019-01-01")),
    "pas.kontakter/contact_type": setv("kontakttyp", "TELEFON"),
    "pas.kontakter/profession": setv("yrkeskategori", "CHEF"),
    "pas.kontakter/care_level": setv("vardniva", "XX", 3),
    **_region_pair("pas.kontakter", "lan_kod"),
    "pas.kontakter/icd10_format": setv("hdia", "1234", 12),
    "pas.kontakter/icd10_list_format": setv("dia", "F43.2,I10.9", 12),
    "pas.kontakter/kva_format": setv("op", "GC001 12345", 3),
    # enheter.enheter
    "enheter.enheter/unique_period_enhet_id": setv("enhet_id", "E1"),
    "enheter.enheter/period_format": setv("period", "2020-Q1"),
    **_region_pair("enheter.enheter", "lan_kod"),
    "enheter.enheter/care_level": setv("vardniva", "XX"),
    "enheter.enheter/ownership": setv("agarform", "KOMMUN"),
    "enheter.enheter/coordinators_range": setv("rehabkoordinator_antal", -1.0),
    "enheter.enheter/coordinator_fte_range": setv("rehabkoordinator_fte", -1.0),
    "enheter.enheter/coordinated_patients_range": setv("koordinering_patienter", -5),
    "enheter.enheter/insurance_physician_fte_range": setv("sakkunnig_lakare_fte", 500.0),
    "enheter.enheter/fm_education_format": setv("fm_utbildning", "LAK,SSK"),
    # npe.svar
    "npe.svar/question": setv("fraga_id", "ANNAT"),
    "npe.svar/answer_scale": setv("svar", 7),
    "npe.svar/one_answer_per_question": dup(1),
    **_sex_pair("npe.svar"),
    "npe.svar/age_range": setv("alder", -3),
    **_region_pair("npe.svar", "lan_kod"),
    "npe.svar/weight_range": setv("vikt", -1.0),
    # population.befolkning
    "population.befolkning/unique_cell": dup(1),
    "population.befolkning/region_code": setv("lan_kod", "99"),
    "population.befolkning/sex_code": setv("kon", "X"),
    "population.befolkning/age_range": setv("alder", 130),
    "population.befolkning/count_not_negative": setv("antal", -5),
    "population.befolkning/every_region": drop_where(lambda r: r["lan_kod"] == "09"),
    # villkor3
    "villkor3.behandlingar/region_code": setv("region", "77"),
    "villkor3.behandlingar/treatment_form": setv("behandlingsform", "YOGA"),
    "villkor3.behandlingar/count_not_negative": setv("antal", -1),
    "villkor3.behandlingar/year_range": setv("ar", 2035),
    "villkor3.behandlingar/one_row_per_form": dup(1),
    "villkor3.behandlingar/region_reported": drop_where(lambda r: r["region"] == "09"),
    "villkor3.fordelning/region_code": setv("region", "77"),
    "villkor3.fordelning/women_not_negative": setv("kvinnor", -1),
    "villkor3.fordelning/men_not_negative": setv("man", -1),
    "villkor3.fordelning/private_not_negative": setv("privat", -1),
    "villkor3.fordelning/public_not_negative": setv("offentlig", -1),
    "villkor3.fordelning/sex_split_adds_up": setv("kvinnor", 71),
    "villkor3.fordelning/provider_split_adds_up": setv("offentlig", 49),
    "villkor3.kontakter/region_code": setv("region", "77"),
    "villkor3.kontakter/employer_not_negative": setv("arbetsgivare", -1),
    "villkor3.kontakter/af_not_negative": setv("arbetsformedlingen", -1),
    "villkor3.kontakter/contacts_reported": Fixture(rows=lambda rows: [
        {**r, "arbetsgivare": 0, "arbetsformedlingen": 0} if r["region"] == "12" else r for r in rows]),
    "villkor3.kontakter/contact_share_plausible": Fixture(rows=lambda rows: [
        {**r, "arbetsgivare": 100, "arbetsformedlingen": 5} if r["region"] == "07" else r for r in rows]),
    # the indicator table
    "indicators/columns": frame_fn(lambda f: f.assign(person_id="P1")),
    "indicators/unique_row": frame_fn(lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True)),
    "indicators/numerator_le_denominator": frame_fn(lambda f: f.assign(
        numerator=[12.0] + list(f["numerator"][1:]))),
    "indicators/share_within_0_1": frame_fn(lambda f: f.assign(value=[1.5] + list(f["value"][1:]),
                                                               ci_upper=[1.6] + list(f["ci_upper"][1:]))),
    "indicators/approximate_share_within_0_1": frame_fn(
        lambda f: f.assign(value=[1.3 if m == "T.2" else v for m, v in zip(f["measure_id"], f["value"])])),
    "indicators/counts_not_negative": frame_fn(lambda f: f.assign(
        denominator=[-1.0 if m == "T.3" else v for m, v in zip(f["measure_id"], f["denominator"])])),
    "indicators/suppressed_cells_empty": frame_fn(lambda f: f.assign(suppressed=[True] + [False] * (len(f) - 1))),
    "indicators/every_region": frame_fn(lambda f: f[f["region_code"] != "09"].reset_index(drop=True)),
    "indicators/region_code": frame_fn(lambda f: f.assign(region_code=["77"] + list(f["region_code"][1:]))),
    "indicators/sex": frame_fn(lambda f: f.assign(sex=["X"] + list(f["sex"][1:]))),
    "indicators/value_unit": frame_fn(lambda f: f.assign(value_unit=["procent"] + list(f["value_unit"][1:]))),
    "indicators/interval_contains_value": frame_fn(lambda f: f.assign(ci_upper=[0.4] + list(f["ci_upper"][1:]))),
    "indicators/not_null_measure_id": frame_fn(lambda f: f.assign(measure_id=[None] + list(f["measure_id"][1:]))),
    "indicators/not_null_period": frame_fn(lambda f: f.assign(period=[None] + list(f["period"][1:]))),
    "indicators/not_null_run_id": frame_fn(lambda f: f.assign(run_id=[None] + list(f["run_id"][1:]))),
}


def structural_fixture(kind: str, table: str, check: str) -> Fixture | None:
    spec = load_layout(kind).tables[table]
    cols = list(spec.columns)
    if check == "columns":
        return Fixture(drop=(cols[-1],))
    if check.startswith("type_") and check[5:] in spec.columns:
        col = check[5:]
        return Fixture(types={col: WRONG_TYPE[spec.columns[col].type]})
    if check.startswith("not_null_") and check[9:] in spec.columns:
        return setv(check[9:], None)
    return None


def fixture_for(kind: str, table: str, check: str) -> Fixture | None:
    if kind == "indicators":
        return MUTATIONS.get(f"indicators/{check}")
    return MUTATIONS.get(f"{kind}.{table}/{check}") or structural_fixture(kind, table, check)


# ---------------------------------------------------------------------------------- tables
def create_table(session, kind: str, table: str, rows: list[dict], *, types: dict[str, str] | None = None,
                 drop: tuple[str, ...] = ()) -> str:
    """A temporary table with the layout's columns (and ``_row``) in the DuckDB session."""
    spec = load_layout(kind).tables[table]
    types = types or {}
    cols = [c for c in spec.columns if c not in drop]
    name = session.new_name(f"src_t_{table}")
    decl = [f"{c} {types.get(c, SQL_TYPES[spec.columns[c].type])}" for c in cols] + ["_row BIGINT"]
    session.execute(sa.text(f"CREATE TEMPORARY TABLE {name} ({', '.join(decl)})"))
    if rows:
        text = {c: [None if (r.get(c) is None or c in types) else str(r[c]) for r in rows] for c in cols}
        frame = pd.DataFrame(text, dtype=object)
        frame["_row"] = [str(i + 1) for i in range(len(rows))]
        import pyarrow as pa
        arrow = pa.Table.from_pandas(frame, schema=pa.schema([(c, pa.string()) for c in frame.columns]),
                                     preserve_index=False)
        raw = session.conn.connection.driver_connection
        raw.register(f"{name}_in", arrow)
        casts = [f"CAST({c} AS {types.get(c, SQL_TYPES[spec.columns[c].type])})" for c in cols] + ["CAST(_row AS BIGINT)"]
        session.execute(sa.text(f"INSERT INTO {name} SELECT {', '.join(casts)} FROM {name}_in"))
        raw.unregister(f"{name}_in")
    return name
