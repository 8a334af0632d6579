"""Every table has exactly the columns of spec/sources.md, in the declared types."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from indikatorer.synth import TABLES_WRITTEN
from indikatorer.synth.schema import TABLES, non_nullable

# sources.md, column by column (name: type) -- written out here independently of schema.py
SOURCES_MD = {
    ("midas", "perioder"): "person_id:s startdatum:d slutdatum:d omfattning:i formanstyp:s diagnoskod:s kon:s "
                           "fodelsear:i hemlan_kod:s sysselsattning:s",
    ("midas", "arenden"): "person_id:s datum:d handelse:s lan_kod:s vardenhet_id:s",
    ("intygsstatistik", "intyg"): "intyg_id:s patient_id:s intygstyp:s signeringsdatum:d vardgivare_id:s "
                                  "vardenhet_id:s lan_kod:s vardniva:s kon:s alder:i diagnoskod:s",
    ("intygsstatistik", "intyg_perioder"): "intyg_id:s grad:i startdatum:d slutdatum:d",
    ("intygsstatistik", "meddelanden"): "meddelande_id:s intyg_id:s typ:s skickat_datum:d",
    ("pas", "kontakter"): "kontakt_id:s person_id:s kontaktdatum:d utskrivningsdatum:d vardgivare_id:s "
                          "vardenhet_id:s lan_kod:s vardniva:s kontakttyp:s yrkeskategori:s hdia:s dia:s op:s",
    ("enheter", "enheter"): "period:s enhet_id:s lan_kod:s vardniva:s agarform:s rehabkoordinator_antal:f "
                            "rehabkoordinator_fte:f koordinering_patienter:i sakkunnig_lakare_tillgang:b "
                            "sakkunnig_lakare_fte:f fm_utbildning:s",
    ("npe", "svar"): "respondent_id:s undersokning:s lan_kod:s enhet_id:s kon:s alder:i "
                     "sjukskriven_senaste_aret:b fraga_id:s svar:i vikt:f",
    ("population", "befolkning"): "lan_kod:s kon:s alder:i datum:d antal:i",
    ("villkor3", "behandlingar"): "ar:i region:s behandlingsform:s antal:i",
    ("villkor3", "fordelning"): "ar:i region:s kvinnor:i man:i privat:i offentlig:i",
    ("villkor3", "kontakter"): "ar:i region:s arbetsgivare:i arbetsformedlingen:i",
}
ARROW = {"s": pa.string(), "d": pa.date32(), "i": pa.int64(), "f": pa.float64(), "b": pa.bool_()}
LAYOUT_TYPES = {"string": pa.string(), "date": pa.date32(), "int": pa.int64(), "float": pa.float64(),
                "bool": pa.bool_()}


def expected(kind, table):
    return [(c.split(":")[0], ARROW[c.split(":")[1]]) for c in SOURCES_MD[(kind, table)].split()]


def test_every_layout_is_written():
    assert set(TABLES_WRITTEN) == set(SOURCES_MD) == set(TABLES)


@pytest.mark.parametrize("kind,table", sorted(SOURCES_MD))
def test_columns_and_types(synth_20k, kind, table):
    t = pq.read_table(Path(synth_20k[0]) / kind / f"{table}.parquet")
    assert [(f.name, f.type) for f in t.schema] == expected(kind, table)
    assert t.num_rows > 0
    for name in non_nullable(kind, table):
        assert t.column(name).null_count == 0, f"{kind}/{table}.{name} has nulls"


@pytest.mark.parametrize("kind,table", sorted(SOURCES_MD))
def test_matches_engine_layouts(kind, table):
    """The engine's declarative layouts (sources/<kind>.yaml) agree with what is written."""
    path = Path(__file__).resolve().parents[2] / "sources" / f"{kind}.yaml"
    if not path.is_file():
        pytest.skip("engine layouts not present")
    layout = yaml.safe_load(path.read_text(encoding="utf-8"))
    cols = layout["tables"][table]["columns"]
    assert [(n, LAYOUT_TYPES[c["type"]]) for n, c in cols.items()] == expected(kind, table)
    declared_non_null = {n for n, c in cols.items() if c.get("nullable") is False}
    assert declared_non_null <= set(non_nullable(kind, table))


def test_codes(synth_20k):
    root = Path(synth_20k[0])
    per = pq.read_table(root / "midas" / "perioder.parquet")
    assert set(pc.unique(per["omfattning"]).to_pylist()) == {25, 50, 75, 100}
    assert set(pc.unique(per["formanstyp"]).to_pylist()) == {"SJP", "SJL", "RHP", "FSJP"}
    assert set(pc.unique(per["kon"]).to_pylist()) == {"K", "M"}
    assert set(pc.unique(per["sysselsattning"]).to_pylist()) == {"ANST", "ARBL", "EGEN", "STUD", "OVR"}
    assert pc.all(pc.less_equal(per["startdatum"], per["slutdatum"])).as_py()
    ids = per["person_id"]
    assert pc.all(pc.match_substring_regex(ids, r"^[0-9a-f]{16}$")).as_py()
    intyg = pq.read_table(root / "intygsstatistik" / "intyg.parquet")
    assert set(pc.unique(intyg["intygstyp"]).to_pylist()) == {"FK7804", "AG7804", "AG114"}
    assert set(pc.unique(intyg["vardniva"]).to_pylist()) == {"PV", "SSV", "PSY"}
    assert pc.all(pc.match_substring_regex(intyg["vardenhet_id"], r"^SE\d{10}-[0-9A-Z]{4}$")).as_py()
    assert len(pc.unique(intyg["intyg_id"])) == intyg.num_rows
    ip = pq.read_table(root / "intygsstatistik" / "intyg_perioder.parquet")
    assert set(pc.unique(ip["grad"]).to_pylist()) == {25, 50, 75, 100}
    msg = pq.read_table(root / "intygsstatistik" / "meddelanden.parquet")
    assert set(pc.unique(msg["typ"]).to_pylist()) == {"KOMPLT", "PAMINN", "AVSTMN", "KONTKT", "OVRIGT"}
    arenden = pq.read_table(root / "midas" / "arenden.parquet")
    assert set(pc.unique(arenden["handelse"]).to_pylist()) == {
        "IMPULS_INTYG", "IMPULS_FK7429", "IMPULS_MUNTLIG", "KOMPLETTERING", "PAMINNELSE"}
    pas = pq.read_table(root / "pas" / "kontakter.parquet")
    assert set(pc.unique(pas["kontakttyp"]).to_pylist()) == {"BESOK", "DISTANS", "AKUT", "SLUTEN", "ADMIN"}
    assert set(pc.unique(pas["yrkeskategori"]).to_pylist()) == {
        "LAK", "SSK", "FYS", "PSYK", "KUR", "AT", "REHABKOORD", "OVR"}
    assert len(pc.unique(pas["kontakt_id"])) == pas.num_rows
    sluten = pas.filter(pc.equal(pas["kontakttyp"], "SLUTEN"))
    other = pas.filter(pc.not_equal(pas["kontakttyp"], "SLUTEN"))
    assert other["utskrivningsdatum"].null_count == other.num_rows
    assert sluten["utskrivningsdatum"].null_count < 0.05 * sluten.num_rows
    npe = pq.read_table(root / "npe" / "svar.parquet")
    assert set(pc.unique(npe["fraga_id"]).to_pylist()) == {"BEMOTANDE", "KOORD_BEHOV", "KOORD_ERBJUDEN",
                                                           "KOORD_HJALP"}
    bem = npe.filter(pc.equal(npe["fraga_id"], "BEMOTANDE"))["svar"].drop_null()
    assert set(pc.unique(bem).to_pylist()) == {1, 2, 3, 4, 5}
    koord = npe.filter(pc.not_equal(npe["fraga_id"], "BEMOTANDE"))["svar"].drop_null()
    assert set(pc.unique(koord).to_pylist()) == {0, 1}
    assert set(pc.unique(npe["undersokning"]).to_pylist()) == {"PV2020"}
