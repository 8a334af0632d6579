"""The tables the generator writes, column by column as in spec/sources.md.

``(name, type, nullable)``: *nullable* says whether the generator ever writes a null there
(the Arrow fields themselves stay nullable, as any reader of a CSV would infer them).
"""
from __future__ import annotations

import pyarrow as pa

S, D, I, F, B = pa.string(), pa.date32(), pa.int64(), pa.float64(), pa.bool_()

TABLES: dict[tuple[str, str], list[tuple[str, pa.DataType, bool]]] = {
    ("midas", "perioder"): [
        ("person_id", S, False), ("startdatum", D, False), ("slutdatum", D, False),
        ("omfattning", I, False), ("formanstyp", S, False), ("diagnoskod", S, True),
        ("kon", S, False), ("fodelsear", I, False), ("hemlan_kod", S, False),
        ("sysselsattning", S, False),
    ],
    ("midas", "arenden"): [
        ("person_id", S, False), ("datum", D, False), ("handelse", S, False),
        ("lan_kod", S, False), ("vardenhet_id", S, True),
    ],
    ("intygsstatistik", "intyg"): [
        ("intyg_id", S, False), ("patient_id", S, False), ("intygstyp", S, False),
        ("signeringsdatum", D, False), ("vardgivare_id", S, False), ("vardenhet_id", S, False),
        ("lan_kod", S, False), ("vardniva", S, False), ("kon", S, False), ("alder", I, False),
        ("diagnoskod", S, True),
    ],
    ("intygsstatistik", "intyg_perioder"): [
        ("intyg_id", S, False), ("grad", I, False), ("startdatum", D, False), ("slutdatum", D, False),
    ],
    ("intygsstatistik", "meddelanden"): [
        ("meddelande_id", S, False), ("intyg_id", S, False), ("typ", S, False),
        ("skickat_datum", D, False),
    ],
    ("pas", "kontakter"): [
        ("kontakt_id", S, False), ("person_id", S, False), ("kontaktdatum", D, False),
        ("utskrivningsdatum", D, True), ("vardgivare_id", S, False), ("vardenhet_id", S, False),
        ("lan_kod", S, False), ("vardniva", S, False), ("kontakttyp", S, False),
        ("yrkeskategori", S, False), ("hdia", S, True), ("dia", S, True), ("op", S, True),
    ],
    ("enheter", "enheter"): [
        ("period", S, False), ("enhet_id", S, False), ("lan_kod", S, False), ("vardniva", S, False),
        ("agarform", S, False), ("rehabkoordinator_antal", F, False), ("rehabkoordinator_fte", F, False),
        ("koordinering_patienter", I, True), ("sakkunnig_lakare_tillgang", B, False),
        ("sakkunnig_lakare_fte", F, False), ("fm_utbildning", S, True),
    ],
    ("npe", "svar"): [
        ("respondent_id", S, False), ("undersokning", S, False), ("lan_kod", S, False),
        ("enhet_id", S, False), ("kon", S, False), ("alder", I, False),
        ("sjukskriven_senaste_aret", B, False), ("fraga_id", S, False), ("svar", I, True),
        ("vikt", F, True),
    ],
    ("population", "befolkning"): [
        ("lan_kod", S, False), ("kon", S, False), ("alder", I, False), ("datum", D, False),
        ("antal", I, False),
    ],
    ("villkor3", "behandlingar"): [
        ("ar", I, False), ("region", S, False), ("behandlingsform", S, False), ("antal", I, True),
    ],
    ("villkor3", "fordelning"): [
        ("ar", I, False), ("region", S, False), ("kvinnor", I, True), ("man", I, True),
        ("privat", I, True), ("offentlig", I, True),
    ],
    ("villkor3", "kontakter"): [
        ("ar", I, False), ("region", S, False), ("arbetsgivare", I, True),
        ("arbetsformedlingen", I, True),
    ],
}


def schema(kind: str, table: str) -> pa.Schema:
    return pa.schema([pa.field(name, typ) for name, typ, _ in TABLES[(kind, table)]])


def non_nullable(kind: str, table: str) -> list[str]:
    return [name for name, _, nullable in TABLES[(kind, table)] if not nullable]


def make_table(kind: str, table: str, columns: dict[str, pa.Array]) -> pa.Table:
    sch = schema(kind, table)
    missing = [n for n in sch.names if n not in columns]
    extra = [n for n in columns if n not in sch.names]
    if missing or extra:
        raise ValueError(f"{kind}/{table}: missing {missing}, unexpected {extra}")
    arrays = [columns[n] if columns[n].type == sch.field(n).type else columns[n].cast(sch.field(n).type)
              for n in sch.names]
    return pa.Table.from_arrays(arrays, schema=sch)
